// The micro-operator both untangled algorithms reduce to: dense, stride-1
// correlations of dense input planes with one small sub-kernel, whose outputs
// are written to strided ("interleaved") positions of the real output.
// For each phase q of the set:
//
//   Y[b][n][q.oy0 + sy*u][q.ox0 + sx*v] =
//       sum_{j,i,c} A[n][j][i][c] * Xq[b][c][q.y0 + u + ty*j][q.x0 + v + tx*i]
//
// with Xq read as zero outside its q.in_h x q.in_w plane. A transposed-
// convolution phase has sy = sx = stride (each phase has its own sub-kernel,
// so each is a set of one); the sub-images of a dilated convolution share the
// dense kernel, so all d*d of them form one set with sy = sx = dilation. The
// tap strides ty, tx are 1 in both; a dilated convolution run on the original
// image (no sub-images) is the one set with ty = tx = dilation, sy = sx = 1.
//
// Output rows whose taps j partly fall outside the input are grouped by their
// valid tap range, across phases and images, and each group is one GEMM whose
// K dimension covers only the valid taps: zero taps are skipped, not
// multiplied. A keeps c innermost so that a tap range is a slice of K.
#pragma once
#include <cstddef>
#include <map>
#include <utility>
#include <vector>

namespace huge2 {

struct Phase {
  int in_h = 0, in_w = 0;    // the dense input plane Xq
  size_t in_offset = 0;      // floats from the input pointer to Xq's image 0
  size_t in_image_stride = 0;
  int y0 = 0, x0 = 0;        // input coordinate read by output (0,0) with tap (0,0)
  int rows = 0, cols = 0;    // outputs of this phase
  int oy0 = 0, ox0 = 0;      // where output (0,0) lands
};

struct PhaseSet {
  int batch = 1, in_c = 0, out_c = 0;
  int taps_h = 0, taps_w = 0;  // sub-kernel size; 0 means "no taps": outputs are 0
  int out_h = 0, out_w = 0, sy = 1, sx = 1;
  int ty = 1, tx = 1;  // tap strides in the input plane
  std::vector<Phase> phases;
  size_t max_chunk_floats = size_t(1) << 22;  // bound on the column buffer
  size_t max_chunk_cols = 0;                  // a tighter bound on its columns, 0 for none

  size_t total_cols() const;                  // output pixels of all phases and images
  int k_full() const { return taps_h * taps_w * in_c; }
  size_t workspace_floats() const;
  // a: out_c x k_full() (row-major, c innermost); x: input base; y: full output.
  void run(const float* a, const float* x, float* y, float* workspace) const;

  // One output row of one phase of one image: the unit of column gathering.
  struct RowItem {
    int phase, b, u;
  };

 private:
  // Output rows grouped by their valid tap range [lo, hi).
  using BandMap = std::map<std::pair<int, int>, std::vector<RowItem>>;
  void merge_small_bands(BandMap& groups) const;
  int max_cols() const;
  size_t chunk_cols() const;
};

}  // namespace huge2
