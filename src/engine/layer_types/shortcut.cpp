// [shortcut]: out = input, then out = alpha * out + beta * layer[from] where
// the two overlap, then the activation. Operands of different shapes are
// combined as Darknet's shortcut_cpu does: the output keeps the input's
// shape; with from = w1 x h1 x c1 and the output w2 x h2 x c2, the first
// min(c1, c2) channels are added, taking every (w1/w2)-th value of a larger
// `from` or writing every (w2/w1)-th value of a larger output (the other
// output values stay the plain input, not scaled by alpha). Width and height
// must scale by the same factor (Darknet asserts it).
#include <algorithm>

#include "core/activation.h"
#include "layer_common.h"

namespace huge2 {
namespace {

class ShortcutLayer : public Layer {
 public:
  ShortcutLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = out_ = ctx.input;
    const int v = s.get_int("from", -1);
    from_ = v < 0 ? ctx.index + v : v;
    if (from_ < 0 || from_ >= ctx.index)
      fail(ctx, "from=" + std::to_string(v) + " names layer " + std::to_string(from_) + ", which is not an earlier layer");
    add_ = ctx.earlier[from_];
    stride_ = std::max(1, add_.w / out_.w), sample_ = std::max(1, out_.w / add_.w);
    if (add_.w / out_.w != add_.h / out_.h || out_.w / add_.w != out_.h / add_.h)
      fail(ctx, "layer " + std::to_string(from_) + " is " + add_.str() + " and the input " + in_.str() +
                    ": width and height must scale by the same factor");
    alpha_ = s.get_float("alpha", 1.f), beta_ = s.get_float("beta", 1.f);
    activation_ = read_activation(s, ctx, "linear");
  }
  const char* type() const override { return "shortcut"; }
  std::string describe() const override { return std::to_string(from_); }
  std::vector<int> reads_outputs_of() const override { return {from_}; }
  void forward(const ForwardArgs& a) const override {
    const size_t n = out_.size() * a.batch;
    const float* add = (*a.outputs)[from_];
    if (add_ == out_) {
      for (size_t i = 0; i < n; ++i) a.output[i] = alpha_ * a.input[i] + beta_ * add[i];
    } else {
      std::copy(a.input, a.input + n, a.output);
      const int w = std::min(add_.w, out_.w), h = std::min(add_.h, out_.h), c = std::min(add_.c, out_.c);
      for (int b = 0; b < a.batch; ++b)
        for (int k = 0; k < c; ++k)
          for (int j = 0; j < h; ++j)
            for (int i = 0; i < w; ++i) {
              float& o = a.output[i * sample_ + out_.w * (j * sample_ + size_t(out_.h) * (k + size_t(out_.c) * b))];
              o = alpha_ * o + beta_ * add[i * stride_ + add_.w * (j * stride_ + size_t(add_.h) * (k + size_t(add_.c) * b))];
            }
    }
    activate_parallel(a.output, n, activation_, a.pool);
  }

 private:
  int from_ = 0, stride_ = 1, sample_ = 1;
  Shape3 add_;
  float alpha_ = 1.f, beta_ = 1.f;
  Activation activation_ = Activation::linear;
};

}  // namespace

std::unique_ptr<Layer> make_shortcut(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<ShortcutLayer>(s, ctx);
}

}  // namespace huge2
