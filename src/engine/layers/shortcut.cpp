// [shortcut]: out = alpha * previous + beta * layer[from], then activation.
// Only same-shaped operands (Darknet also resamples mismatched ones).
#include "activation.h"
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
    if (!(ctx.earlier[from_] == in_))
      fail(ctx, "layer " + std::to_string(from_) + " is " + ctx.earlier[from_].str() + " but the input is " + in_.str() +
                    ": shortcut needs equal shapes");
    alpha_ = s.get_float("alpha", 1.f), beta_ = s.get_float("beta", 1.f);
    try {
      activation_ = parse_activation(s.get_string("activation", "linear"));
    } catch (const std::exception& e) {
      fail(ctx, e.what());
    }
  }
  const char* type() const override { return "shortcut"; }
  std::string describe() const override { return std::to_string(from_); }
  void forward(const ForwardArgs& a) const override {
    const size_t n = out_.size() * a.batch;
    const float* add = (*a.outputs)[from_];
    for (size_t i = 0; i < n; ++i) a.output[i] = alpha_ * a.input[i] + beta_ * add[i];
    activate_array(a.output, n, activation_);
  }

 private:
  int from_ = 0;
  float alpha_ = 1.f, beta_ = 1.f;
  Activation activation_ = Activation::linear;
};

}  // namespace

std::unique_ptr<Layer> make_shortcut(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<ShortcutLayer>(s, ctx);
}

}  // namespace huge2
