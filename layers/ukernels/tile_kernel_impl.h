// The direct micro-kernel, written once over a vector type V and compiled
// per ISA: included only by the ukernels/tile-<isa>.cpp files, inside their
// anonymous namespace, so that nothing compiled with one ISA's flags can be
// shared with (and run by) another file. No includes here for that reason
// but the other kernel bodies (accumulate_impl.h, activation_impl.h,
// tile_table_impl.h).
//
// V provides: reg, VL, zero(), set1(f), load(p), store(p, v), bcast(p),
// fma(a, b, c) = a*b + c, max(a, b), mul(a, b), transpose(v) (v[0 .. VL):
// rows in, columns out).
//
// Register budget (AVX-512, 32 registers): R*C*NB accumulators + NB weight
// vectors + 1 broadcast; the table below only instantiates tiles that fit.
// Per (tap, input channel): NB vector loads + R*C broadcasts for R*C*NB FMAs.

#include "ukernels/accumulate_impl.h"
#include "ukernels/activation_impl.h"
#include "ukernels/transposed_store_impl.h"

// How far ahead the kernels prefetch their weight stream (floats: 8 KB).
// A k step of a 2-vector AVX-512 tile reads 128 B of weights in ~10
// cycles, and memory answers in ~100 ns here: 2 KB ahead was too close
// (with every line asked for, DCGAN 512->256 on cold caches went 1.36 ->
// 1.24 ms at 2 KB, 1.17 at 8 KB, 1.16 at 16 KB; 1024->512 1.81 -> 1.62 at
// 8 KB; one run of each alternated, 1 thread, warm-cache rows unchanged).
constexpr int kWeightPrefetchFloats = 2048;

// One step of a tile's sums, one (tap, input channel): NB weight vectors
// from w, and R*C input floats broadcast (row r's first at row(r), XS
// apart), into R*C*NB FMAs. Every loop over steps below calls it, each with
// its own prefetches around it; always inlined, so each loop is compiled
// as if written out (GCC had compiled one restructured loop 1.8x slower).
template <class V, int NB, int R, int C, int XS, class Row>
__attribute__((always_inline)) inline void tile_step(typename V::reg (*acc)[NB], const float* w, const Row& row) {
  using reg = typename V::reg;
  constexpr int VL = V::VL;
  const float* x[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) x[r] = row(r);
  reg wv[NB];
#pragma GCC unroll 8
  for (int n = 0; n < NB; ++n) wv[n] = V::load(w + n * VL);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 32
    for (int c = 0; c < C; ++c) {
      const reg b = V::bcast(x[r] + c * XS);
#pragma GCC unroll 8
      for (int n = 0; n < NB; ++n) acc[r * C + c][n] = V::fma(wv[n], b, acc[r * C + c][n]);
    }
  }
}

// The sums of an R x C tile of NB vectors into acc (started by
// start_accumulators). Always inlined: called, the accumulators went
// through memory (GCC stopped inlining it once tile_step came in; DCGAN
// 256->128's data gradient ran 2.5x slower).
template <class V, int NB, int R, int C, int XS>
__attribute__((always_inline)) inline void tile_sums(typename V::reg (*acc)[NB], const TileCall& a) {
  constexpr int B = NB * V::VL;

  // Input steps 3, 4 and 8: channels outside, taps inside, on weights packed
  // [in_c][tap][NB*VL] (w_ic_stride apart). A tile's taps of one channel
  // read one small window (8 rows x 96 floats for 12 pixels at step 8) that
  // stays in L1; tap by tap over all channels, the planes 4 KB multiples
  // apart (84 KB for 192x112) fell into one L1 set, and the 8x8/8 data
  // gradient fetched every line from L2.
  if constexpr (XS > 2) {
    static_assert(R == 1 || C <= kWideStepNarrowCols, "wide input steps: one row, or narrow columns");
    const float* wc = a.w;
    const float* xc = a.x;
    for (int ic = 0; ic < a.in_c; ++ic, wc += a.w_ic_stride, xc += a.ic_stride) {
      // prefetch_input: each tap also asks for its lines in the next channel
      // (a plane away: no pattern the hardware prefetcher follows).
      const bool ahead = a.prefetch_input && ic + 1 < a.in_c;
      for (int t = 0; t < a.ntaps; ++t) {
        if (ahead) {
          const float* nx = xc + a.ic_stride + a.tap_in[t];
#pragma GCC unroll 16
          for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
            for (int l = 0; l < C * XS; l += kCacheLineFloats) __builtin_prefetch(nx + r * a.row_step + l);
            __builtin_prefetch(nx + r * a.row_step + (C - 1) * XS);
          }
        }
        const float* xp = xc + a.tap_in[t];
        tile_step<V, NB, R, C, XS>(acc, wc + a.tap_idx[t] * B, [&](int r) { return xp + r * a.row_step; });
      }
    }
  } else
  for (int t = 0; t < a.ntaps; ++t) {
    const float* wt = a.w + a.tap_idx[t] * a.w_tap_stride;
    const float* xr[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) xr[r] = a.x + a.tap_in[t] + r * a.row_step;
    // prefetch_input (a lane correlation's src rows, read once each, from
    // memory: TileCall says when): each step also asks for the next tap's
    // rows at the same place. A loop of its own, so that the usual one is
    // compiled as before: folded into it (a third prefetch mode), the
    // DCGAN 256->128 forward ran 4.1-4.3 ms against 2.3 on a 1-thread
    // driver (the same code, differently compiled). The branch per tap
    // still costs the 3x3/3 16->16 weight gradient, whose taps are 9 steps
    // of 8 FMAs, 2.4% more instructions (cachegrind, AVX2) and 0.0057-0.0064
    // -> 0.0065-0.0071 ms.
    if (a.prefetch_input) {
      const ptrdiff_t next = t + 1 < a.ntaps ? a.tap_in[t + 1] - a.tap_in[t] : 0;
      const float* w = wt;
      const float* xp[R];
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) xp[r] = xr[r];
      for (int ic = 0; ic < a.in_c; ++ic) {
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) __builtin_prefetch(xp[r] + next);
        tile_step<V, NB, R, C, XS>(acc, w, [&](int r) { return xp[r]; });
        w += B;
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) xp[r] += a.ic_stride;
      }
      continue;
    }
    // The weights stream through once per tile. Where the plan says they
    // come from memory (the first tile of a phase and block whose kernel
    // exceeds L2: the 1024->512 data gradient's 32 MB), the hardware
    // prefetcher alone left the kernel waiting on the weight load; where
    // they are in L2, prefetching cost the 1024->512 forward ~5%.
    auto channels = [&](auto prefetch) {
      const float* w = wt;
      const float* xp[R];
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) xp[r] = xr[r];
      for (int ic = 0; ic < a.in_c; ++ic) {
        // Every 64-byte line of the step's B floats: one prefetch per step
        // asked for every other line of AVX-512's 128-byte steps.
        if constexpr (decltype(prefetch)::value) {
#pragma GCC unroll 8
          for (int l = 0; l < B; l += kCacheLineFloats) __builtin_prefetch(w + kWeightPrefetchFloats + l);
        }
        tile_step<V, NB, R, C, XS>(acc, w, [&](int r) { return xp[r]; });
        w += B;
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) xp[r] += a.ic_stride;
      }
    };
    if (a.prefetch) channels(std::true_type{});
    else channels(std::false_type{});
  }

}

// The epilogue in registers: scale, shift, and the activations that are one
// instruction (the rest run per element on the way out), into buf
// ([pixel][NB * VL]).
template <class V, int NB, int M>
inline void tile_epilogue(typename V::reg (*acc)[NB], const TileCall& a, float* buf) {
  using reg = typename V::reg;
  constexpr int VL = V::VL, B = NB * VL;
  const reg zero = V::zero();
  const reg slope = V::set1(a.act == Activation::leaky ? .1f : .01f);
#pragma GCC unroll 8
  for (int n = 0; n < NB; ++n) {
    const reg s = a.scale ? V::load(a.scale + n * VL) : V::set1(1.f);
    const reg h = a.shift ? V::load(a.shift + n * VL) : zero;
#pragma GCC unroll 64
    for (int p = 0; p < M; ++p) {
      reg v = V::fma(acc[p][n], s, h);
      if (a.act == Activation::relu) v = V::max(v, zero);
      else if (a.act == Activation::leaky || a.act == Activation::relie) v = V::max(v, V::mul(v, slope));
      V::store(buf + p * B + n * VL, v);
    }
  }
}

// P > 1: a one-row tile wider than the registers hold (AVX-512: 16 pixels of
// 32 channels) runs as P passes of C/P pixels, each summed and through the
// epilogue into buf, so that its row still goes out as whole transposed
// vectors (store_rows_transposed): one 64-byte line per channel. Narrower
// tiles (8 pixels) write each line of a row in two halves from two tiles;
// a convolution's output planes 4 KB multiples apart (DCGAN 128->3's data
// gradient, 32x32; the 256x256 of erfnet's stem) all fall into one L1 set,
// so the line is gone before its second half comes: half-line stores ran
// those layers 1.4x and 2.2x slower than the float-by-float store.
template <class V, int NB, int R, int C, int XS, int P = 1>
void tile_kernel(const TileCall& a) {
  using reg = typename V::reg;
  constexpr int VL = V::VL, M = R * C, B = NB * VL, CP = C / P;
  static_assert(P == 1 || (R == 1 && C % P == 0), "passes split one row into equal parts");
  alignas(64) float buf[M * B];
  auto pass = [&](const TileCall& part, float* out) {
    reg acc[R * CP][NB];
    start_accumulators<V, NB, R, CP>(acc, part);
    tile_sums<V, NB, R, CP, XS>(acc, part);
    if (part.partial_out) return store_partial<V, NB, R * CP>(acc, part);
    tile_epilogue<V, NB, R * CP>(acc, part, out);
  };
  if constexpr (P == 1) {
    pass(a, buf);
  } else {
    for (int i = 0; i < P; ++i) {
      TileCall part = a;
      part.x += i * CP * XS;
      part.y += i * CP * a.y_col_step;
      if (part.partial) part.partial += i * CP * B;
      pass(part, buf + i * CP * B);
    }
  }
  if (a.partial_out) return;
  if (!vector_activation(a.act))
    activate_span(buf, M * B, a.act);

  // Out to NCHW: channel-major, the tile's pixels at their interleaved places.
  if (a.accumulate && !seeds_from_output(a)) {  // dw += sums
    for (int c = 0; c < a.oc_valid; ++c) {
      float* yc = a.y + c * a.y_oc_stride;
      for (int r = 0; r < R; ++r)
        for (int q = 0; q < C; ++q) yc[r * a.y_row_step + q * a.y_col_step] += buf[(r * C + q) * B + c];
    }
    return;
  }
  if constexpr (C % V::VL == 0) {
    if (a.y_col_step == 1) return store_rows_transposed<V, R, C, B>(buf, a);
  }
  for (int c = 0; c < a.oc_valid; ++c) {
    float* yc = a.y + c * a.y_oc_stride;
    for (int r = 0; r < R; ++r)
      for (int q = 0; q < C; ++q) yc[r * a.y_row_step + q * a.y_col_step] = buf[(r * C + q) * B + c];
  }
}

// Rows of VL-multiple columns go out transposed (store_rows_transposed);
// one-row tiles of VL columns exist at every block width, in two passes
// where the registers do not hold them at once.
constexpr bool kRowsTransposed = true;
constexpr int kTwoPassCols = Vec::VL;
template <int NB, int XS>
constexpr TileFn two_pass_tile() { return &tile_kernel<Vec, NB, 1, kTwoPassCols, XS, 2>; }

#include "ukernels/tile_table_impl.h"
