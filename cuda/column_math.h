// Index math of the darknet-method kernels and the epilogue, shared by the
// CUDA kernels (column_kernels.cu) and their CPU emulation in the tests.
// One call computes one element, as one GPU thread does.
#pragma once
#include <cmath>

#include "core/activation_formula.h"
#include "phase_tiling.h"  // HUGE2_HD

namespace huge2::cuda::detail {

struct Col2imParams {  // transposed convolution, one image
  int out_c, in_h, in_w, out_h, out_w, k, s, p;
};

// Output element e = (n, oy, ox) of one image gathers its contributions
// from the (out_c*k*k) x (in_h*in_w) column buffer of that image:
// taps ky = (oy+p) mod s, +s, ... with input row iy = (oy+p-ky)/s in range.
HUGE2_HD float col2im_gather(const Col2imParams& P, const float* col, int e) {
  const int ox = e % P.out_w, oy = (e / P.out_w) % P.out_h, n = e / (P.out_w * P.out_h);
  const int ty = oy + P.p, tx = ox + P.p;
  const int hw = P.in_h * P.in_w;
  float sum = 0.f;
  for (int ky = ty % P.s; ky < P.k && ky <= ty; ky += P.s) {
    const int iy = (ty - ky) / P.s;
    if (iy >= P.in_h) continue;
    for (int kx = tx % P.s; kx < P.k && kx <= tx; kx += P.s) {
      const int ix = (tx - kx) / P.s;
      if (ix >= P.in_w) continue;
      sum += col[size_t((n * P.k + ky) * P.k + kx) * hw + iy * P.in_w + ix];
    }
  }
  return sum;
}

struct Im2colParams {  // convolution, one image
  int in_c, in_h, in_w, out_h, out_w, k, stride, pad /* applied */, dilation;
};

// Column element e = ((c*k + ky)*k + kx) x (oy*out_w + ox) of the
// (in_c*k*k) x (out_h*out_w) column buffer: the dilated tap, 0 in the padding.
HUGE2_HD float im2col_element(const Im2colParams& P, const float* x, int e) {
  const int pixels = P.out_h * P.out_w;
  const int pix = e % pixels, row = e / pixels;
  const int kx = row % P.k, ky = (row / P.k) % P.k, c = row / (P.k * P.k);
  const int oy = pix / P.out_w, ox = pix % P.out_w;
  const int iy = oy * P.stride - P.pad + P.dilation * ky, ix = ox * P.stride - P.pad + P.dilation * kx;
  if (iy < 0 || iy >= P.in_h || ix < 0 || ix >= P.in_w) return 0.f;
  return x[(size_t(c) * P.in_h + iy) * P.in_w + ix];
}

}  // namespace huge2::cuda::detail
