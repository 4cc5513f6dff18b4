// [crop]: at inference Darknet takes the centred crop_height x crop_width
// window ((h - crop_height) / 2 from the top, likewise from the left) and
// maps it as 2x - 1 (noadjust=1: unchanged). flip, angle, saturation,
// exposure and shift are training augmentations: read, no effect here.
#include "layer_common.h"

namespace huge2 {
namespace {

class CropLayer : public Layer {
 public:
  CropLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    const int ch = read_int_at_least(s, ctx, "crop_height", 1, 1), cw = read_int_at_least(s, ctx, "crop_width", 1, 1);
    if (ch > in_.h || cw > in_.w)
      fail(ctx, "crop " + std::to_string(cw) + " x " + std::to_string(ch) + " is larger than the " + in_.str() + " input");
    out_ = {in_.c, ch, cw};
    const bool noadjust = s.get_int("noadjust", 0) != 0;
    scale_ = noadjust ? 1.f : 2.f, shift_ = noadjust ? 0.f : -1.f;
    s.get_int("flip", 0);
    for (const char* k : {"angle", "saturation", "exposure", "shift"}) s.get_float(k, 0);
  }
  const char* type() const override { return "crop"; }
  void forward(const ForwardArgs& a) const override {
    const int dy = (in_.h - out_.h) / 2, dx = (in_.w - out_.w) / 2;
    float* y = a.output;
    for (int p = 0; p < a.batch * in_.c; ++p)
      for (int i = 0; i < out_.h; ++i) {
        const float* x = a.input + (size_t(p) * in_.h + i + dy) * in_.w + dx;
        for (int j = 0; j < out_.w; ++j) *y++ = x[j] * scale_ + shift_;
      }
  }

 private:
  float scale_ = 2.f, shift_ = -1.f;
};

}  // namespace

std::unique_ptr<Layer> make_crop(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<CropLayer>(s, ctx);
}

}  // namespace huge2
