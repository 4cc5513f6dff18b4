#include "core/epilogue.h"

#include <string>

#include "core/activation_formula.h"
#include "core/errors.h"

namespace huge2 {

void Epilogue::check(int channels, const char* op) const {
  auto bad = [&](const std::vector<float>& v) { return !v.empty() && v.size() != size_t(channels); };
  if (bad(scale) || bad(shift))
    throw ShapeError(std::string(op) + ": epilogue has " + std::to_string(scale.size()) + " scales and " +
                     std::to_string(shift.size()) + " shifts for " + std::to_string(channels) + " channels");
}

namespace {

// p[i] = act(p[i] * s + t) with the activation a compile-time constant, so
// that activation_formula's switch folds away and the loop vectorizes.
template <Activation A>
void scale_shift_activate(float* p, size_t n, float s, float t) {
  for (size_t i = 0; i < n; ++i) p[i] = activation_formula(p[i] * s + t, A);
}

}  // namespace

void Epilogue::apply(float* y, size_t plane_begin, size_t plane_end, int channels, size_t spatial) const {
  if (is_identity()) return;
  for (size_t q = plane_begin; q < plane_end; ++q) {
    const int k = int(q % size_t(channels));
    float* p = y + q * spatial;
    const float s = scale.empty() ? 1.f : scale[k], t = shift.empty() ? 0.f : shift[k];
    // The common activations vectorized (a call per value cost a DCGAN
    // 1x1 -> 4x4 layer's batch-norm + relu 15% of its time); the rest
    // through activate().
    switch (activation) {
      case Activation::linear: scale_shift_activate<Activation::linear>(p, spatial, s, t); break;
      case Activation::relu: scale_shift_activate<Activation::relu>(p, spatial, s, t); break;
      case Activation::leaky: scale_shift_activate<Activation::leaky>(p, spatial, s, t); break;
      default:
        for (size_t i = 0; i < spatial; ++i) p[i] = activate(p[i] * s + t, activation);
    }
  }
}

}  // namespace huge2
