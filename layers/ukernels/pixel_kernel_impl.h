// The pixel micro-kernel ("pixels in the vector"), written once over a
// vector type V and compiled per ISA like tile_kernel_impl.h (included by
// tile_table_impl.h inside each ISA file's anonymous namespace; no includes).
//
// For layers with few output channels (the RGB output of a generator, a
// 1..8-channel head) channel vectors are mostly padding lanes: a 3-channel
// block fills 3 of AVX-512's 16 lanes. Here the lanes run along VL
// consecutive pixels of one phase row (unit input step: they read VL
// consecutive input floats) and each of the OC output channels has its own
// accumulator per row; weights are broadcast.
//
//   y[o][r][q] = act(scale[o] * sum_{t, ic} w[t][ic][o] * x[ic][tap_in[t] + r*row_step + q] + shift[o])
//
// V provides what tile_kernel_impl.h lists, pin(reg&): keep a value in a
// register (an empty asm) so that the compiler does not refold its load, and
// kRowOffsets: address a tile's rows by byte offsets held in registers (else
// by index).
//
// Per (tap, input channel): OC weight broadcasts (kFmaLane: OC/VL vector
// loads, the packing's slack after the last block covering a partial one) +
// R vector loads feed R*OC FMAs. Register budget: R*OC accumulators + OC
// weights + 1 input vector.
// The sum runs over input channels then taps (the channel kernel's is taps
// then channels): the same on any thread count, within rounding of it.
//
// Lanes past a.cols (the row's last, partial vector) read the floats after
// the row and are dropped at the store: the caller's input frame has VL
// floats of slack after its last one.
//
// S > 1: the S column phases of a transposed convolution's phase row in one
// tile (direct_plan.h, "pixels"), each with its own taps (a.col_taps: taps
// [col_taps[p], col_taps[p+1]) are column phase p's) and accumulators,
// interleaved in registers (row_kernel_impl.h's interleave) into S*VL
// contiguous output floats: whole-vector stores instead of one lane at a
// time into every S-th float, and each output line written by one tile
// instead of S (a 512x512 map's lines otherwise went to memory and back
// between the phases). a.cols is then the output floats of the row that
// exist (<= S*VL). Registers: R*OC*S accumulators + OC weights + 1 input.

// How many input channels ahead a pixel tile prefetches its input lines.
constexpr int kPixelPrefetchChannels = 4;

// acc[r][o][p] += xv * weight o (lane o % VL of w[o / VL]) for every o.
template <class V, int OC, int R, int S, int... O>
__attribute__((always_inline)) inline void pixel_lane_fmas(typename V::reg (&acc)[R][OC][S], int r, int p,
                                                           typename V::reg xv, const typename V::reg* w,
                                                           std::integer_sequence<int, O...>) {
  ((acc[r][O][p] = V::template fma_lane<O % V::VL>(acc[r][O][p], xv, w[O / V::VL])), ...);
}

template <class V, int OC, int R, int S>
void pixel_kernel(const TileCall& a) {
  using reg = typename V::reg;
  constexpr int VL = V::VL;
  reg acc[R][OC][S];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int o = 0; o < OC; ++o)
#pragma GCC unroll 4
      for (int p = 0; p < S; ++p) acc[r][o][p] = V::zero();

  // V::kRowOffsets: each row's byte offset in a register of its own, each
  // load [tap address + offset]. On aarch64, indexing xt + r * row_step
  // made GCC rescale the index for every row (two extra instructions per
  // row, 16 of the 56 per tap and channel of an 8-row tile), and a pointer
  // stepped row by row still took an add per row (49 instructions per pass
  // of 24 FMLAs, 42 this way); the empty asm hides that the offsets are
  // multiples, which GCC otherwise turned back into the stepped pointer. On
  // x86 the scaled index is free in the address (stepping cost DCGAN's
  // 128->3 6%), and 8 more live registers would not fit.
  ptrdiff_t row_bytes[R] = {};
  if constexpr (V::kRowOffsets) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      row_bytes[r] = ptrdiff_t(r) * a.row_step * ptrdiff_t(sizeof(float));
      __asm__("" : "+r"(row_bytes[r]));
    }
  }

  // Input channels outside, taps inside: a tap's rows are its neighbour's
  // shifted by a pixel or a row, so one channel's few input lines come from
  // L2 once and serve every tap from L1. (Taps outside, the order of the
  // channel kernel, streamed them from L2 once per tap: each 64-byte load
  // feeds only OC FMAs here, and L2 bandwidth was the limit.)
  for (int ic = 0; ic < a.in_c; ++ic) {
    const float* xi = a.x + ic * a.ic_stride;
    const float* wi = a.w + ic * OC;
    // The lines of a channel a few ahead: the first tap's R rows and the
    // one below (taps a row down), the first and last float of each vector.
    // A frame of many channels lies in L2 (DCGAN's 128->3: 590 KB) and its
    // lines, a plane apart, are no pattern the hardware prefetcher follows;
    // on AVX-512 this took that layer from 0.086 to 0.077 ms at 1 thread,
    // its 5x5 twin from 0.116 to 0.106 and the 64->3 64x64 one from 0.188 to
    // 0.167. Not on NEON's 4-float vectors until a board says: there it
    // adds 12% to the instructions of those layers (emulated counts), for a
    // latency the emulator cannot show.
    if constexpr (VL >= 8) {
      if (ic + kPixelPrefetchChannels < a.in_c && a.ntaps > 0) {
        const float* nx = xi + kPixelPrefetchChannels * a.ic_stride + a.tap_in[0];
#pragma GCC unroll 16
        for (int r = 0; r <= R; ++r) {
          __builtin_prefetch(nx + r * a.row_step);
          __builtin_prefetch(nx + r * a.row_step + VL - 1);
        }
      }
    }
    // The column phase p is a constant in each unrolled copy: its
    // accumulators stay registers.
#pragma GCC unroll 4
    for (int p = 0; p < S; ++p) {
      const int t1 = S == 1 ? a.ntaps : a.col_taps[p + 1];
      for (int t = S == 1 ? 0 : a.col_taps[p]; t < t1; ++t) {
        const float* wt = wi + a.tap_idx[t] * a.w_tap_stride;
        const float* xt = xi + a.tap_in[t];
        // kFmaLane (NEON): the OC weights as whole vectors, each FMA reading
        // its weight from a lane (row_kernel_impl.h's lane_fmas); else one
        // broadcast per weight.
        constexpr int NW = V::kFmaLane ? (OC + VL - 1) / VL : OC;
        reg wv[NW];
#pragma GCC unroll 8
        for (int i = 0; i < NW; ++i) wv[i] = V::kFmaLane ? V::load(wt + i * VL) : V::bcast(wt + i);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
          reg xv;
          if constexpr (V::kRowOffsets) {
            xv = V::load(reinterpret_cast<const float*>(reinterpret_cast<const char*>(xt) + row_bytes[r]));
          } else {
            xv = V::load(xt + r * a.row_step);
          }
          // One load per input vector: GCC otherwise folds it into each of the
          // OC FMAs (OC loads instead of one), which makes the loop load-bound.
          V::pin(xv);
          if constexpr (V::kFmaLane) {
            pixel_lane_fmas<V, OC, R, S>(acc, r, p, xv, wv, std::make_integer_sequence<int, OC>{});
          } else {
#pragma GCC unroll 8
            for (int o = 0; o < OC; ++o) acc[r][o][p] = V::fma(wv[o], xv, acc[r][o][p]);
          }
        }
      }
    }
  }

  if constexpr (S > 1) {
    // Interleaved column phases: row_kernel_impl.h's epilogue (a.cols: the
    // output floats of the row that exist).
    return store_interleaved<V, S, OC, R>(acc, a, a.cols);
  }

  // Epilogue in registers (as in tile_kernel_impl.h), fully unrolled (a
  // runtime branch or loop among the accumulators made GCC keep them in
  // memory for the whole tile): a full row of contiguous output pixels (a
  // convolution, y_col_step 1) goes straight out as a vector; a phase row
  // (every s-th pixel) or a partial one goes into a buffer, then out lane by
  // lane. (Through the buffer always, the epilogue was 15% of the 3 -> 128
  // stride-2 data gradient's 6-channel 4-row tiles.) Only the store's
  // address depends on which.
  const bool vector_act = vector_activation(a.act);
  const bool whole = vector_act && a.y_col_step == 1 && a.cols == VL;
  const reg zero = V::zero();
  const reg slope = V::set1(a.act == Activation::leaky ? .1f : .01f);
  alignas(64) float buf[R][OC][VL];
#pragma GCC unroll 8
  for (int o = 0; o < OC; ++o) {
    const reg s = V::set1(a.scale ? a.scale[o] : 1.f);
    const reg h = V::set1(a.shift ? a.shift[o] : 0.f);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      reg v = V::fma(acc[r][o][0], s, h);
      if (a.act == Activation::relu) v = V::max(v, zero);
      else if (a.act == Activation::leaky || a.act == Activation::relie) v = V::max(v, V::mul(v, slope));
      V::store(whole ? a.y + o * a.y_oc_stride + r * a.y_row_step : buf[r][o], v);
    }
  }
  if (whole) return;
  if (!vector_act) activate_span(&buf[0][0][0], R * OC * VL, a.act);
  for (int o = 0; o < OC; ++o)
    for (int r = 0; r < R; ++r) {
      float* yr = a.y + o * a.y_oc_stride + r * a.y_row_step;
      const float* b = buf[r][o];
      for (int q = 0; q < a.cols; ++q) yr[q * a.y_col_step] = b[q];
    }
}
