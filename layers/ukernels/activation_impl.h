// The epilogue's activations that are not one vector instruction, over a
// span of floats, compiled per ISA like tile_kernel_impl.h (included by it
// inside each ISA file's anonymous namespace; no includes). The ones built
// on exp (logistic, tanh, elu, loggy, selu) are written branch-free on
// exp_clamped() below, both sides of every choice computed and then selected,
// so that GCC vectorizes the loops; calling tanhf or expf
// per value cost DCGAN's 64x64 RGB output layer more than its convolution
// (0.11 ms of tanh against 0.09 ms of FMAs, 1 thread). The rest go value by
// value through activate().
//
// exp(x), x clamped to [-87, 88] (NaN to -87; activate_span puts NaNs
// back): x = n*ln2 + r with |r| <= ln2/2 (ln2 in two parts, so n*ln2 is
// exact to float precision), e^r by its Taylor series to r^7 (the first term
// left out is < 6e-9 relative there), times 2^n made in the exponent bits.
// n comes from adding 1.5 * 2^23, which rounds x/ln2 to an integer in the
// low mantissa bits: a float-to-int conversion after the clamp made GCC
// give up vectorizing the loop ("control flow in loop"). Within 1e-7
// relative of exp over the whole range (checked against double exp).
inline float exp_clamped(float x) {
  x = x > -87.f ? (x < 88.f ? x : 88.f) : -87.f;
  constexpr float kRound = 12582912.f;  // 1.5 * 2^23
  const float t = x * 1.44269504f + kRound;
  int t_bits;
  __builtin_memcpy(&t_bits, &t, sizeof t_bits);
  const int n = t_bits - 0x4B400000;  // kRound's bits
  const float nf = t - kRound;
  const float r = (x - nf * 0.693145751953125f) - nf * 1.428606765330187e-6f;
  float p = 1.f / 5040;
  p = p * r + 1.f / 720;
  p = p * r + 1.f / 120;
  p = p * r + 1.f / 24;
  p = p * r + 1.f / 6;
  p = p * r + .5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  const int bits = (n + 127) << 23;
  float scale;
  __builtin_memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// The activations the kernels apply in vector registers, one or two
// instructions on the accumulators (max, or max of v and slope * v); the
// others go through activate_span.
inline bool vector_activation(Activation act) {
  return act == Activation::linear || act == Activation::relu || act == Activation::leaky ||
         act == Activation::relie;
}

// v[i] = act(v[i]) for i < n; a NaN stays NaN.
inline void activate_span(float* v, int n, Activation act) {
  auto each = [&](auto f) {
    for (int i = 0; i < n; ++i) {
      const float x = v[i], y = f(x);
      v[i] = x == x ? y : x;
    }
  };
  switch (act) {
    case Activation::logistic: return each([](float x) { return 1.f / (1.f + exp_clamped(-x)); });
    case Activation::tanh:
      // tanh|x| = (1 - e^-2|x|) / (1 + e^-2|x|): no overflow; the sign put back.
      return each([](float x) {
        const float t = exp_clamped(-2.f * (x < 0.f ? -x : x)), m = (1.f - t) / (1.f + t);
        return x < 0.f ? -m : m;
      });
    case Activation::elu:
      return each([](float x) {
        const float e = exp_clamped(x) - 1.f;
        return x >= 0.f ? x : e;
      });
    case Activation::loggy: return each([](float x) { return 2.f / (1.f + exp_clamped(-x)) - 1.f; });
    case Activation::selu:
      return each([](float x) {
        const float e = 1.0507f * 1.6732f * (exp_clamped(x) - 1.f);
        return x >= 0.f ? 1.0507f * x : e;
      });
    default:
      for (int i = 0; i < n; ++i) v[i] = activate(v[i], act);
  }
}
