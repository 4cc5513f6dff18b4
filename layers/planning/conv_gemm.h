// A convolution the direct kernels do not take (strides 5, 6, 7 and beyond
// 8: their tiles step 1, 2, 3, 4 or 8 input pixels per output), as one GEMM
// over its im2col matrix, which is never stored whole:
//
//   y[b][o][p] = sum over k = (c, ky, kx) of w[o][k] * x[b][c][oy*s - P + d*ky][ox*s - P + d*kx]
//
// run as a PanelGemm (panel_gemm.h): A = the weights as given (a row of
// in_c*k*k floats per output channel, broadcast in place), B = im2col
// gathered into panels of NR output pixels one K block at a time. (The ReID tracker's
// 4x4/4 and 8x8/8 data gradients ran here until the tiles took steps 4 and
// 8: the gather of dy cost as much as the products.)
#pragma once
#include <cstddef>
#include <string>

#include "core/shapes.h"
#include "planning/panel_gemm.h"

namespace huge2 {

class ConvGemm {
 public:
  // threads: at most this many run it (panel_gemm.h: per-thread panels).
  ConvGemm(const ConvShape& shape, Isa isa, int threads);

  size_t workspace_floats() const { return gemm_.panel_floats(); }
  // e.g. "packed GEMM over im2col panels, avx512f 8x32 tiles, 8 K blocks of 256"
  std::string describe() const { return "packed GEMM over im2col panels, " + gemm_.describe(); }
  // y (overwritten, no epilogue) = the convolution of x with w ([out_c][in_c][k][k]).
  void run(const float* x, const float* w, float* y, float* ws, ThreadPool* pool) const;

 private:
  ConvShape s_;
  PanelGemm gemm_;
};

}  // namespace huge2
