// [maxpool] (Darknet's window and padding rules) and [avgpool] (global average).
#include <algorithm>
#include <cfloat>
#include <cstdint>

#include "layer_common.h"
#include "core/shapes.h"

namespace huge2 {
namespace {

class MaxpoolLayer : public Layer {
 public:
  MaxpoolLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    stride_ = read_int_at_least(s, ctx, "stride", 1, 1);
    size_ = read_int_at_least(s, ctx, "size", stride_, 1);
    padding_ = read_int_at_least(s, ctx, "padding", size_ - 1, 0);
    // Darknet: out = (in + padding - size) / stride + 1, window offset -padding/2.
    // In 64 bits: padding and size are any int.
    const int64_t oh = (int64_t(in_.h) + padding_ - size_) / stride_ + 1;
    const int64_t ow = (int64_t(in_.w) + padding_ - size_) / stride_ + 1;
    if (int64_t(in_.h) + padding_ < size_ || int64_t(in_.w) + padding_ < size_ || oh < 1 || ow < 1)
      fail(ctx, "maxpool size=" + std::to_string(size_) + " does not fit the " + in_.str() + " input");
    if (checked_elements({ctx.batch, in_.c, oh, ow}) < 0)
      fail(ctx, "padding=" + std::to_string(padding_) + " makes the output " + std::to_string(ow) + " x " +
                    std::to_string(oh) + " x " + std::to_string(in_.c) + ": more than 2^31-1 elements");
    out_ = {in_.c, int(oh), int(ow)};
  }
  const char* type() const override { return "max"; }
  std::string describe() const override { return std::to_string(size_) + "x" + std::to_string(size_) + "/" +
                                                  std::to_string(stride_); }

  void forward(const ForwardArgs& a) const override {
    const int64_t off = -int64_t(padding_) / 2;
    for_each_plane_pixel(a, in_, out_, [&](const float* x, float* y, int oy, int ox) {
      // The window clipped to the input (64-bit: size and padding are any
      // int, and a huge window must not mean a huge loop over padding).
      const int64_t y0 = off + int64_t(oy) * stride_, x0 = off + int64_t(ox) * stride_;
      const int64_t ya = std::max<int64_t>(y0, 0), yb = std::min<int64_t>(y0 + size_, in_.h);
      const int64_t xa = std::max<int64_t>(x0, 0), xb = std::min<int64_t>(x0 + size_, in_.w);
      float m = -FLT_MAX;
      for (int64_t iy = ya; iy < yb; ++iy)
        for (int64_t ix = xa; ix < xb; ++ix) m = std::max(m, x[iy * in_.w + ix]);
      y[oy * out_.w + ox] = m;
    });
  }

 private:
  int size_ = 1, stride_ = 1, padding_ = 0;
};

class AvgpoolLayer : public Layer {
 public:
  AvgpoolLayer(const cfg::Section&, const BuildContext& ctx) {
    in_ = ctx.input;
    out_ = {in_.c, 1, 1};
  }
  const char* type() const override { return "avg"; }
  void forward(const ForwardArgs& a) const override {
    const size_t spatial = size_t(in_.h) * in_.w;
    for (int p = 0; p < a.batch * in_.c; ++p) {
      double sum = 0;
      for (size_t i = 0; i < spatial; ++i) sum += a.input[p * spatial + i];
      a.output[p] = float(sum / double(spatial));
    }
  }
};

}  // namespace

std::unique_ptr<Layer> make_maxpool(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<MaxpoolLayer>(s, ctx);
}
std::unique_ptr<Layer> make_avgpool(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<AvgpoolLayer>(s, ctx);
}

}  // namespace huge2
