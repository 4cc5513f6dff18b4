// Transposed convolution operator (Darknet [deconvolutional] semantics).
// Construction, plan-only form and weights: OperatorBase. The optional
// epilogue (per-channel scale and shift, then an activation) is fused into
// the direct kernels and run as one pass after the other algorithms.
#pragma once
#include <string>

#include "operators/operator_base.h"

namespace huge2 {

class Deconvolution : public OperatorBase<DeconvShape> {
 public:
  // weights: [in_c][out_c][k][k], exactly as Darknet stores them.
  using OperatorBase::OperatorBase;

  // Scratch bytes forward() needs; the caller owns the buffer.
  size_t workspace_bytes() const;
  // What runs: "direct avx512f, exact tiling, ..." or the stock method.
  std::string method() const;
  // True when huge2 runs it as a matrix-vector product on the weights as
  // given: one input pixel, no padding (planning/window_gemv.h).
  bool runs_window_gemv() const;

  // x: batch x in_c x in_h x in_w; y: batch x out_c x out_h x out_w (overwritten).
  // pool: the threads huge2's direct kernels run on (null: the calling thread
  // alone); the stock method runs on OpenMP's and OpenBLAS's (set_num_threads).
  void forward(const float* x, float* y, float* workspace, size_t workspace_bytes, ThreadPool* pool = nullptr) const;

 private:
  size_t column_bytes() const;  // the stock method's out_c*k*k x h*w buffer
};

// The stride phases of a transposed convolution as direct sub-problems:
// one per output residue (oy mod s, ox mod s) that occurs in the output, so a
// huge stride on a small output plans a few phases, not s*s.
DirectProblem deconv_phases(const DeconvShape& s);

}  // namespace huge2
