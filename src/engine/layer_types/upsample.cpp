// [upsample]: nearest-neighbour by an integer stride, times `scale`.
#include "layer_common.h"
#include "core/shapes.h"

namespace huge2 {
namespace {

class UpsampleLayer : public Layer {
 public:
  UpsampleLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    stride_ = s.get_int("stride", 2);
    if (stride_ < 1) fail(ctx, "stride=" + std::to_string(stride_) + ": only positive strides (upsampling) are supported");
    scale_ = s.get_float("scale", 1.f);
    // In 64 bits: the stride is any int, so the product may not fit.
    if (checked_elements({ctx.batch, in_.c, in_.h, stride_, in_.w, stride_}) < 0)
      fail(ctx, "stride=" + std::to_string(stride_) + " makes the " + in_.str() + " input " +
                    std::to_string(int64_t(in_.w) * stride_) + " x " + std::to_string(int64_t(in_.h) * stride_) +
                    " x " + std::to_string(in_.c) + " (batch " + std::to_string(ctx.batch) +
                    "): more than 2^31-1 elements");
    out_ = {in_.c, in_.h * stride_, in_.w * stride_};
  }
  const char* type() const override { return "upsample"; }
  std::string describe() const override { return std::to_string(stride_) + "x"; }
  void forward(const ForwardArgs& a) const override {
    for_each_plane_pixel(a, in_, out_, [&](const float* x, float* y, int oy, int ox) {
      y[oy * out_.w + ox] = scale_ * x[(oy / stride_) * in_.w + ox / stride_];
    });
  }

 private:
  int stride_ = 2;
  float scale_ = 1.f;
};

}  // namespace

std::unique_ptr<Layer> make_upsample(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<UpsampleLayer>(s, ctx);
}

}  // namespace huge2
