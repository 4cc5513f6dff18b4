// A weight gradient (correlation_plan.h's problem) with a's few channels in
// the vector lanes, on the direct tile kernels, for the problems whose taps
// all fall inside src (offset 0: pad-0 layers, such as the ReID tracker's
// 4x4/4 and 8x8/8 transposed convolutions, 30 input channels):
//
//   dw[m][(c*k + ky)*k + kx] += sum over b, u, v of a[b][m][u][v] * src[b][c][step*u + d*ky][step*v + d*kx]
//
// read as a direct convolution: its "output pixels" are a block of (ky, kx),
// its "taps" the rows (b, u) of a and its "input channels" the columns v,
// so a tile broadcasts src in place (row step d*src_w, input step d, channel
// step `step`) against a's channels packed [b][u][v][m] (a transposed once
// per call, O(a)), and keeps its block of dw in registers over all pixels.
// The panel GEMM instead gathers src into panels for every K block, which
// with m = 30 rows cost as much as its multiply-adds.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "planning/correlation_plan.h"
#include "runtime/thread_pool.h"
#include "ukernels/tile_kernel.h"

namespace huge2 {

class LaneCorrelation {
 public:
  // True when the tile kernels of `isa` take the problem this way: offset 0,
  // every tap inside src, m in one channel block (at most max_nb vectors),
  // a kernel of at least 3x3 (smaller blocks of dw leave the tiles too few
  // pixels), dilation a supported input step.
  static bool applies(const CorrelationProblem& p, Isa isa);

  // threads: at most this many run (fewer when the work is small).
  LaneCorrelation(const CorrelationProblem& p, int threads, Isa isa);

  size_t workspace_floats() const { return size_t(p_.batch) * p_.h * p_.w * lanes_; }
  // e.g. "lane tiles avx512f (30 channels in 2 vectors, 2x4 taps per tile), 2 threads"
  std::string describe() const;
  // dw += the gradient; `ws` holds workspace_floats().
  void run(const float* a, const float* src, float* dw, float* ws, ThreadPool* pool) const;

 private:
  struct Tile {
    int c, ky0, rows, kx0, cols;
    TileFn fn;
  };
  CorrelationProblem p_;
  const TileKernels* k_;
  int nb_, lanes_, threads_;
  std::vector<Tile> tiles_;
  std::vector<ptrdiff_t> tap_in_;  // per row (b, u) of a: its src offset
  std::vector<int> tap_idx_;       // per row (b, u): its index in the packed a
};

}  // namespace huge2
