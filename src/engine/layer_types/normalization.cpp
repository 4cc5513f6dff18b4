// [normalization] / [lrn]: local response normalisation across channels,
//   y = x / norm^beta,  norm = kappa + alpha * (sum of x^2 over a window of channels),
// with the window arithmetic of Darknet's forward_normalization_layer: the
// first channel's sum covers channels [0, size/2) and each next channel's
// sum adds channel k + size/2 and drops channel k - (size-1)/2 - 1. (So
// channel size/2 is never added, and its square is missing from every sum;
// trained Darknet weights expect exactly that.)
#include <cmath>
#include <vector>

#include "layer_common.h"

namespace huge2 {
namespace {

class NormalizationLayer : public Layer {
 public:
  NormalizationLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = out_ = ctx.input;
    alpha_ = s.get_float("alpha", .0001f);
    beta_ = s.get_float("beta", .75f);
    kappa_ = s.get_float("kappa", 1.f);
    size_ = read_int_at_least(s, ctx, "size", 5, 1);
  }
  const char* type() const override { return "norm"; }
  std::string describe() const override { return std::to_string(size_); }
  size_t workspace_bytes() const override { return 2 * in_.size() * sizeof(float); }

  void forward(const ForwardArgs& a) const override {
    const size_t plane = size_t(in_.h) * in_.w, image = in_.size();
    float* squared = a.workspace;
    float* norms = a.workspace + image;
    for (int b = 0; b < a.batch; ++b) {
      const float* x = a.input + b * image;
      float* y = a.output + b * image;
      for (size_t i = 0; i < image; ++i) squared[i] = x[i] * x[i];
      for (size_t i = 0; i < plane; ++i) norms[i] = kappa_;
      for (int k = 0; k < size_ / 2 && k < in_.c; ++k)
        for (size_t i = 0; i < plane; ++i) norms[i] += alpha_ * squared[k * plane + i];
      for (int k = 1; k < in_.c; ++k) {
        float* n = norms + k * plane;
        for (size_t i = 0; i < plane; ++i) n[i] = n[i - plane];
        const int prev = k - (size_ - 1) / 2 - 1, next = k + size_ / 2;
        if (prev >= 0)
          for (size_t i = 0; i < plane; ++i) n[i] += -alpha_ * squared[prev * plane + i];
        if (next < in_.c)
          for (size_t i = 0; i < plane; ++i) n[i] += alpha_ * squared[next * plane + i];
      }
      for (size_t i = 0; i < image; ++i) y[i] = std::pow(norms[i], -beta_) * x[i];
    }
  }

 private:
  float alpha_ = .0001f, beta_ = .75f, kappa_ = 1.f;
  int size_ = 5;
};

}  // namespace

std::unique_ptr<Layer> make_normalization(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<NormalizationLayer>(s, ctx);
}

}  // namespace huge2
