// The direct micro-kernel interface: one call computes one output tile,
// R rows x C columns of pixels (of one phase or sub-problem) by NB*VL output
// channels, straight from the NCHW input into the interleaved NCHW output,
// with the epilogue applied while the tile is in registers.
//
//   y[c][r][q] = act(scale[c] * sum_{t, ic} w[t][ic][c] * x[ic][tap_in[t] + r*row_step + q*XS] + shift[c])
//
// Output channels are the vector lanes (oneDNN's scheme: docs/direct-kernels.md,
// "output channels in the vector"): per (tap, input channel) the kernel loads
// NB weight vectors and broadcasts R*C input floats, so the input is read in
// place, whatever its layout, and the tile may span rows of a tiny image.
// Taps the planner found outside the input for the whole tile are simply not
// in the tap list: zero taps are skipped, not multiplied.
#pragma once
#include <array>
#include <cstddef>
#include <type_traits>

#include "core/activation.h"
#include "runtime/isa.h"

namespace huge2 {

// Input steps (XS) the channel tiles take: 1 and 2 (strides 1, 2, and the
// transposed convolutions' phases), and the wide steps 3, 4 and 8 in
// one-row tiles of any width, or narrow columns (at most
// kWideStepNarrowCols) of up to max_rows rows: a padded layer's edge
// columns, whose taps differ from the rest of the row's. As one-pixel tiles
// those wait on the FMA latency (one accumulator per channel vector): the
// 3x3/3 16->16 data gradient's 10x10 output spent 44% of its time in its 20
// edge pixels. (Columns of 2, a dilated layer's edges, compiled slowly:
// AVX-512's kernel file took 73 s instead of 40.)
constexpr int kWideStepNarrowCols = 1;
constexpr int kWideSteps[3] = {3, 4, 8};
// The index of xs in kWideSteps, or -1.
constexpr int wide_step_index(int xs) { return xs == 3 ? 0 : xs == 4 ? 1 : xs == 8 ? 2 : -1; }
inline bool tile_input_step_supported(int xs) { return xs == 1 || xs == 2 || wide_step_index(xs) >= 0; }
// The most rows a channel tile of input step xs and `cols` columns may have
// on ISA tables of max_rows: the planner's rule and the kernel table's.
constexpr int tile_max_rows(int max_rows, int xs, int cols) {
  return xs <= 2 || cols <= kWideStepNarrowCols ? max_rows : 1;
}

struct TileCall {
  const float* x;         // input of channel 0 at the tile's pixel (0, 0), before tap offsets
  const ptrdiff_t* tap_in; // per tap: input offset in floats (may be negative)
  const int* tap_idx;     // per tap: its index in the packed weights
  int ntaps;
  int in_c;
  ptrdiff_t ic_stride;    // floats between input channels
  ptrdiff_t row_step;     // input floats between the tile's pixel rows
  const float* w;         // packed weights of this channel block: [tap][in_c][NB*VL]
  ptrdiff_t w_tap_stride; // = in_c * NB * VL
  ptrdiff_t w_ic_stride;  // input steps 3, 4, 8: weights are [in_c][tap][NB*VL], this far apart
  float* y;               // output of the block's channel 0 at the tile's pixel (0, 0)
  ptrdiff_t y_oc_stride, y_row_step, y_col_step;
  int oc_valid;           // channels of the block that exist (the rest are padding lanes)
  int cols;               // pixel kernels: lanes (pixels of the row) that exist; with S > 1 column
                          // phases interleaved, the output floats of the row that exist (<= S*VL)
  const int* col_taps;    // pixel kernels, S > 1: taps [col_taps[p], col_taps[p+1]) are column phase p's
  const float* scale;     // NB*VL per-channel factors (padded), or null for 1
  const float* shift;     // NB*VL per-channel offsets (padded), or null for 0
  Activation act;
  bool prefetch;          // channel kernels: prefetch the weight stream (it comes from memory)
  bool prefetch_input;    // channel kernels, an input beyond L2 (CpuTuning::prefetch_input_bytes):
                          // input steps 1-2, prefetch the next tap's rows along this tap's (lane
                          // correlations); steps 3, 4, 8, each tap's lines in the next channel
  bool accumulate;        // channel kernels: y = epilogue(y + the sums)
  // Channel kernels, input channels in L1-sized chunks (DirectPlan's
  // l1_chunks_): the tile's running sums between chunks, [pixel][NB*VL]
  // (null otherwise). partial_in: the sums start from it (a later chunk);
  // partial_out: they go back to it, no epilogue, nothing to y (not the last).
  float* partial;
  bool partial_in, partial_out;
};

using TileFn = void (*)(const TileCall&);

// The weight-gradient kernel (gemm_kernel_impl.h): one MR x NR tile of
//   c[r][j] += sum_{k < kc} a[k*MR + r] * b[k*ldb + j]     (r < MR, j < cols)
// from a packed A block ([k][MR]: the MR values of one k side by side, for
// broadcasts) and a B panel of NR = NV vectors per row (NV <= gemm_last_nv), rows
// ldb floats apart: packed ([k][NR], ldb = NR) or a matrix as given (the
// one-window layers' weights at a batch). The sum is kept in registers over
// the whole kc, started from c's tile (a partial tile's: added to c at the end).
// With A as given (lda != 0) and a_step != 0, K comes in segments: k_rows
// runs of kc, A's k-th value of a run a_step floats after the one before,
// the i-th run starting a_row_step floats of A and b_row_step of B after the
// one before (the per-tap weight gradient's rows of an image, whose runs
// skip the padding columns: one call per row reloaded and stored the tile
// every 32 k on a 32-pixel row; a_step is the convolution's stride).
struct GemmCall {
  const float* a;
  ptrdiff_t lda = 0;  // 0: a packed as above; else a's rows as given, lda floats apart (a[r*lda + k])
  const float* b;
  ptrdiff_t ldb;
  int kc;
  float* c;
  ptrdiff_t ldc;
  int cols;  // columns of the tile that exist (<= NR; the panel is zero beyond)
  int k_rows = 1;
  ptrdiff_t a_step = 0, a_row_step = 0, b_row_step = 0;
};
using GemmFn = void (*)(const GemmCall&);
constexpr int kMaxGemmMr = 8, kMaxGemmNv = 4;

// Floats per 64-byte cache line: the step of the kernels' and planners' prefetches.
constexpr int kCacheLineFloats = 16;
constexpr int kMaxGemmColumns = 64;  // NR, at most (4 vectors of 16)

// The matrix-vector kernels (gemv_kernel_impl.h), for the convolutions
// whose one window is the whole input (planning/window_gemv.h):
//   DotRowsFn:  y[r]  = sum_{k < n} a[r*lda + k] * x[k]       (r < rows)
//   AxpyRowsFn: y[j] += sum_{r < rows} v[r] * a[r*lda + j]    (j < n)
using DotRowsFn = void (*)(const float* a, ptrdiff_t lda, const float* x, long n, float* y, int rows);
using AxpyRowsFn = void (*)(const float* a, ptrdiff_t lda, const float* v, int rows, float* y, long n);

// The most channel vectors (NB) any ISA's tile may hold: NEON's 4-float
// vectors want 4 (16 channels x 6 pixels), x86 uses at most 2.
constexpr int kMaxTileNb = 4;

// Pixel kernels (pixel_kernel_impl.h): output channels per block and rows
// per tile, at most.
constexpr int kMaxPixelOc = 8, kMaxPixelRows = 8;
// ... and column phases per tile: 1 (one phase's row), or a stride-2 phase
// row's 2 column phases interleaved into whole output rows.
constexpr int kMaxPixelPhases = 2;
// Phase-row kernels (row_kernel_impl.h): output channels per block, at most;
// and the channel-lane ones' input pixels per tile, at most (AVX-512: 16 / 2).
constexpr int kMaxRowOc = 8;
constexpr int kMaxRowChannelCols = 8;
// The index of a phase-row stride s = 2, 4, 8 in TileKernels' per-stride
// arrays (log2 s - 1), or -1.
constexpr int phase_row_level(int s) { return s == 2 ? 0 : s == 4 ? 1 : s == 8 ? 2 : -1; }
// The widest ISA's vector (AVX-512): slack the packed weights leave for a
// kernel that loads a partial one whole.
constexpr int kMaxVectorFloats = 16;

// The micro-kernels of one ISA.
struct TileKernels {
  Isa isa;
  int vl;                 // floats per vector = channels per block
  int max_nb;             // channel vectors per tile: 1 .. max_nb (<= kMaxTileNb)
  int max_rows, max_cols; // tile rows / columns
  int max_pixels[kMaxTileNb + 1];  // by nb (index 1 .. max_nb): largest R*C that fits the registers; 0 beyond
  // The kernel for (nb, xs, rows, cols), or null when the ISA has none
  // (xs: see tile_input_step_supported, tile_max_rows).
  TileFn (*lookup)(int nb, int xs, int rows, int cols);
  // Tiles whose columns are a multiple of vl consecutive output floats (a
  // convolution's) store them as vectors, transposed in registers.
  bool rows_transposed;
  // One-row tiles this many columns wide (vl; 0: none) exist at every nb up
  // to max_nb for input steps 1 and 2, also beyond max_pixels[nb]: those
  // run in two passes of half the row each (tile_kernel_impl.h's P), so
  // that a wide block's rows still go out transposed.
  int two_pass_cols;
  // Pixel kernels: rows per tile by column phases (index s - 1, s = 1 ..
  // kMaxPixelPhases) and output channels (index 1 .. kMaxPixelOc; 0: none
  // fits), and the kernel for (s, oc, rows) or null. VL pixels per row and phase.
  int pixel_max_rows[kMaxPixelPhases][kMaxPixelOc + 1];
  TileFn (*pixel_lookup)(int s, int oc, int rows);
  // Phase-row kernels for stride = kernel s = 2, 4, 8 (index log2 s - 1):
  // input rows per tile (at most 2), the most channels per block (0: none),
  // and the kernel for (s, oc <= that, rows <= that) or null.
  int row_rows[3];
  int row_max_oc[3];
  TileFn (*row_lookup)(int s, int oc, int rows);
  // Weight-gradient kernels: the vectors per panel row (NR = nv * vl), the
  // most rows per tile, the most vectors of a layer's last panel (gemm_nv or
  // one more), and the kernel for rows 1 .. gemm_mr and vectors 1 ..
  // gemm_last_nv.
  int gemm_nv, gemm_mr, gemm_last_nv;
  GemmFn (*gemm_lookup)(int mr, int nv);
  // Matrix-vector kernels.
  DotRowsFn dot_rows;
  AxpyRowsFn axpy_rows;
  // The machine's limit for these kernels: `iters` rounds of 2 FMAs on each
  // of kPeakChains independent vector registers (no memory traffic), i.e.
  // iters * 2 * kPeakChains * vl * 2 flops. Returns a value that depends on all
  // of them, so that none can be optimised away.
  float (*fma_peak_loop)(long iters);
  // The epilogue's activations that are not one vector instruction, over
  // v[0 .. n) in place (activation_impl.h; exposed for its accuracy test).
  void (*activate_span)(float* v, int n, Activation act);
  // Softmax over the channels of pixels p0 .. p1 of planes `spatial` floats
  // apart (softmax_impl.h; operators/channel_softmax.h runs it).
  void (*channel_softmax)(const float* x, float* y, int channels, long spatial, long p0, long p1,
                          float temperature);
  // Phase-row kernels with output channels in the vector
  // (row_channel_kernel), for s = 2, 4, 8 (index log2 s - 1): the most input
  // pixels per tile (VL/s: one vector of output floats per channel), and the
  // kernel for (s, cols <= that) or null. Last in the struct: set by name.
  int row_channel_cols[3] = {};
  TileFn (*row_channel_lookup)(int s, int cols) = nullptr;
};
constexpr int kPeakChains = 12;  // enough to cover FMA latency x pipes; fits AVX2's 16 registers

// Throws std::invalid_argument if the ISA's kernels are not in this build.
const TileKernels& tile_kernels(Isa isa);

}  // namespace huge2
