// The stock column transforms (Darknet's im2col / col2im), written anew.
#pragma once
#include "core/shapes.h"

namespace huge2 {

// col[(c, ky, kx)][(oy, ox)] = x[c][oy*stride - P + d*ky][ox*stride - P + d*kx] (0 outside),
// for one image; P = pad * dilation.
void im2col(const ConvShape& s, const float* x, float* col);

// y[n][oy][ox] += col[(n, ky, kx)][(iy, ix)] where oy = iy*stride + ky - pad,
// ox = ix*stride + kx - pad; one image; y must be zeroed by the caller.
void col2im_add(const DeconvShape& s, const float* col, float* y);

// im2col's adjoint, for a convolution's backward pass (Darknet's col2im_cpu,
// with dilation): x[c][oy*stride - P + d*ky][ox*stride - P + d*kx] +=
// col[(c, ky, kx)][(oy, ox)] inside the input; one image; x zeroed by the caller.
void col2im_add(const ConvShape& s, const float* col, float* x);

}  // namespace huge2
