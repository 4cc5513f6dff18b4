// [convolutional]: Darknet's convolution (with AlexeyAB's `dilation`), bias or
// batch-norm, activation. Dilated layers pick darknet or huge2 (huge2 key).
#include <sstream>

#include "conv_like_layer.h"
#include "operators/convolution.h"
#include "huge2_keys.h"
#include "layer_common.h"

namespace huge2 {
namespace {

class ConvolutionalLayer : public ConvLikeLayer {
 public:
  ConvolutionalLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    const Geometry g = read_geometry(s, ctx);
    n_ = g.filters, size_ = g.size, stride_ = g.stride, pad_ = g.pad;
    groups_ = read_int_at_least(s, ctx, "groups", 1, 1);
    dilation_ = keys::effective_dilation(size_, read_int_at_least(s, ctx, "dilation", 1, 1));
    const Activation activation = read_activation(s, ctx, "logistic");
    const bool bn = s.get_int("batch_normalize", 0) != 0;
    if (in_.c % groups_ || n_ % groups_)
      fail(ctx, "groups=" + std::to_string(groups_) + " must divide both the " + std::to_string(in_.c) +
                    " input channels and the " + std::to_string(n_) + " filters");
    // Plain convolutions run huge2's direct kernels too (the d = 1 case).
    algo_ = choose_algorithm(s, ctx);
    shape_.batch = groups_ == 1 ? ctx.batch : 1;
    shape_.in_c = in_.c / groups_, shape_.in_h = in_.h, shape_.in_w = in_.w;
    shape_.out_c = n_ / groups_, shape_.ksize = size_, shape_.stride = stride_, shape_.pad = pad_;
    shape_.dilation = dilation_;
    try {
      shape_.validate();
    } catch (const std::exception& e) {
      fail(ctx, e.what());
    }
    out_ = {n_, shape_.out_h(), shape_.out_w()};
    batch_ = ctx.batch;
    params_ = ConvParams(size_t(n_) * shape_.in_c * size_ * size_, n_, bn, activation);
    for (int g = 0; g < groups_; ++g) ops_.emplace_back(shape_, algo_, Convolution::PlanOnly{}, ctx.threads);
  }

  const char* type() const override { return "conv"; }
  std::string describe() const override {
    std::ostringstream d;
    d << n_ << "  " << size_ << "x" << size_ << "/" << stride_;
    if (dilation_ > 1) d << " d" << dilation_;
    if (groups_ > 1) d << " g" << groups_;
    return d.str();
  }
  std::string algorithm() const override {
    std::string a = algorithm_name(algo_);
    if (op().runs_panel_gemm()) a += "/gemm";  // strides the tile kernels do not take
    if (op().runs_window_gemv()) a += "/gemv";  // one window over the whole input
    return a;
  }
  std::string method() const override { return op().method(); }
  size_t workspace_bytes() const override { return op().workspace_bytes(); }
  std::string stock_darknet_difference() const override {
    if (dilation_ > 1) return "stock Darknet (2018) has no dilation and runs it undilated";
    if (size_ == 1 && pad_ > 0) return "stock Darknet skips im2col for size=1 and ignores its padding";
    return "";
  }
  double flops() const override { return shape_.flops() * (groups_ == 1 ? 1 : groups_ * batch_); }

  void forward(const ForwardArgs& a) const override {
    const size_t in_img = in_.size(), out_img = out_.size();
    if (groups_ == 1) {
      ops_[0].forward(a.input, a.output, a.workspace, a.workspace_bytes, a.pool);
      return;
    }
    const size_t gin = in_img / groups_, gout = out_img / groups_;
    for (int b = 0; b < a.batch; ++b)
      for (int g = 0; g < groups_; ++g)
        ops_[g].forward(a.input + b * in_img + g * gin, a.output + b * out_img + g * gout, a.workspace,
                        a.workspace_bytes, a.pool);
  }

 private:
  // One operator per group (batch 1 when grouped).
  void set_operator_weights() override {
    const size_t per_group = params_.weights.size() / groups_;
    const int per_out = n_ / groups_;
    for (int g = 0; g < groups_; ++g)
      ops_[g].set_weights(params_.weights.data() + g * per_group, params_.epilogue(g * per_out, per_out));
  }
  bool operators_hold_whole_kernel() const override {
    for (const Convolution& op : ops_)
      if (!op.holds_whole_kernel()) return false;
    return true;
  }
  void unpack_weights(float* w) const override {
    const size_t per_group = params_.weight_count / groups_;
    for (int g = 0; g < groups_; ++g) ops_[g].unpack_weights(w + g * per_group);
  }
  int fan_in() const override { return shape_.in_c * size_ * size_; }

  const Convolution& op() const { return ops_.front(); }

  int n_ = 0, size_ = 1, stride_ = 1, pad_ = 0, groups_ = 1, dilation_ = 1, batch_ = 1;
  ConvShape shape_;
  std::vector<Convolution> ops_;  // one per group
};

}  // namespace

std::unique_ptr<Layer> make_convolutional(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<ConvolutionalLayer>(s, ctx);
}

}  // namespace huge2
