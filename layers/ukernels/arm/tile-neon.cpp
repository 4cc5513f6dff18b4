// AArch64 Advanced SIMD (NEON) micro-kernels: 4 output channels per vector,
// 32 registers. Built only for aarch64 (layers/CMakeLists.txt), entered only
// after isa_supported(Isa::neon).
//
// Why not tile_kernel_impl.h's generic body: it broadcasts every input pixel
// into a register of its own (one DUP or LD1R per pixel per input channel).
// AArch64's FMLA takes one factor from a lane of another register
// (vfmaq_laneq_f32), so four neighbouring pixels are loaded once with one
// LD1 and used in place: per (tap, input channel) NB weight loads plus about
// C/4 pixel loads per row feed R*C*NB FMLAs.
//
// Register budget: R*C*NB accumulators + NB weight vectors + the pixel
// vectors of one row (C/4 rounded up): 4 vectors x 6 pixels (16 channels:
// 24 + 4 + 2), 3 x 8, 2 x 12, 1 x 16; no tile spills (checked in the -S output).
#include <arm_neon.h>

#include <utility>

#include "ukernels/tile_kernel.h"

namespace huge2 {
namespace {

struct Vec {
  using reg = float32x4_t;
  static constexpr int VL = 4;
  static constexpr bool kRowOffsets = true;  // pixel_kernel_impl.h
  static constexpr bool kFmaLane = true;  // row and pixel kernels: FMLA by element
  template <int L>
  static reg fma_lane(reg acc, reg a, reg b) { return vfmaq_laneq_f32(acc, a, b, L); }
  static reg zero() { return vdupq_n_f32(0.f); }
  static reg set1(float f) { return vdupq_n_f32(f); }
  static reg load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, reg v) { vst1q_f32(p, v); }
  static void store_first(float* p, reg v, int n) {
    vst1q_lane_f32(p, v, 0);
    if (n > 1) vst1q_lane_f32(p + 1, v, 1);
    if (n > 2) vst1q_lane_f32(p + 2, v, 2);
  }
  static reg bcast(const float* p) { return vld1q_dup_f32(p); }
  static void pin(reg& v) { __asm__("" : "+w"(v)); }  // in a register (pixel_kernel_impl.h)
  static reg fma(reg a, reg b, reg c) { return vfmaq_f32(c, a, b); }
  static reg max(reg a, reg b) { return vmaxq_f32(a, b); }
  static reg mul(reg a, reg b) { return vmulq_f32(a, b); }
  static reg zip_lo(reg a, reg b) { return vzip1q_f32(a, b); }  // a0 b0 a1 b1
  static reg zip_hi(reg a, reg b) { return vzip2q_f32(a, b); }  // a2 b2 a3 b3
};

#include "ukernels/accumulate_impl.h"
#include "ukernels/activation_impl.h"
#include "ukernels/transposed_store_impl.h"  // the row kernels name it (never run here: no transpose)

constexpr Isa kIsa = Isa::neon;
constexpr int kMaxNb = 4, kMaxRows = 8, kMaxCols = 12;
constexpr int kMaxPixels[kMaxNb + 1] = {0, 16, 12, 8, 6};
constexpr int kVectorRegisters = 32;

// Four pixels at p, p+XS, p+2XS, p+3XS. For XS = 2, LD2 reads p[7] too, one
// float past the fourth pixel: fine inside a row that goes on, but the last
// group of a tile row may end at the last float of the input (or of the
// padded copy), so it reads p[0..6] with two plain loads and picks lanes.
template <int XS, bool kLast>
inline float32x4_t load4(const float* p) {
  if constexpr (XS == 1) {
    return vld1q_f32(p);
  } else if constexpr (!kLast) {
    return vld2q_f32(p).val[0];
  } else {
    const float32x4_t lo = vld1q_f32(p), hi = vld1q_f32(p + 3);  // p0..p3, p3..p6
    return vuzp1q_f32(lo, vextq_f32(hi, hi, 1));                  // p0 p2 | p4 p6
  }
}

// acc[j][n] += w[n] * x[j] for the four pixels j of one group (lanes of x).
template <int NB>
inline void fma_group(float32x4_t (*acc)[NB], const float32x4_t* w, float32x4_t x) {
#pragma GCC unroll 8
  for (int n = 0; n < NB; ++n) acc[0][n] = vfmaq_laneq_f32(acc[0][n], w[n], x, 0);
#pragma GCC unroll 8
  for (int n = 0; n < NB; ++n) acc[1][n] = vfmaq_laneq_f32(acc[1][n], w[n], x, 1);
#pragma GCC unroll 8
  for (int n = 0; n < NB; ++n) acc[2][n] = vfmaq_laneq_f32(acc[2][n], w[n], x, 2);
#pragma GCC unroll 8
  for (int n = 0; n < NB; ++n) acc[3][n] = vfmaq_laneq_f32(acc[3][n], w[n], x, 3);
}

// acc[j][n] += w[n] * x[j] for the lanes j >= FIRST of x.
template <int NB, int FIRST>
inline void fma_tail(float32x4_t (*acc)[NB], const float32x4_t* w, float32x4_t x) {
  if constexpr (FIRST <= 1)
#pragma GCC unroll 8
    for (int n = 0; n < NB; ++n) acc[1][n] = vfmaq_laneq_f32(acc[1][n], w[n], x, 1);
  if constexpr (FIRST <= 2)
#pragma GCC unroll 8
    for (int n = 0; n < NB; ++n) acc[2][n] = vfmaq_laneq_f32(acc[2][n], w[n], x, 2);
#pragma GCC unroll 8
  for (int n = 0; n < NB; ++n) acc[3][n] = vfmaq_laneq_f32(acc[3][n], w[n], x, 3);
}

// One row of C pixels (at xr, step XS) into acc[0 .. C-1].
template <int NB, int C, int XS>
inline void fma_row(float32x4_t (*acc)[NB], const float32x4_t* w, const float* xr) {
  // Input steps 3, 4 and 8: every pixel a single float (an LD4 would read 12
  // floats past the group, beyond the row's end for the last one).
  constexpr int G = XS > 2 ? 0 : C / 4, REM = XS > 2 ? C : C % 4;
#pragma GCC unroll 4
  for (int g = 0; g < G; ++g) {
    // Only the very last group may need the short load (REM pixels follow otherwise).
    const float32x4_t x = (REM == 0 && g == G - 1) ? load4<XS, true>(xr + 4 * g * XS)
                                                   : load4<XS, false>(xr + 4 * g * XS);
    fma_group<NB>(acc + 4 * g, w, x);
  }
  const float* xe = xr + 4 * G * XS;
  if constexpr (XS == 1 && G >= 1 && REM >= 1) {
    // The last REM pixels as the upper lanes of the four that end the row:
    // one load, and nothing read outside the tile's row.
    const float32x4_t x = vld1q_f32(xe + REM - 4);
    fma_tail<NB, 4 - REM>(acc + 4 * G - (4 - REM), w, x);
  } else if constexpr (XS == 1 && REM >= 2) {  // two pixels with one 64-bit load
    const float32x2_t x2 = vld1_f32(xe);
#pragma GCC unroll 8
    for (int n = 0; n < NB; ++n) acc[4 * G][n] = vfmaq_lane_f32(acc[4 * G][n], w[n], x2, 0);
#pragma GCC unroll 8
    for (int n = 0; n < NB; ++n) acc[4 * G + 1][n] = vfmaq_lane_f32(acc[4 * G + 1][n], w[n], x2, 1);
    if constexpr (REM == 3) {
      const float x1 = xe[2];
#pragma GCC unroll 8
      for (int n = 0; n < NB; ++n) acc[4 * G + 2][n] = vfmaq_n_f32(acc[4 * G + 2][n], w[n], x1);
    }
  } else {  // single floats: LDR S + FMLA by element, still no broadcast
#pragma GCC unroll 16
    for (int j = 0; j < REM; ++j) {
      const float x1 = xe[j * XS];
#pragma GCC unroll 8
      for (int n = 0; n < NB; ++n) acc[4 * G + j][n] = vfmaq_n_f32(acc[4 * G + j][n], w[n], x1);
    }
  }
}

// The NB weight vectors of one (tap, input channel): one LD1 of NB registers.
template <int NB>
inline void load_weights(float32x4_t* w, const float* p) {
  if constexpr (NB == 4) {
    const float32x4x4_t v = vld1q_f32_x4(p);
    w[0] = v.val[0], w[1] = v.val[1], w[2] = v.val[2], w[3] = v.val[3];
  } else if constexpr (NB == 3) {
    const float32x4x3_t v = vld1q_f32_x3(p);
    w[0] = v.val[0], w[1] = v.val[1], w[2] = v.val[2];
  } else if constexpr (NB == 2) {
    const float32x4x2_t v = vld1q_f32_x2(p);
    w[0] = v.val[0], w[1] = v.val[1];
  } else {
    w[0] = vld1q_f32(p);
  }
}

// The epilogue on the registers: scale, shift and ACT (0: none or one done
// per element below, 1: relu, 2: leaky, 3: relie), then out to NCHW.
// Inlined into the kernel: the accumulators must stay registers there.
template <int ACT, int NB, int R, int C>
__attribute__((always_inline)) inline void finish(float32x4_t (*acc)[NB], const TileCall& a) {
  constexpr int M = R * C, B = NB * 4;
  const float32x4_t zero = vdupq_n_f32(0.f), slope = vdupq_n_f32(ACT == 2 ? .1f : .01f);
#pragma GCC unroll 8
  for (int n = 0; n < NB; ++n) {
    const float32x4_t s = a.scale ? vld1q_f32(a.scale + n * 4) : vdupq_n_f32(1.f);
    const float32x4_t h = a.shift ? vld1q_f32(a.shift + n * 4) : zero;
#pragma GCC unroll 64
    for (int p = 0; p < M; ++p) {
      float32x4_t v = vfmaq_f32(h, acc[p][n], s);
      if constexpr (ACT == 1) v = vmaxq_f32(v, zero);
      if constexpr (ACT >= 2) v = vmaxq_f32(v, vmulq_f32(v, slope));
      acc[p][n] = v;
    }
  }
  const bool per_element = ACT == 0 && a.act != Activation::linear;
  const bool add = a.accumulate && !seeds_from_output(a);  // dw += sums (accumulate_impl.h)
  if (a.oc_valid == B && !per_element && !add) {
    // A full block: each lane straight from its register to its place (one
    // store per value, no staging buffer).
    const ptrdiff_t os = a.y_oc_stride;
#pragma GCC unroll 64
    for (int p = 0; p < M; ++p) {
      float* yp = a.y + (p / C) * a.y_row_step + (p % C) * a.y_col_step;
#pragma GCC unroll 8
      for (int n = 0; n < NB; ++n) {
        vst1q_lane_f32(yp + (4 * n + 0) * os, acc[p][n], 0);
        vst1q_lane_f32(yp + (4 * n + 1) * os, acc[p][n], 1);
        vst1q_lane_f32(yp + (4 * n + 2) * os, acc[p][n], 2);
        vst1q_lane_f32(yp + (4 * n + 3) * os, acc[p][n], 3);
      }
    }
    return;
  }
  // The last, partial block, or an activation of several instructions.
  alignas(16) float buf[M * B];
#pragma GCC unroll 64
  for (int p = 0; p < M; ++p)
#pragma GCC unroll 8
    for (int n = 0; n < NB; ++n) vst1q_f32(buf + p * B + n * 4, acc[p][n]);
  if (per_element)
    activate_span(buf, M * B, a.act);
  for (int c = 0; c < a.oc_valid; ++c) {
    float* yc = a.y + c * a.y_oc_stride;
    for (int r = 0; r < R; ++r)
      for (int q = 0; q < C; ++q) {
        float& out = yc[r * a.y_row_step + q * a.y_col_step];
        out = add ? out + buf[(r * C + q) * B + c] : buf[(r * C + q) * B + c];
      }
  }
}

template <class V, int NB, int R, int C, int XS>
void tile_kernel(const TileCall& a) {
  constexpr int M = R * C, B = NB * 4;
  float32x4_t acc[M][NB];
  start_accumulators<V, NB, R, C>(acc, a);  // accumulate_impl.h

  const ptrdiff_t row_step = a.row_step, ic_stride = a.ic_stride;
  // Input steps 3, 4 and 8: channels outside, taps inside, on the weights the
  // plan packed [in_c][tap][NB*4] (tile_kernel_impl.h says why).
  if constexpr (XS > 2) {
    static_assert(R == 1 || C <= kWideStepNarrowCols, "wide input steps: one row, or narrow columns");
    const float* wc = a.w;
    const float* xc = a.x;
    for (int ic = 0; ic < a.in_c; ++ic, wc += a.w_ic_stride, xc += ic_stride) {
      const bool ahead = a.prefetch_input && ic + 1 < a.in_c;  // as tile_kernel_impl.h
      for (int t = 0; t < a.ntaps; ++t) {
        if (ahead) {
          const float* nx = xc + ic_stride + a.tap_in[t];
#pragma GCC unroll 8
          for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
            for (int l = 0; l < C * XS; l += kCacheLineFloats) __builtin_prefetch(nx + r * row_step + l);
            __builtin_prefetch(nx + r * row_step + (C - 1) * XS);
          }
        }
        float32x4_t w[NB];
        load_weights<NB>(w, wc + a.tap_idx[t] * B);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) fma_row<NB, C, XS>(acc + r * C, w, xc + a.tap_in[t] + r * row_step);
      }
    }
  } else
  for (int t = 0; t < a.ntaps; ++t) {
    const float* wt = a.w + a.tap_idx[t] * a.w_tap_stride;
    const float* x = a.x + a.tap_in[t];
    // The next tap's input rows along (TileCall::prefetch_input), in a loop
    // of its own, so that the usual one keeps its instruction count.
    if (a.prefetch_input) {
      const ptrdiff_t next = t + 1 < a.ntaps ? a.tap_in[t + 1] - a.tap_in[t] : 0;
      for (int ic = a.in_c; ic > 0; --ic) {
        float32x4_t w[NB];
        load_weights<NB>(w, wt);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          __builtin_prefetch(x + r * row_step + next);
          fma_row<NB, C, XS>(acc + r * C, w, x + r * row_step);
        }
        wt += B;
        x += ic_stride;
      }
      continue;
    }
    // Counting down and two channels per trip: the loop's own instructions
    // (compare, branch) are paid once per 2 * R*C*NB FMLAs (4 x 6 tile: 0.365
    // -> 0.302 instructions per MAC with the one-LD1 weights; four per trip
    // spilled 25 of 176 tiles and saved nothing).
#pragma GCC unroll 2
    for (int ic = a.in_c; ic > 0; --ic) {
      float32x4_t w[NB];
      load_weights<NB>(w, wt);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) fma_row<NB, C, XS>(acc + r * C, w, x + r * row_step);
      wt += B;
      x += ic_stride;
    }
  }

  if (a.partial_out) return store_partial<V, NB, M>(acc, a);  // not the last chunk
  switch (a.act) {  // the activation as a constant: no branch per value
    case Activation::relu: return finish<1, NB, R, C>(acc, a);
    case Activation::leaky: return finish<2, NB, R, C>(acc, a);
    case Activation::relie: return finish<3, NB, R, C>(acc, a);
    default: return finish<0, NB, R, C>(acc, a);
  }
}

// Lanes go straight from the accumulators to their places (no transpose:
// tried, the emulated instruction counts did not move).
constexpr bool kRowsTransposed = false;
constexpr int kTwoPassCols = 0;  // no two-pass tiles either: their point is the transposed row
template <int NB, int XS>
constexpr TileFn two_pass_tile() { return nullptr; }

#include "ukernels/tile_table_impl.h"

}  // namespace

const TileKernels& tile_kernels_neon() { return kKernels; }

}  // namespace huge2
