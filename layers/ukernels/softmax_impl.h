// Softmax over the channels of every pixel (Darknet's [softmax] spatial=1:
// a segmentation net's class map), compiled per ISA like tile_kernel_impl.h
// (included by tile_table_impl.h inside each ISA file's anonymous namespace;
// no includes).
// Plain loops that GCC vectorizes with the file's flags: the engine's copy,
// built for the portable x86 baseline, ran SSE2 only (a 19 x 512 x 512 map,
// one core: 9.3-9.7 ms; 3.1-3.2 built with -mavx512f).

// e^x for x <= 0: x = n ln2 + r, |r| <= ln2/2, e^r by Cephes' expf
// polynomial, 2^n by the exponent bits. Measured: at most 0.99 ulp from
// exp() in double over [-87.3, 0]. NaN stays NaN. n comes from adding
// 1.5 * 2^23, which rounds c / ln2 to an integer in the low mantissa bits
// (as exp_clamped in activation_impl.h does): with a float -> int
// conversion GCC left the loop scalar on aarch64 and with AVX2/AVX-512
// flags. A polynomial of its own, not exp_clamped's Taylor series: it is
// accurate to an ulp where the probabilities are compared with Darknet's
// expf.
inline float exp_nonpositive(float x) {
  const float c = x > -87.33f ? x : -87.33f;  // e^-87.33 ~ 1.2e-38: the smallest normal; NaN -> -87.33
  constexpr float kRound = 12582912.f;        // 1.5 * 2^23
  const float t = c * 1.44269504f + kRound;
  int t_bits;
  __builtin_memcpy(&t_bits, &t, sizeof t_bits);
  const int n = t_bits - 0x4B400000;  // kRound's bits: n = round(c / ln2), -126 .. 0
  const float fn = t - kRound;
  const float r = (c - fn * 0.693359375f) + fn * 2.12194440e-4f;  // ln2 in two parts (Cody-Waite)
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  const int bits = (n + 127) << 23;
  float scale;
  __builtin_memcpy(&scale, &bits, sizeof scale);
  return x >= -87.33f ? p * scale : x < -87.33f ? 0.f : x;  // NaN stays NaN
}

// y[c][p] = e^((x[c][p] - max_c x[c][p]) / temperature) / sum_c (...), for
// pixels p0 .. p1 of planes `spatial` floats apart.
inline void channel_softmax(const float* x, float* y, int channels, long spatial, long p0, long p1,
                            float temperature) {
  // Blocks of pixels whose channels stay in L1 between the three passes;
  // each pass walks a channel plane contiguously (a per-pixel loop would
  // stride a whole plane between reads). 64- or 1024-pixel blocks measured
  // no better (SSE2 build).
  constexpr long kBlock = 256;
  float largest[kBlock], sum[kBlock];
  for (long b0 = p0; b0 < p1; b0 += kBlock) {
    const long n = p1 - b0 < kBlock ? p1 - b0 : kBlock;
    for (long p = 0; p < n; ++p) largest[p] = -__builtin_inff(), sum[p] = 0.f;
    for (int c = 0; c < channels; ++c) {
      const float* xc = x + c * spatial + b0;
      for (long p = 0; p < n; ++p) largest[p] = largest[p] < xc[p] ? xc[p] : largest[p];  // std::max's NaN rule
    }
    for (int c = 0; c < channels; ++c) {
      const float* xc = x + c * spatial + b0;
      float* yc = y + c * spatial + b0;
      for (long p = 0; p < n; ++p) {
        const float e = exp_nonpositive((xc[p] - largest[p]) / temperature);
        yc[p] = e;
        sum[p] += e;
      }
    }
    for (int c = 0; c < channels; ++c) {
      float* yc = y + c * spatial + b0;
      for (long p = 0; p < n; ++p) yc[p] /= sum[p];
    }
  }
}
