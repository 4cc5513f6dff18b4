#include "darknet_activations.h"

namespace huge2::plugin {

// The formulas of Darknet's activations.h (2018), with its types (leaky's
// `.1*x` is a double product rounded to float, its gradient's `.1` a float
// 0.1f), as the packaged library computes them: it is built with -Ofast,
// so relu's x*(x>0) is a select (-0, -inf and NaN give +0), and loading it
// sets flush-to-zero and denormals-are-zero for the whole process, so that
// linear's gradient, delta *= 1, turns subnormal deltas into zeros (the
// multiply is kept here for that: 1 is read through a volatile).
void activate_like_darknet(float* x, size_t n, ACTIVATION a) {
  switch (a) {
    case LINEAR:
      return;
    case RELU:
      for (size_t i = 0; i < n; ++i) x[i] = x[i] > 0 ? x[i] : 0.f;
      return;
    case LEAKY:
      for (size_t i = 0; i < n; ++i) x[i] = x[i] > 0 ? x[i] : float(.1 * double(x[i]));
      return;
    default:
      activate_array(x, int(n), a);
  }
}

void gradient_like_darknet(const float* x, size_t n, ACTIVATION a, float* delta) {
  switch (a) {
    case LINEAR: {
      volatile float one = 1.f;
      const float k = one;
      for (size_t i = 0; i < n; ++i) delta[i] *= k;
      return;
    }
    case RELU:
      for (size_t i = 0; i < n; ++i) delta[i] *= float(x[i] > 0);
      return;
    case LEAKY:
      for (size_t i = 0; i < n; ++i) delta[i] *= x[i] > 0 ? 1.f : float(.1);
      return;
    default:
      gradient_array(x, int(n), a, delta);
  }
}

}  // namespace huge2::plugin
