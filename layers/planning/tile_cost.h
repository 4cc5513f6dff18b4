// The planner's one estimate of a tile's cost (tiling and thread split).
#pragma once
#include <algorithm>

#include "runtime/tuning.h"

namespace huge2 {

// What a channel tile's estimate needs beside its shape.
struct TileTraffic {
  double weight_bw = 0;     // bytes per cycle its weights stream at (0: no such bound)
  double input_bytes = 0;   // input line bytes each step loads from L2 (0: they stay in L1)
  double cold_k = 0;        // inputs whose weights come from memory (their first pass)
  bool rows_transposed = false;  // its rows go out as vectors (store_rows_transposed)
  int passes = 1;           // column passes (TileKernels::two_pass_cols), each over all k inputs
};

// Cycles of one channel tile, roughly: each of its k = taps x in_c input
// steps takes the longest of its FMAs or loads (m broadcast pixels and nb
// weight vectors of vl channels), the FMA latency (each of the m x nb
// accumulators takes one FMA per step), and the bytes it waits for: its
// weights at weight_bw plus input_bytes of input lines from L2, or, for the
// first cold_k steps (weights from memory, their first pass), those weights
// at the memory rate. Step by step, not the tile's sums: a cold step overlaps
// its own FMAs only. (DCGAN's 1024->512 forward: the exact tiling's corner
// and edge tiles of 1-3 pixels bring most taps' weights from memory with few
// FMAs beside them, 1.57-1.62 ms; a padded tiling of 16-pixel tiles, 64 cold
// bytes beside 16 FMAs a step, 1.22-1.26. The tile's sums, memory and L2
// bytes added, put the exact one first; step by step it is 1.57 against
// 1.39 ms at 4 GHz.) Plus the call and the store (a float at a time, or
// transposed in registers: a vector per channel and VL pixels). A tile in P
// passes of m/P pixels loads its weights P times; the passes after the first
// read them again from where they stream (a 3x3 d8 128->128 layer's 147 KB per
// pass do not stay in L1: 16-pixel tiles of two passes ran 1.16x slower than
// the FMAs alone said).
inline double tile_cycles(double k, int m, int nb, int vl, const TileTraffic& t = {}) {
  const CpuTuning& c = cpu_tuning();
  const int mp = m / t.passes;
  const double step = std::max({mp * nb / c.fma_per_cycle, (mp + nb) / c.loads_per_cycle, c.fma_latency_cycles});
  const double w = nb * vl * 4.0;
  double first = k * step;  // the first pass: FMAs and loads, or the bytes each step waits for
  double weights = 0;       // a later pass's weight stream
  if (t.weight_bw > 0) {
    const double near_w = w / t.weight_bw, far_w = w / c.far_bytes_per_cycle;
    const double hot = near_w + t.input_bytes / c.l2_bytes_per_cycle;
    const double cold = std::max(far_w, (w + t.input_bytes) / c.l2_bytes_per_cycle);
    first = t.cold_k * std::max(step, cold) + (k - t.cold_k) * std::max(step, hot);
    weights = (k - t.cold_k) * near_w + t.cold_k * far_w;
  }
  const double store = t.rows_transposed ? c.transposed_store_cycles_per_float : c.store_cycles_per_float;
  return first + (t.passes - 1) * (k * step + weights + c.tile_overhead_cycles) + c.tile_overhead_cycles +
         m * nb * vl * store;
}

// A pixel tile: k inputs through `rows` vectors of pixels (`cols` of them
// real) by oc channels: R*OC FMAs or R + OC loads per input, and the loop's
// own cost per input (tap_cycles: pixel_tap_cycles(isa)); the output goes out as
// one vector per row and channel where those are vl consecutive floats
// (`contiguous`: a convolution's output row), else lane by lane (a phase
// row is every s-th output pixel), or, with s > 1 column phases
// interleaved (k: all of their inputs), as whole vectors after log2(s)
// rounds of zips per channel and row.
inline double pixel_tile_cycles(double k, int rows, int cols, int oc, int s, int vl, bool contiguous,
                                double tap_cycles) {
  const CpuTuning& c = cpu_tuning();
  // A one-row tile's pass is one input vector into OC FMAs on OC
  // accumulators, which the next pass adds to again: fewer than latency x
  // pipes of them wait on the FMA latency. AVX2's 5-channel one-row tiles of
  // both column phases (the 32->19 256x256 output layer) ran 4.9 cycles per
  // pass where the FMAs and loads said 3. (Two rows of 3 channels, the same
  // 6 chains in theory, ran as the FMAs said: erfnet's 3->16 data gradient.)
  const double fmas = std::max(rows * oc, rows + oc) / c.fma_per_cycle;
  const bool chains = rows == 1 && oc < c.fma_latency_cycles * c.fma_per_cycle;
  const double compute = k * (std::max(fmas, chains ? c.fma_latency_cycles : 0.0) + tap_cycles);
  if (s == 1 && contiguous && cols == vl) return compute + c.tile_overhead_cycles + double(rows) * oc;
  if (s == 1) return compute + c.tile_overhead_cycles + double(rows) * cols * oc * c.lane_store_cycles_per_float;
  int rounds = 0;
  for (int i = 1; i < s; i *= 2) ++rounds;
  const double out = double(rows) * oc * s * (rounds + 1.0) / c.fma_per_cycle +
                     double(rows) * oc * (cols * s % vl) * c.lane_store_cycles_per_float;
  return compute + c.tile_overhead_cycles + out;
}

// A phase-row tile: k inputs through `rows` vectors by oc channels by s
// column phases (R*OC*S FMAs or R + OC*S loads per input); the output goes
// out as whole vectors after log2(s) rounds of zips per channel and row.
inline double row_tile_cycles(double k, int rows, int cols, int oc, int s, int vl) {
  const CpuTuning& c = cpu_tuning();
  const double compute = k * std::max(rows * oc * s, rows + oc * s) / c.fma_per_cycle;
  int rounds = 0;
  for (int i = 1; i < s; i *= 2) ++rounds;
  const double out = double(rows) * oc * s * (rounds + 1.0) / c.fma_per_cycle +
                     double(rows) * oc * (cols * s % vl) * c.lane_store_cycles_per_float;
  return compute + c.tile_overhead_cycles + out;
}

// A phase-row tile with channels in the vector (row_channel_kernel): k
// inputs, each s weight vectors and `cols` broadcasts into cols*s FMAs on as
// many accumulators (fewer than latency x pipes wait on the FMA latency:
// a row's last, narrow tile), then cols*s positions by vl channels out,
// transposed in registers where the ISA does (else a float at a time).
inline double row_channel_tile_cycles(double k, int cols, int s, int vl, bool transposed) {
  const CpuTuning& c = cpu_tuning();
  const int m = cols * s;
  const double step = std::max({m / c.fma_per_cycle, (s + cols) / c.loads_per_cycle,
                                m < c.fma_latency_cycles * c.fma_per_cycle ? c.fma_latency_cycles : 0.0});
  const double store = transposed ? c.transposed_store_cycles_per_float : c.store_cycles_per_float;
  return k * step + c.tile_overhead_cycles + double(m) * vl * store;
}

}  // namespace huge2
