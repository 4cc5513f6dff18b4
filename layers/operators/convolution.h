// Convolution operator, plain or dilated (Darknet [convolutional] semantics,
// AlexeyAB's `dilation` key; padding applied = pad * dilation).
// Same operator/kernel split (OperatorBase) and epilogue as Deconvolution.
#pragma once
#include <string>

#include "operators/operator_base.h"

namespace huge2 {

class Convolution : public OperatorBase<ConvShape> {
 public:
  // weights: [out_c][in_c][k][k], exactly as Darknet stores them.
  using OperatorBase::OperatorBase;

  size_t workspace_bytes() const;
  std::string method() const;
  // True when huge2 was asked for but the direct kernels do not take the
  // geometry (strides 5, 6, 7, > 8: their tiles step 1, 2, 3, 4 or 8 input
  // pixels per output),
  // so it runs as one GEMM over im2col panels (planning/conv_gemm.h).
  bool runs_panel_gemm() const { return algo_ == Algorithm::huge2 && !direct_ && !runs_window_gemv(); }
  // True when huge2 runs it as a matrix-vector product on the weights as
  // given: the whole input is the one window (planning/window_gemv.h).
  bool runs_window_gemv() const;

  // x: batch x in_c x in_h x in_w; y: batch x out_c x out_h x out_w (overwritten).
  // pool: the threads huge2's kernels run on (null: the calling thread
  // alone); the stock method runs on OpenMP's and OpenBLAS's (set_num_threads).
  void forward(const float* x, float* y, float* workspace, size_t workspace_bytes, ThreadPool* pool = nullptr) const;
};

// A (dilated, strided) convolution as one direct sub-problem: tap (ky, kx)
// reads input (d*ky - P + s*u, d*kx - P + s*v); no sub-image gather.
DirectProblem conv_problem(const ConvShape& s);

}  // namespace huge2
