// [deconvolutional] / [deconv]: Darknet's transposed convolution, bias or
// batch-norm, activation (default logistic, as Darknet). Picks darknet or
// huge2 by the huge2 key.
#include <algorithm>
#include <sstream>

#include "conv_like_layer.h"
#include "operators/deconvolution.h"
#include "layer_common.h"

namespace huge2 {
namespace {

class DeconvolutionalLayer : public ConvLikeLayer {
 public:
  DeconvolutionalLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    const Geometry g = read_geometry(s, ctx);
    shape_.batch = ctx.batch;
    shape_.in_c = in_.c, shape_.in_h = in_.h, shape_.in_w = in_.w;
    shape_.out_c = g.filters, shape_.ksize = g.size, shape_.stride = g.stride, shape_.pad = g.pad;
    const Activation activation = read_activation(s, ctx, "logistic");
    try {
      shape_.validate();
    } catch (const std::exception& e) {
      fail(ctx, e.what());
    }
    const bool bn = s.get_int("batch_normalize", 0) != 0;
    algo_ = choose_algorithm(s, ctx);
    out_ = {shape_.out_c, shape_.out_h(), shape_.out_w()};
    // Same record as [convolutional]; weights [in_c][out_c][k][k].
    params_ = ConvParams(shape_.weight_count(), shape_.out_c, bn, activation);
    op_ = std::make_unique<Deconvolution>(shape_, algo_, Deconvolution::PlanOnly{}, ctx.threads);
  }

  const char* type() const override { return "deconv"; }
  std::string describe() const override {
    std::ostringstream d;
    d << shape_.out_c << "  " << shape_.ksize << "x" << shape_.ksize << "/" << shape_.stride << " p" << shape_.pad;
    return d.str();
  }
  std::string algorithm() const override {
    std::string a = algorithm_name(algo_);
    if (op_->runs_window_gemv()) a += "/gemv";  // one padless input pixel
    return a;
  }
  std::string method() const override { return op_->method(); }
  size_t workspace_bytes() const override { return op_->workspace_bytes(); }
  double flops() const override { return shape_.flops(); }

  void forward(const ForwardArgs& a) const override {
    op_->forward(a.input, a.output, a.workspace, a.workspace_bytes, a.pool);  // epilogue fused
  }

 private:
  void set_operator_weights() override { op_->set_weights(params_.weights.data(), params_.epilogue(0, shape_.out_c)); }
  bool operators_hold_whole_kernel() const override { return op_->holds_whole_kernel(); }
  void unpack_weights(float* w) const override { op_->unpack_weights(w); }
  // Each output sees about in_c * (k/stride)^2 taps.
  int fan_in() const override {
    const int taps = std::max(1, shape_.ksize / shape_.stride);
    return shape_.in_c * taps * taps;
  }

  DeconvShape shape_;
  std::unique_ptr<Deconvolution> op_;
};

}  // namespace

std::unique_ptr<Layer> make_deconvolutional(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<DeconvolutionalLayer>(s, ctx);
}

}  // namespace huge2
