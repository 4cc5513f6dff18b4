// A convolution the direct kernels do not take (stride > 2: their tiles
// step 1 or 2 input pixels per output), as one GEMM over its im2col matrix,
// which is never stored whole:
//
//   y[b][o][p] = sum over k = (c, ky, kx) of w[o][k] * x[b][c][oy*s - P + d*ky][ox*s - P + d*kx]
//
// run as a PanelGemm (panel_gemm.h): A = the weights, packed per call
// (out_c x in_c*k*k floats, small beside the work), B = im2col gathered into
// panels of NR output pixels one K block at a time. The transposed
// convolutions' data gradients with stride 4 and 8 (the ReID tracker's
// 4x4/4 and 8x8/8 layers) are such convolutions; before this they ran the
// stock im2col (the whole column matrix, then OpenBLAS with M = in_c = 30).
#pragma once
#include <cstddef>
#include <string>

#include "core/shapes.h"
#include "planning/panel_gemm.h"

namespace huge2 {

class ConvGemm {
 public:
  ConvGemm(const ConvShape& shape, Isa isa);

  size_t workspace_floats() const { return gemm_.packed_a_floats() + gemm_.panel_floats(); }
  // e.g. "packed GEMM over im2col panels, avx512f 8x32 tiles, 8 K blocks of 256"
  std::string describe() const { return "packed GEMM over im2col panels, " + gemm_.describe(); }
  // y (overwritten, no epilogue) = the convolution of x with w ([out_c][in_c][k][k]).
  void run(const float* x, const float* w, float* y, float* ws, ThreadPool* pool) const;

 private:
  ConvShape s_;
  PanelGemm gemm_;
};

}  // namespace huge2
