#include "darknet_activations.h"

#include <cstring>

namespace huge2::plugin {
namespace {

// Four floats (and four doubles) as GCC/Clang vector types: the selects
// below are then branch-free SIMD on every target (SSE2 on x86-64's
// baseline, NEON on aarch64). Written as plain loops, the compiler kept a
// compare and branch per value (mispredicted on half of them: 4 ns each,
// 15% of a decoder's training iteration).
typedef float f4 __attribute__((vector_size(16)));
typedef double d4 __attribute__((vector_size(32)));
typedef int i4 __attribute__((vector_size(16)));

f4 load(const float* p) {
  f4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store(float* p, f4 v) { std::memcpy(p, &v, sizeof v); }
f4 select(i4 mask, f4 a, f4 b) {  // mask lanes are all ones or zero
  i4 ai, bi;
  std::memcpy(&ai, &a, sizeof a), std::memcpy(&bi, &b, sizeof b);
  const i4 r = (ai & mask) | (bi & ~mask);
  f4 out;
  std::memcpy(&out, &r, sizeof r);
  return out;
}

// Darknet's formulas, per value and per four values alike.
float leaky(float v) { return v > 0 ? v : float(.1 * double(v)); }
f4 leaky(f4 v) {
  const f4 small = __builtin_convertvector(__builtin_convertvector(v, d4) * .1, f4);
  return select(v > 0, v, small);
}
float relu(float v) { return v > 0 ? v : 0.f; }
f4 relu(f4 v) { return select(v > 0, v, f4{0, 0, 0, 0}); }

// x[i] = f(x[i]).
template <class F>
void map(float* x, size_t n, F f) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) store(x + i, f(load(x + i)));
  for (; i < n; ++i) x[i] = f(x[i]);
}

// delta[i] *= (x[i] > 0 ? 1 : low), Darknet's float gradient of relu (low 0)
// and leaky (low .1 as a float).
void scale_by_sign(const float* x, size_t n, float low, float* delta) {
  const f4 one = {1, 1, 1, 1}, lows = {low, low, low, low};
  size_t i = 0;
  for (; i + 4 <= n; i += 4) store(delta + i, load(delta + i) * select(load(x + i) > 0, one, lows));
  for (; i < n; ++i) delta[i] *= x[i] > 0 ? 1.f : low;
}

}  // namespace

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
      return map(x, n, [](auto v) { return relu(v); });
    case LEAKY:
      return map(x, n, [](auto v) { return leaky(v); });
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
      return scale_by_sign(x, n, 0.f, delta);
    case LEAKY:
      return scale_by_sign(x, n, float(.1), delta);
    default:
      gradient_array(x, int(n), a, delta);
  }
}

}  // namespace huge2::plugin
