// The huge2 GEMM kernel's index math (gemm_kernel.cu), shared with its CPU
// emulation (tests/cuda/test_gemm_emulation.cpp): the same functions, compiled by
// nvcc for the device and by g++ for the test.
//
// Each phase of a transposed convolution (and a whole convolution, plain,
// strided or dilated) is one implicit GEMM, computed without a column buffer:
//
//   Y[b][m][oy0 + out_step*u][ox0 + out_step*v] =
//       sum_kk A[kk][m] * X[b][c(kk)][iy0 + in_step*u + dy(kk)][ix0 + in_step*v + dx(kk)]
//
// M = output channels, N = the phase's pixels of every image (b, u, v folded
// into one index, so small phases and batches still fill the GPU), K = input
// channels x the phase's taps. A is the phase's sub-kernel packed [kk][m] at
// construction (taps reversed for transposed convolution, zero rows and
// columns up to whole tiles), and a per-phase tap table gives each kk its
// input offset: a transposed phase reads only its own taps (no zero
// products), a dilated convolution reads its taps at dilated offsets. X is
// read as 0 outside the image; a table row past the real K points outside
// the image too, so the K loop has no tail.
//
// Launch: 256 threads in a 16 x 16 grid, each accumulating TM x TN outputs
// in registers; grid.x walks N tiles, grid.y M tiles, grid.z (split, phase).
// With split K, every split writes its partial sums to its own slice of the
// workspace (in the output's layout) and a second kernel adds the slices:
// no atomics, the same bits on every run.
#pragma once
#include <climits>
#include <cstddef>

#include "core/host_device.h"

namespace huge2::cuda::detail {

constexpr int kGemmThreads = 256;
constexpr int kGemmKPad = 16;   // table rows and K splits come in multiples of every tile's BK
constexpr int kGemmMPad = 128;  // packed A's row length is a multiple of the largest BM

// A stage row past the phase's real K: dy and dx put it outside any image.
constexpr int kNoTap = INT_MIN / 4;

struct GemmTap {
  int off = 0;           // c*in_h*in_w + dy*in_w + dx: from the pixel's (c=0, tap 0) input
  int dy = kNoTap, dx = kNoTap;
  int wsrc = -1;         // the unpacked weight of (kk, m = 0); m adds m_stride. -1: a zero row
};

struct GemmPhase {
  int rows = 0, cols = 0;  // phase pixels per image (0: no outputs)
  int oy0 = 0, ox0 = 0;    // output of phase pixel (0, 0)
  int iy0 = 0, ix0 = 0;    // input of phase pixel (0, 0) at dy = dx = 0
  int k_len = 0;           // table rows: in_c * taps rounded up to kGemmKPad (0: no taps, outputs 0)
  int k_real = 0;          // in_c * taps
  long long w_offset = 0;  // floats: this phase's packed A, k_len x m_pad
  int t_offset = 0;        // this phase's first table row
};

struct GemmParams {
  const float* x = nullptr;
  const float* w = nullptr;  // packed A
  const GemmTap* taps = nullptr;
  const GemmPhase* phases = nullptr;
  float* y = nullptr;  // the output, or the split slices
  int batch = 0, in_c = 0, in_h = 0, in_w = 0, out_c = 0, out_h = 0, out_w = 0;
  int in_step = 1, out_step = 1;
  int m_pad = 0;
  int nphases = 0;
  int splits = 1, k_split = 0;  // K per split, a multiple of kGemmKPad
  long long slice = 0;          // floats between split slices (the output's size)
};

// The tile shapes: BM x BN outputs per block, TM x TN per thread (16 x 16
// threads), BK of K per shared-memory stage.
struct GemmTileInfo {
  int bm, bn, tm, tn, bk;
};
constexpr int kGemmTiles = 6;
constexpr GemmTileInfo kGemmTileInfos[kGemmTiles] = {
    {128, 128, 8, 8, 8},   // large M and N
    {64, 64, 4, 4, 8},     // medium
    {128, 32, 8, 2, 8},    // many channels, few pixels (DCGAN's first layers, batch 1)
    {32, 128, 2, 8, 8},    // few channels (an RGB layer), many pixels
    {128, 128, 8, 8, 16},  // 0 and 1 with twice the K per stage: half the barriers, more loads
    {64, 64, 4, 4, 16},    //   in flight (not picked until measured faster)
};

// A thread's r-th row (or column) inside the tile: groups of 4 spread over
// the tile when the thread holds a multiple of 4 (float4 shared loads, no
// bank conflicts), else `per` consecutive ones.
HUGE2_HD int gemm_frag_index(int tile, int per, int t, int r) {
  if (per % 4 == 0) return (r / 4) * (tile / (per / 4)) + t * 4 + r % 4;
  return t * per + r;
}

// The N position of one column: image, then phase pixel.
struct GemmPixel {
  bool valid = false;
  int iyb = 0, ixb = 0;    // input row / column at dy = dx = 0
  long long in_base = 0;   // X offset of (b, c = 0, iyb, ixb), maybe outside the image
  long long out_base = 0;  // Y offset of (b, m = 0, oy, ox)
};

HUGE2_HD GemmPixel gemm_pixel(const GemmParams& P, const GemmPhase& ph, long long p) {
  GemmPixel g;
  const long long per = (long long)ph.rows * ph.cols;
  if (per == 0 || p >= per * P.batch) return g;
  g.valid = true;
  const int b = int(p / per);
  const int rem = int(p - b * per);
  const int u = rem / ph.cols, v = rem - u * ph.cols;
  g.iyb = ph.iy0 + P.in_step * u;
  g.ixb = ph.ix0 + P.in_step * v;
  g.in_base = (long long)b * P.in_c * P.in_h * P.in_w + (long long)g.iyb * P.in_w + g.ixb;
  const int oy = ph.oy0 + P.out_step * u, ox = ph.ox0 + P.out_step * v;
  g.out_base = (long long)b * P.out_c * P.out_h * P.out_w + (long long)oy * P.out_w + ox;
  return g;
}

// B[kk][p]: the input that table row t multiplies for pixel g (0 outside).
HUGE2_HD float gemm_b_element(const GemmParams& P, const GemmPixel& g, const GemmTap& t) {
  const int iy = g.iyb + t.dy, ix = g.ixb + t.dx;
  if (!g.valid || unsigned(iy) >= unsigned(P.in_h) || unsigned(ix) >= unsigned(P.in_w)) return 0.f;
  return P.x[g.in_base + t.off];
}

// Blocks of the launch: N tiles of the largest phase, M tiles, phases x splits.
struct GemmGrid {
  long long x = 0;
  int y = 0, z = 0;
};

}  // namespace huge2::cuda::detail
