// [deconvolutional] / [deconv]: Darknet's transposed convolution, bias or
// batch-norm, activation (default logistic, as Darknet). Picks darknet or
// huge2 by the huge2 key.
#include <algorithm>
#include <sstream>

#include "conv_params.h"
#include "deconvolution.h"
#include "layer_common.h"

namespace huge2 {
namespace {

class DeconvolutionalLayer : public Layer {
 public:
  DeconvolutionalLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    shape_.batch = ctx.batch;
    shape_.in_c = in_.c, shape_.in_h = in_.h, shape_.in_w = in_.w;
    shape_.out_c = read_int_at_least(s, ctx, "filters", 1, 1);
    shape_.ksize = read_int_at_least(s, ctx, "size", 1, 1);
    shape_.stride = read_int_at_least(s, ctx, "stride", 1, 1);
    shape_.pad = read_padding(s, ctx, shape_.ksize);
    Activation activation = Activation::logistic;
    try {
      activation = parse_activation(s.get_string("activation", "logistic"));
      shape_.validate();
    } catch (const std::exception& e) {
      fail(ctx, e.what());
    }
    const bool bn = s.get_int("batch_normalize", 0) != 0;
    algo_ = choose_algorithm(s, ctx);
    out_ = {shape_.out_c, shape_.out_h(), shape_.out_w()};
    // Same record as [convolutional]; weights [in_c][out_c][k][k].
    params_ = ConvParams(shape_.weight_count(), shape_.out_c, bn, activation);
    // The plan alone (workspace, method) until allocate(): the weights come
    // after the network's memory check.
    op_ = std::make_unique<Deconvolution>(shape_, algo_, Deconvolution::PlanOnly{});
  }

  void allocate() override {
    params_.allocate_weights();
    rebuild();
  }

  const char* type() const override { return "deconv"; }
  std::string describe() const override {
    std::ostringstream d;
    d << shape_.out_c << "  " << shape_.ksize << "x" << shape_.ksize << "/" << shape_.stride << " p" << shape_.pad;
    return d.str();
  }
  std::string algorithm() const override {
    std::string a = algorithm_name(algo_);
    if (op_->uses_column_method()) a += "/column";  // few output channels: stock column method
    return a;
  }
  std::string method() const override { return op_->method(); }
  size_t workspace_bytes() const override { return op_->workspace_bytes(); }
  double flops() const override { return shape_.flops(); }
  size_t parameter_count() const override { return params_.count(); }

  void forward(const ForwardArgs& a) const override {
    op_->forward(a.input, a.output, a.workspace, a.workspace_bytes);  // epilogue fused
  }

  void load(WeightReader& r) override {
    params_.load(r);
    rebuild();
  }
  void save(WeightWriter& w) const override {
    if (!params_.weights.empty()) return params_.save(w);
    std::vector<float> unpacked(params_.weight_count);
    op_->unpack_weights(unpacked.data());
    params_.save(w, unpacked.data());
  }
  void randomize(unsigned seed) override {
    // Each output sees about in_c * (k/stride)^2 taps.
    const int taps = std::max(1, shape_.ksize / shape_.stride);
    params_.randomize(seed, shape_.in_c * taps * taps);
    rebuild();
  }

 private:
  // The operator packs the weights and folds the epilogue: rebuilt whenever
  // they change. It then holds the only copy of the weights where it can
  // give them back (save() unpacks them).
  void rebuild() {
    op_.reset();  // no moment with two packed copies
    op_ = std::make_unique<Deconvolution>(shape_, algo_, params_.weights.data(), params_.epilogue(0, shape_.out_c));
    if (op_->holds_whole_kernel()) params_.release_weights();
  }

  DeconvShape shape_;
  Algorithm algo_ = Algorithm::darknet;
  ConvParams params_;
  std::unique_ptr<Deconvolution> op_;
};

}  // namespace

std::unique_ptr<Layer> make_deconvolutional(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<DeconvolutionalLayer>(s, ctx);
}

}  // namespace huge2
