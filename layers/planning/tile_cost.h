// The planner's one estimate of a tile's cost (tiling and thread split).
#pragma once
#include <algorithm>

#include "runtime/tuning.h"

namespace huge2 {

// Cycles of one tile, roughly: FMAs or loads of its k = taps x in_c inputs
// through m pixels and nb vectors of vl channels, or the bytes each input step brings
// from L2 (0: no such bound): its weights (weight_bw bytes per cycle, the
// first `cold_k` inputs' at the rate from beyond L2: their first pass in
// this phase and block) and `input_bytes` of input lines (those that do
// not stay in L1 from the tap before, at L2's rate); plus the call and the
// store.
inline double tile_cycles(double k, int m, int nb, int vl, double weight_bw, double input_bytes = 0,
                          double cold_k = 0) {
  const CpuTuning& c = cpu_tuning();
  const double compute = k * std::max(m * nb, m + nb) / c.fma_per_cycle;
  const double w = nb * vl * 4.0;
  const double stream = weight_bw > 0 ? (k - cold_k) * w / weight_bw + cold_k * w / c.far_bytes_per_cycle +
                                            k * input_bytes / c.l2_bytes_per_cycle
                                      : 0.0;
  return std::max(compute, stream) + c.tile_overhead_cycles + m * nb * vl * c.store_cycles_per_float;
}

// A pixel tile: k inputs through `rows` vectors of pixels (`cols` of them
// real) by oc channels: R*OC FMAs or R + OC loads per input, and the loop's
// own cost per input (CpuTuning::pixel_tap_cycles); the output goes
// out lane by lane (a phase row is every s-th output pixel), or, with s > 1
// column phases interleaved (k: all of their inputs), as whole vectors after
// log2(s) rounds of zips per channel and row.
inline double pixel_tile_cycles(double k, int rows, int cols, int oc, int s, int vl) {
  const CpuTuning& c = cpu_tuning();
  const double compute = k * (std::max(rows * oc, rows + oc) / c.fma_per_cycle + c.pixel_tap_cycles);
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

}  // namespace huge2
