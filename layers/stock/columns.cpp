#include "stock/columns.h"

#include <algorithm>

namespace huge2 {

void im2col(const ConvShape& s, const float* x, float* col) {
  const int oh = s.out_h(), ow = s.out_w(), k = s.ksize, P = s.applied_pad(), d = s.dilation;
  const int rows = s.in_c * k * k;
#pragma omp parallel for schedule(static)
  for (int r = 0; r < rows; ++r) {
    const int kx = r % k, ky = (r / k) % k, c = r / (k * k);
    const float* plane = x + size_t(c) * s.in_h * s.in_w;
    float* dst = col + size_t(r) * oh * ow;
    for (int oy = 0; oy < oh; ++oy, dst += ow) {
      const int iy = oy * s.stride - P + d * ky;
      if (iy < 0 || iy >= s.in_h) {
        std::fill(dst, dst + ow, 0.f);
        continue;
      }
      const float* src = plane + size_t(iy) * s.in_w;
      const int x0 = d * kx - P;  // input column of ox = 0
      for (int ox = 0; ox < ow; ++ox) {
        const int ix = x0 + ox * s.stride;
        dst[ox] = (ix >= 0 && ix < s.in_w) ? src[ix] : 0.f;
      }
    }
  }
}

void col2im_add(const DeconvShape& s, const float* col, float* y) {
  const int oh = s.out_h(), ow = s.out_w(), k = s.ksize, hw = s.in_h * s.in_w;
  // One output channel per thread: its k*k column rows write only its plane.
#pragma omp parallel for schedule(static)
  for (int n = 0; n < s.out_c; ++n) {
    float* plane = y + size_t(n) * oh * ow;
    for (int ky = 0; ky < k; ++ky)
      for (int kx = 0; kx < k; ++kx) {
        const float* src = col + (size_t(n) * k * k + ky * k + kx) * hw;
        for (int iy = 0; iy < s.in_h; ++iy) {
          const int oy = iy * s.stride + ky - s.pad;
          if (oy < 0 || oy >= oh) continue;
          float* row = plane + size_t(oy) * ow;
          for (int ix = 0; ix < s.in_w; ++ix) {
            const int ox = ix * s.stride + kx - s.pad;
            if (ox >= 0 && ox < ow) row[ox] += src[iy * s.in_w + ix];
          }
        }
      }
  }
}

void col2im_add(const ConvShape& s, const float* col, float* x) {
  const int oh = s.out_h(), ow = s.out_w(), k = s.ksize, P = s.applied_pad(), d = s.dilation;
  // One input channel per thread: its k*k column rows write only its plane.
#pragma omp parallel for schedule(static)
  for (int c = 0; c < s.in_c; ++c) {
    float* plane = x + size_t(c) * s.in_h * s.in_w;
    for (int ky = 0; ky < k; ++ky)
      for (int kx = 0; kx < k; ++kx) {
        const float* src = col + (size_t(c) * k * k + ky * k + kx) * oh * ow;
        for (int oy = 0; oy < oh; ++oy) {
          const int iy = oy * s.stride - P + d * ky;
          if (iy < 0 || iy >= s.in_h) continue;
          float* row = plane + size_t(iy) * s.in_w;
          for (int ox = 0; ox < ow; ++ox) {
            const int ix = ox * s.stride - P + d * kx;
            if (ix >= 0 && ix < s.in_w) row[ix] += src[size_t(oy) * ow + ox];
          }
        }
      }
  }
}

}  // namespace huge2
