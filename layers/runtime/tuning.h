// The machine constants the planner's cost estimate uses, in one place per
// architecture instead of literals inside the planner. The x86 values are
// the ones the plans were tuned with (Zen 4 class: 1 MB L2 per core, 2 FMA
// pipes); aarch64 takes the same until the NEON kernels are tuned on a
// board (Orin's A78AE: 256 KB L2 per core, 2 FMA pipes): a change here
// changes plans, so it is measured first.
#pragma once
#include "runtime/isa.h"

namespace huge2 {

struct CpuTuning {
  double fma_per_cycle;          // vector FMAs issued per cycle (pixel and phase-row tiles: or loads)
  double loads_per_cycle;        // channel tiles' loads (broadcast pixels, weight vectors) per cycle:
                                 // 16-pixel tiles of one vector, 17 loads per 16 FMAs, ran at 10.7
                                 // cycles per input (5x5 512->256 data gradient, 256->128 1x1, 16->64
                                 // 3x3/2: 0.79-0.84x the 10-pixel tiles of two vectors). NEON's
                                 // kernels load 4 pixels per LD1, fewer than this counts; on the
                                 // DCGAN ladder the plans it chose there execute 1.5-21% fewer
                                 // instructions (emulated counts, neoverse-n1)
  double l2_weight_bytes;        // a phase's weight block streams from L2 below this size ...
  double l2_bytes_per_cycle;     // ... at this rate,
  double far_bytes_per_cycle;    // ... and from beyond L2 at this one (one core's share of memory:
                                 // 8. The DCGAN 1024->512 layer's 32 MB kernel streams at 26-27 GB/s
                                 // (6.6 bytes per 4 GHz cycle) while its FMAs still bound it, since
                                 // the kernels prefetch every line 8 KB ahead; one core reads at most
                                 // 44 GB/s (10.9). It was 4 when the prefetch skipped lines (14 GB/s),
                                 // and 16 before that, which made the stream look free)
  double l3_bytes_per_cycle;     // ... except a block that outgrows L2 read again in the same call,
                                 // from L3 while the kernel stays there (batch_weight_bytes): the 5x5
                                 // DCGAN's 512->256 data gradient (13 MB kernel) ran 1.3x faster in
                                 // 32-channel blocks (800 KB) than in the 16-channel ones that the
                                 // memory rate made look cheaper
  double interleave_bytes;       // phases take turns over rows when a block's weights for all fit
  double tile_overhead_cycles;   // a tile's call, set-up and tap loop
  double store_cycles_per_float; // writing a channel tile out (one float at a time, strided NCHW;
                                 // 0.25 until the phase-row scheme: it made the channel tiles of
                                 // stride = kernel layers look 1.9x cheaper than measured)
  double transposed_store_cycles_per_float; // ... and where its rows are VL-pixel multiples of a
                                 // convolution's output row: VL loads, a VL x VL transpose in
                                 // registers and VL stores per VL x VL floats (erfnet's 3->16 stem
                                 // saved 0.6 cycles per float stored that way)
  double lane_store_cycles_per_float; // pixel tiles: out of a vector lane by lane, through a buffer
  double copy_cycles_per_float;  // the padded tiling's input copy
  double min_cycles_per_thread;  // a thread must get this much work to pay for waking it
  double hot_cycles_per_thread;  // ... and this much when it is awake, spinning after the last job
                                 // (direct plans: a 3x3/3 16->16 10x10 layer at batch 8, 2 threads,
                                 // 0.040 -> 0.024 ms with spinning workers; with sleeping ones
                                 // 2 threads ran it in 0.054 ms, 1 thread in 0.043-0.050)
  double chunk_weight_bytes;     // channel tiles: a phase and block's weights above this size are
                                 // cut into input-channel chunks, each streamed over many tiles
                                 // (3x3 d2 64x64 into 512 channels, 32 per block, one run: 512 input
                                 // channels unsplit, 590 KB per block, 179-189 GFLOP/s; in chunks of
                                 // 256 or 128, 295 or 147 KB, 218-226; 1024 -> 256 at 32x32: 119
                                 // unsplit, 150-165 in chunks of 512 to 128)
  double thread_frame_bytes;     // padded frames up to this size: one per thread (DirectPlan::thread_frames_)
  double batch_weight_bytes;     // a batch runs image by image unless the kernel exceeds this, then the
                                 // images inside each block: DCGAN's 1024->512 (32 MB) at batch 8,
                                 // 1 thread, 13.3-17.0 -> 10.7-12.2 ms; kernels of 2-8 MB that stay
                                 // in this 32 MB L3 ran 3-16% slower that way (the batch's inputs
                                 // then cycle through L2 once per block)
  double pixel_tap_cycles;       // pixel tiles: a (tap, input channel) pass's own cost beside its FMAs
                                 // (~10 scalar instructions of addresses and loop): DCGAN's 128->3 with
                                 // both column phases interleaved, 4-row tiles, ran 7% slower than one
                                 // phase in 8-row tiles (0.098 against 0.091 ms), which the FMA and
                                 // store counts alone put 4% the other way (AVX-512; NEON and the
                                 // scalar kernels take it too, unmeasured)
  double pixel_tap_cycles_avx2;  // ... and AVX2's (pixel_tap_cycles(Isa)): its tiles' passes hide in the
                                 // FMAs. DCGAN 128->3's data gradient on the split frame, forced plans,
                                 // 1 thread: 3 channels x 4 rows ran 6.0 cycles per pass (0.112 ms),
                                 // 2 x 6 5.7, 5 x 2 5.3, 4 x 2 4.7, with FMAs for 6, 6, 5 and 4; at 2.0
                                 // the estimate put them 1.26x too slow, behind the channel tiles that
                                 // ran 0.136 ms
  double l1_input_bytes;         // channel tiles run tap by tap over all input channels: when a tap's
                                 // pass touches more input lines than this, the next tap finds them
                                 // gone from L1 and every step loads its lines from L2 (the 256->512
                                 // 16x16 stride-2 data gradient: exact 6x1 border tiles, six lines
                                 // per step, 96 KB per tap, ran at about half the FMA estimate)
  double l2_output_bytes;        // an output (per image) up to this size stays in L2 while it is written
  double l1_weight_bytes;        // L1 blocking (DirectPlan::l1_chunks_): a chunk's weights for one phase
                                 // and block, at most this (half of a 32 KB L1 data cache: the input
                                 // rows of the chunk and the tiles' sums share the rest) ...
  double l1_chunk_max_pixels;    // ... taken by the planner where the widest channel tile has at most this
                                 // many pixels (AVX2's and NEON's 6: 3 FLOP per weight byte streamed;
                                 // AVX-512's 14 make 7) and a phase and block's weights exceed
                                 // l1_weight_bytes. Forced plans, alternated, Zen 4: AVX2 1.05-1.55x
                                 // faster on 13 of the 14 such layers of the DCGAN, seg and conv sets
                                 // (DCGAN 1024->512 4.21 -> 3.46 ms, seg 512 d2 309 -> 200, 128 d2 29.5
                                 // -> 23.1; the 5x5 512->256 4.19-4.23 -> 4.19-4.47, noise); AVX-512
                                 // 0.87-1.01x (its 14-pixel tiles already ran at the FMA
                                 // peak); layers of one small chunk lost (1x1 256->128 16x16 0.179 ->
                                 // 0.203 ms: the frame's copy; 100->1024 1x1 0.141 -> 0.175)
  double fma_latency_cycles;     // an FMA's result is an input of the next one on its accumulator: a
                                 // tile of fewer accumulators than latency x fma_per_cycle waits on
                                 // them (a 1-pixel tile of 2 vectors: 4 cycles a step, not the 2 its
                                 // loads take). The 5x5 DCGAN's exact tilings have 16 such corners
                                 // per channel block: 256->128 16x16 ran 1.68-1.70 ms exact, 1.58-1.61
                                 // padded, which only this term puts first. Zen 4/5, A78: 4 cycles
  double prefetch_input_bytes;   // channel tiles that read an input (per image) larger than this (one
                                 // core's L2) once, in jumps the hardware prefetcher meets too late,
                                 // prefetch it themselves (TileCall::prefetch_input):
                                 // - lane correlations (weight gradients), the next tap's src rows along
                                 //   the current tap's (a tap's rows are 2-8 rows apart). ReID's 4x4/4
                                 //   30->128 (11 MB of dy), AVX-512, 1 thread, driver, alternated four
                                 //   times: 1.78-1.95 -> 1.61-1.68 ms, 8x8/8 1.84-1.90 -> 1.74-1.81
                                 //   (2.34-2.43 -> 1.68-1.82 in a run where memory was slower); 2 threads
                                 //   0.83-0.89 -> 0.81-0.84 (4x4/4); YOLO's 2x2/2 necks (1.4-3 MB)
                                 //   0.98-1.03x; a 50 KB src (3x3/3 16->16) lost 5-40%;
                                 // - input steps 3, 4 and 8, each tap's lines in the next channel (a
                                 //   plane away). ReID's data gradients (convolutions of its 11 MB dy),
                                 //   1 thread, driver, alternated: 4x4/4 1.60-1.63 -> 1.58-1.61 ms, 8x8/8
                                 //   1.59-1.65 -> 1.55-1.57 (four rounds, memory fast); 2.02-2.81 ->
                                 //   1.62-1.81 and 1.74-2.38 -> 1.54-1.59 (five rounds in a slower spell);
                                 //   2 threads 0.80-0.83 -> 0.80-0.81 and 0.90-0.92 -> 0.88-0.89
};

inline const CpuTuning& cpu_tuning() {
  static constexpr CpuTuning kTuning = {2.0,          1.6,     768.0 * 1024, 48.0,   8.0,  16.0,   512.0 * 1024,
                                        30.0,         1.0,     0.4,          1.0,    0.5,  100000, 25000,
                                        320.0 * 1024, 2.0 * 1024 * 1024,     16.0 * 1024 * 1024,
                                        2.0,          0.5,     32.0 * 1024,
                                        768.0 * 1024, 16.0 * 1024, 8.0, 4.0,
                                        1024.0 * 1024};
  return kTuning;
}

// The pixel tiles' own cost per (tap, input channel) pass for the kernels of `isa`.
inline double pixel_tap_cycles(Isa isa) {
  return isa == Isa::avx2 ? cpu_tuning().pixel_tap_cycles_avx2 : cpu_tuning().pixel_tap_cycles;
}

}  // namespace huge2
