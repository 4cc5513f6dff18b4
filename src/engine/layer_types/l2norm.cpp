// [l2norm]: each pixel's channel vector divided by its L2 norm (Darknet's
// l2normalize_cpu; an all-zero vector gives NaN there and here).
#include <cmath>

#include "layer_common.h"

namespace huge2 {
namespace {

class L2normLayer : public Layer {
 public:
  L2normLayer(const cfg::Section&, const BuildContext& ctx) { in_ = out_ = ctx.input; }
  const char* type() const override { return "l2norm"; }
  void forward(const ForwardArgs& a) const override {
    const size_t plane = size_t(in_.h) * in_.w;
    for (int b = 0; b < a.batch; ++b) {
      const float* x = a.input + b * in_.size();
      float* y = a.output + b * in_.size();
      for (size_t i = 0; i < plane; ++i) {
        float sum = 0;
        for (int f = 0; f < in_.c; ++f) sum += std::pow(x[f * plane + i], 2.f);
        sum = std::sqrt(sum);
        for (int f = 0; f < in_.c; ++f) y[f * plane + i] = x[f * plane + i] / sum;
      }
    }
  }
};

}  // namespace

std::unique_ptr<Layer> make_l2norm(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<L2normLayer>(s, ctx);
}

}  // namespace huge2
