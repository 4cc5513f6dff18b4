// The phase-row micro-kernel for stride = kernel transposed convolutions
// (2x2/2, 4x4/4, 8x8/8, pad 0), written once over V and compiled per ISA
// like tile_kernel_impl.h (included by tile_table_impl.h; no includes).
//
// There every output pixel takes exactly one tap: output (s*u + py, s*v + px)
// = sum_ic w[ic][oc][py][px] * x[ic][u][v]. A tile takes R input rows u and
// VL consecutive input columns v (one vector load per row and input channel)
// and computes, for one kernel row py, all s column phases px of OC output
// channels: R*OC*S accumulators, lanes along v. The S vectors of a row and
// channel are then interleaved in registers (log2 S rounds of zips) into S*VL
// contiguous output floats, so the output goes out in whole vectors; the
// phase tiles wrote every s-th float one by one.
//
//   y[o][r][s*q + px] = act(scale[o] * sum_ic w[px][ic][o] * x[ic][r*row_step + q] + shift[o])
//
// a.w: packed [in_c][px][OC], a.w_ic_stride = S*OC apart (the plan's row
// problem has the S column phases as the taps of one phase per kernel row,
// in order, packed channel-major); a.cols: the input columns that exist (a
// row's last, partial vector reads past the row: the plan's frame has slack
// after it). V provides zip_lo / zip_hi, store_first(p, v, n) (lanes 0 ..
// n-1, 0 < n < VL) and kFmaLane (with fma_lane<L>(acc, a, b) = acc + a *
// b[L] where true) besides what tile_kernel_impl.h and pixel_kernel_impl.h
// list.

// v[0..S) -> the S vectors of v[j][l] in l-major order (a perfect shuffle
// per round: out[2i] = zip_lo(v[i], v[i + S/2]), out[2i + 1] = zip_hi(...)).
template <class V, int S>
inline void interleave(typename V::reg* v) {
  using reg = typename V::reg;
#pragma GCC unroll 4
  for (int round = 1; round < S; round *= 2) {
    reg t[S];
#pragma GCC unroll 8
    for (int i = 0; i < S / 2; ++i) t[2 * i] = V::zip_lo(v[i], v[i + S / 2]), t[2 * i + 1] = V::zip_hi(v[i], v[i + S / 2]);
#pragma GCC unroll 8
    for (int i = 0; i < S; ++i) v[i] = t[i];
  }
}

// The epilogue of R x OC x S accumulators whose S vectors per row and
// channel interleave into S*VL contiguous output floats, n of them real
// (the row's last, partial part): row_kernel's, and pixel_kernel's with S
// column phases. Always inlined: passed to a call, the accumulators would
// go through memory.
//
// In registers, fully unrolled into a buffer (a runtime branch or loop
// among the accumulators made GCC keep them in memory for the whole tile),
// then out: a vector activation goes straight out, whole vectors and the
// row's last, partial one through V::store_first. (Through a buffer, the
// 28- and 14-column rows of the ReID 4x4/4 and 8x8/8 layers cost ~25% more
// time than 32- and 16-column rows with more work.) Other activations go
// through the buffer, one float at a time.
template <class V, int S, int OC, int R>
__attribute__((always_inline)) inline void store_interleaved(typename V::reg (&acc)[R][OC][S], const TileCall& a,
                                                             int n) {
  using reg = typename V::reg;
  constexpr int VL = V::VL;
  const bool direct = vector_activation(a.act);
  const reg zero = V::zero();
  const reg slope = V::set1(a.act == Activation::leaky ? .1f : .01f);
  alignas(64) float buf[R][OC][S * VL];
#pragma GCC unroll 8
  for (int o = 0; o < OC; ++o) {
    const reg s = V::set1(a.scale ? a.scale[o] : 1.f);
    const reg h = V::set1(a.shift ? a.shift[o] : 0.f);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      reg v[S];
#pragma GCC unroll 8
      for (int p = 0; p < S; ++p) {
        v[p] = V::fma(acc[r][o][p], s, h);
        if (a.act == Activation::relu) v[p] = V::max(v[p], zero);
        else if (a.act == Activation::leaky || a.act == Activation::relie) v[p] = V::max(v[p], V::mul(v[p], slope));
      }
      interleave<V, S>(v);
      if (!direct) {
#pragma GCC unroll 8
        for (int p = 0; p < S; ++p) V::store(&buf[r][o][p * VL], v[p]);
        continue;
      }
      float* out = a.y + o * a.y_oc_stride + r * a.y_row_step;
      if (n == S * VL) {
#pragma GCC unroll 8
        for (int p = 0; p < S; ++p) V::store(out + p * VL, v[p]);
      } else {
#pragma GCC unroll 8
        for (int p = 0; p < S; ++p)
          if ((p + 1) * VL <= n) V::store(out + p * VL, v[p]);
          else if (p * VL < n) V::store_first(out + p * VL, v[p], n - p * VL);
      }
    }
  }
  if (direct) return;
  activate_span(&buf[0][0][0], R * OC * S * VL, a.act);
  for (int o = 0; o < OC; ++o)
    for (int r = 0; r < R; ++r) {
      float* yr = a.y + o * a.y_oc_stride + r * a.y_row_step;
      for (int i = 0; i < n; ++i) yr[i] = buf[r][o][i];
    }
}

// One input channel's R*OC*S FMAs on an ISA whose FMA takes a factor from a
// lane of another register (V::kFmaLane: NEON's FMLA by element): the
// channel's OC*S weights, contiguous in the packing ([in_c][px][OC]), come
// in as whole vectors w and each FMA reads its weight in place, where GCC
// made a scalar load per weight (LDR s, most with an address add beside it)
// for the same FMAs. I runs over the weights p*OC + o.
template <class V, int S, int OC, int R, int... I>
__attribute__((always_inline)) inline void lane_fmas(typename V::reg (&acc)[R][OC][S], const typename V::reg* xv,
                                                     const typename V::reg* w, std::integer_sequence<int, I...>) {
  constexpr int VL = V::VL;
  auto one = [&](auto i) {
    constexpr int idx = decltype(i)::value, p = idx / OC, o = idx % OC;
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) acc[r][o][p] = V::template fma_lane<idx % VL>(acc[r][o][p], xv[r], w[idx / VL]);
  };
  (one(std::integral_constant<int, I>{}), ...);
}

template <class V, int S, int OC, int R>
void row_kernel(const TileCall& a) {
  using reg = typename V::reg;
  constexpr int VL = V::VL;
  reg acc[R][OC][S];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int o = 0; o < OC; ++o)
#pragma GCC unroll 8
      for (int p = 0; p < S; ++p) acc[r][o][p] = V::zero();

  // Per input channel: the R input vectors, then each of the OC*S weights
  // (a.w_ic_stride = S*OC apart per channel, [px][OC] within) broadcast once
  // and used R times (registers: R*OC*S + R + 1), or on kFmaLane ISAs read
  // from lanes of OC*S/VL weight vectors (the packing leaves slack after the
  // last channel for a partial vector).
  for (int ic = 0; ic < a.in_c; ++ic) {
    const float* xi = a.x + ic * a.ic_stride;
    reg xv[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      xv[r] = V::load(xi + r * a.row_step);
      V::pin(xv[r]);
    }
    const float* wi = a.w + ic * a.w_ic_stride;
    if constexpr (V::kFmaLane) {
      constexpr int NW = (OC * S + VL - 1) / VL;
      reg w[NW];
#pragma GCC unroll 8
      for (int i = 0; i < NW; ++i) w[i] = V::load(wi + i * VL);
      lane_fmas<V, S, OC, R>(acc, xv, w, std::make_integer_sequence<int, OC * S>{});
    } else {
#pragma GCC unroll 8
      for (int p = 0; p < S; ++p)
#pragma GCC unroll 8
        for (int o = 0; o < OC; ++o) {
          const reg w = V::bcast(wi + p * OC + o);
#pragma GCC unroll 4
          for (int r = 0; r < R; ++r) acc[r][o][p] = V::fma(w, xv[r], acc[r][o][p]);
        }
    }
  }

  store_interleaved<V, S, OC, R>(acc, a, a.cols * S);
}

// Phase rows with output channels in the vector (DirectPlan's row_channels
// scheme): a tile takes C consecutive input pixels of one row and one
// vector of output channels, and computes all S column phases of one kernel
// row. Per input channel, S weight vectors (one per column phase, packed
// [in_c][px][VL]) and C broadcasts feed C*S FMAs: a pixel's S phases share
// its broadcast. The S*C sums of a channel are S*C consecutive output floats
// (column S*v0 + S*c + px of the tile's output row), so where the ISA
// transposes in registers they go out as whole vectors per channel (the
// last one partial: store_first), where channel tiles of the phases wrote
// each float alone, every s-th place: on the YOLO 2x2/2 38x38 neck that
// store was 19% of the tile's time (perf, Zen 4).
//
//   y[o][s*u + py][s*(v0 + c) + px] = act(scale[o] * sum_ic w[ic][px][o] * x[ic][u][v0 + c] + shift[o])
//
// a.x: input of channel 0 at (u, v0), read in place (the exact tiling: the
// row problem's one tap is at offset 0); a.cols <= C input pixels exist
// (the kernel is instantiated per width, so nothing past the row is read);
// a.y: output of the block's channel 0 at (s*u + py, s*v0).
template <class V, int S, int C>
void row_channel_kernel(const TileCall& a) {
  using reg = typename V::reg;
  constexpr int VL = V::VL, P = S * C;
  reg acc[C][S];
#pragma GCC unroll 16
  for (int c = 0; c < C; ++c)
#pragma GCC unroll 8
    for (int p = 0; p < S; ++p) acc[c][p] = V::zero();
  const float* w = a.w;
  const float* x = a.x;
  for (int ic = 0; ic < a.in_c; ++ic, w += a.w_ic_stride, x += a.ic_stride) {
    reg wv[S];
#pragma GCC unroll 8
    for (int p = 0; p < S; ++p) wv[p] = V::load(w + p * VL);
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      const reg b = V::bcast(x + c);
#pragma GCC unroll 8
      for (int p = 0; p < S; ++p) acc[c][p] = V::fma(wv[p], b, acc[c][p]);
    }
  }

  // The epilogue in registers (one channel vector: the same scale and shift
  // for every position), into buf[position][VL].
  alignas(64) float buf[P * VL];
  const reg zero = V::zero();
  const reg slope = V::set1(a.act == Activation::leaky ? .1f : .01f);
  const reg sc = a.scale ? V::load(a.scale) : V::set1(1.f);
  const reg sh = a.shift ? V::load(a.shift) : zero;
#pragma GCC unroll 16
  for (int c = 0; c < C; ++c)
#pragma GCC unroll 8
    for (int p = 0; p < S; ++p) {
      reg v = V::fma(acc[c][p], sc, sh);
      if (a.act == Activation::relu) v = V::max(v, zero);
      else if (a.act == Activation::leaky || a.act == Activation::relie) v = V::max(v, V::mul(v, slope));
      V::store(buf + (c * S + p) * VL, v);
    }
  if (!vector_activation(a.act)) activate_span(buf, P * VL, a.act);

  const int n = a.cols * S;  // the output floats of the row that exist
  if constexpr (kTransposesRows) {
    store_rows_transposed<V, 1, P, VL>(buf, a, n);  // one vector per channel, the last partial
  } else {
    for (int o = 0; o < a.oc_valid; ++o) {
      float* y = a.y + o * a.y_oc_stride;
      for (int q = 0; q < n; ++q) y[q] = buf[q * VL + o];
    }
  }
}
