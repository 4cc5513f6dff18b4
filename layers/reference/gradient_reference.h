// The naive gradients, straight from the forward definitions in
// reference.h: each loops over the same (input, tap, output) triples as its
// forward and moves the product the other way. Tests use them as the
// independent truth; they accumulate in double.
#pragma once
#include "core/shapes.h"

namespace huge2 {

// Transposed convolution, weights [in_c][out_c][k][k]:
//   dx[c][iy][ix]   = sum_{n,ky,kx} w[c][n][ky][kx] * dy[n][iy*s+ky-p][ix*s+kx-p]  (overwritten)
//   dw[c][n][ky][kx] += sum_{b,iy,ix} x[c][iy][ix] * dy[n][iy*s+ky-p][ix*s+kx-p]   (accumulated)
void deconv_backward_data_reference(const DeconvShape& s, const float* dy, const float* w, float* dx);
void deconv_backward_weights_reference(const DeconvShape& s, const float* x, const float* dy, float* dw);

// (Dilated) convolution, weights [out_c][in_c][k][k], P = pad * dilation:
//   dx[c][iy][ix]   = sum over (n, oy, ox, ky, kx) with iy = oy*s-P+d*ky, ix = ox*s-P+d*kx
//                     of w[n][c][ky][kx] * dy[n][oy][ox]                           (overwritten)
//   dw[n][c][ky][kx] += sum_{b,oy,ox} dy[n][oy][ox] * x[c][oy*s-P+d*ky][ox*s-P+d*kx] (accumulated)
void conv_backward_data_reference(const ConvShape& s, const float* dy, const float* w, float* dx);
void conv_backward_weights_reference(const ConvShape& s, const float* x, const float* dy, float* dw);

}  // namespace huge2
