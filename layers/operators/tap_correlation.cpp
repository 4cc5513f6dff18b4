#include "operators/tap_correlation.h"

#include <algorithm>

#include "stock/gemm.h"

namespace huge2 {
namespace {

// The range [lo, hi) of u in [0, n) with 0 <= b0 + step*u < bn.
void partner_range(int n, int bn, int b0, int step, int& lo, int& hi) {
  lo = b0 >= 0 ? 0 : (-b0 + step - 1) / step;
  hi = b0 > bn - 1 ? 0 : std::min(n, (bn - 1 - b0) / step + 1);
  if (hi < lo) hi = lo;
}

}  // namespace

size_t tap_correlation_floats(const PlaneStack& a, const PlaneStack& b) {
  return (size_t(a.c) + b.c) * a.h * a.w;
}

void add_taps(const float* per_tap, int taps, size_t m_count, float* dw, ThreadPool* pool) {
  constexpr size_t kGrain = 4096;
  parallel_for(pool, m_count, [&](size_t m0, size_t m1) {
    for (size_t m = m0; m < m1; ++m)
      for (int e = 0; e < taps; ++e) dw[m * taps + e] += per_tap[e * m_count + m];
  }, kGrain);
}

void correlate_tap(const PlaneStack& a, const PlaneStack& b, int batch, int b0y, int b0x, int step, float* out,
                   float* ws) {
  int u0, u1, v0, v1;
  partner_range(a.h, b.h, b0y, step, u0, u1);
  partner_range(a.w, b.w, b0x, step, v0, v1);
  const int rows = u1 - u0, cols = v1 - v0, npix = rows * cols;
  if (npix == 0) {
    std::fill(out, out + size_t(a.c) * b.c, 0.f);
    return;
  }
  float* ga = ws;                           // a.c x npix
  float* gb = ws + size_t(a.c) * npix;      // b.c x npix
  const size_t a_img = size_t(a.c) * a.h * a.w, b_img = size_t(b.c) * b.h * b.w;
  for (int n = 0; n < batch; ++n) {
    const float* ab = a.data + n * a_img;
    const float* bb = b.data + n * b_img;
    // Gather the two windows (rows of a are contiguous, b is strided), then
    // one GEMM per image into out.
    for (size_t p = 0; p < size_t(a.c) + b.c; ++p) {
      const bool in_a = p < size_t(a.c);
      float* dst = in_a ? ga + p * npix : gb + (p - a.c) * npix;
      for (int u = u0; u < u1; ++u) {
        if (in_a) {
          const float* src = ab + (p * a.h + u) * a.w;
          dst = std::copy(src + v0, src + v1, dst);
        } else {
          const float* src = bb + ((p - a.c) * b.h + (b0y + step * u)) * b.w + b0x;
          for (int v = v0; v < v1; ++v) *dst++ = src[step * v];
        }
      }
    }
    sgemm(false, true, a.c, b.c, npix, 1.f, ga, npix, gb, npix, n == 0 ? 0.f : 1.f, out, b.c);
  }
}

}  // namespace huge2
