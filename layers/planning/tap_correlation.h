// The weight gradient of a convolution at stride 1 or 2 (dilated or plain)
// or of a stride-2 transposed one (correlation_plan.h's problem, step 1 or
// 2), as one GEMM whose rows are (tap, channel c of src) and whose A is src
// read in place:
//
//   dwt[(t, c)][m] += sum over b, u, v of src[b][c][s*u + oy_t][s*v + ox_t] * a[b][m][u][v]
//
// with tap t = (ky, kx), oy_t = dilation*ky - offset, ox_t = dilation*kx - offset.
//
// - Rows: a tap's channels in blocks of the GEMM kernel's MR rows. One such
//   block over one row of a is MR runs of src (every s-th float), a plane
//   apart: the kernel broadcasts them in place (GemmCall::lda, a_step), so
//   src is never gathered. (The panel GEMM gathers every (c, ky, kx) column
//   for every K block: 18% of the 3x3 d2 128->128 64x128 layer's time, runs
//   of 3 floats `dilation` apart.)
// - Columns: a's channels, transposed once per K block into panels shared
//   by every tap (a is 1/(k*k*c) of the products: small beside them).
// - K: a's pixels, in blocks of whole rows; each tap sums only the rows and
//   the columns where it lands inside src, so padding costs no products.
//   (At a dilation the padding is a large share: 24% of the products of a
//   3x3 d16 convolution on 64x128, 23% of d12 on 64x64.)
// dwt lives in the workspace and is added into dw ([m][c][t]) at the end:
// that pass over dw is why the plan needs many pixels per channel m.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "planning/correlation_plan.h"
#include "planning/panel_gemm.h"
#include "runtime/thread_pool.h"
#include "ukernels/tile_kernel.h"

namespace huge2 {

class TapCorrelation {
 public:
  // True when this plan takes the problem: step 1 or 2 (src's rows are then
  // runs the kernel reads in place), a kernel larger than 1x1, enough
  // channels c for the kernel's rows, and at least 2 pixels of a per
  // channel m (the final add into dw is not free; see the .cpp).
  static bool applies(const CorrelationProblem& p, Isa isa);

  // threads: at most this many run (fewer when the work is small).
  TapCorrelation(const CorrelationProblem& p, int threads, Isa isa);

  size_t workspace_floats() const { return dwt_floats() + panel_floats(); }
  // e.g. "tap GEMM avx512f 8x32 tiles, 9 taps x 16 channel blocks, 32 K blocks of 2 rows, 2 threads"
  std::string describe() const;
  // dw += the gradient; `ws` holds workspace_floats().
  void run(const float* a, const float* src, float* dw, float* ws, ThreadPool* pool) const;

 private:
  struct Tap {
    int oy, ox;      // src pixel of a's pixel (0, 0); a's (u, v) reads (s*u + oy, s*v + ox)
    int u0, u1;      // a's rows whose src row is inside src
    int v0, v1;      // a's columns whose src column is inside src
  };
  size_t dwt_floats() const { return size_t(taps_.size()) * p_.c * p_.m; }
  size_t panel_floats() const { return size_t(rows_per_block_) * p_.w * cols_.total(); }
  // Row block `item`: channel block item / taps, tap item % taps (every
  // thread's range then holds all taps, whose valid rows differ per K block).
  void run_item(int item, const float* src_image, int u0, int u1, const float* panels, float* dwt) const;

  CorrelationProblem p_;
  const TileKernels* k_;
  std::vector<Tap> taps_;
  PanelColumns cols_;  // a's channels in the GEMM kernel's panels
  int mr_;
  std::vector<std::pair<int, int>> channel_blocks_;  // (first channel, count)
  int rows_per_block_, k_blocks_per_image_;
  int threads_;
};

}  // namespace huge2
