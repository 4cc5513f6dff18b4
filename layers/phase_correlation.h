// The micro-operator both untangled algorithms reduce to: a dense, stride-1
// correlation of a dense input plane with a small sub-kernel, whose outputs
// are written to strided ("interleaved") positions of the real output.
//
//   Y[b][n][oy0 + sy*u][ox0 + sx*v] =
//       sum_{j,i,c} A[n][j][i][c] * X[b][c][y0 + u + j][x0 + v + i]
//
// with X read as zero outside [0,in_h) x [0,in_w).  A transposed-convolution
// phase has sy = sx = stride; a dilation sub-image has sy = sx = dilation.
//
// Rows u whose taps j partly fall outside the input are grouped into bands
// that share the same valid tap range, and each band is one GEMM whose K
// dimension covers only the valid taps: the zero taps are skipped, not
// multiplied.  The packed A keeps c innermost so that a tap range is a
// contiguous slice of K.
#pragma once
#include <cstddef>

namespace huge2 {

struct PhasePlan {
  int batch = 1;
  int in_c = 0, in_h = 0, in_w = 0;  // the dense input plane X
  size_t in_image_stride = 0;        // floats between images of X
  int out_c = 0;
  int taps_h = 0, taps_w = 0;        // sub-kernel size; 0 means "no taps": output 0
  int y0 = 0, x0 = 0;                // input coordinate read by output (0,0), tap (0,0)
  int rows = 0, cols = 0;            // outputs of this phase
  int out_h = 0, out_w = 0;          // the full output plane
  int oy0 = 0, ox0 = 0, sy = 1, sx = 1;
  size_t max_chunk_floats = size_t(1) << 22;  // bound on the column buffer

  int k_full() const { return taps_h * taps_w * in_c; }
  // Images x rows per GEMM chunk, given the column-buffer bound.
  int chunk_pairs() const;
  size_t workspace_floats() const;
  // a: out_c x k_full() (row-major, c innermost); y: full output tensor.
  void run(const float* a, const float* x, float* y, float* workspace) const;
};

}  // namespace huge2
