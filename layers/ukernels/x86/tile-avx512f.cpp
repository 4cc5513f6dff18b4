// AVX-512F micro-kernels: 16 output channels per vector, 32 registers:
// up to 16 pixels x 1 block or 14 pixels x 2 blocks of accumulators.
// Compiled with -mavx512f -mfma (this file only); entered only after
// isa_supported(Isa::avx512f).
#include <immintrin.h>

#include <utility>

#include "ukernels/tile_kernel.h"

namespace huge2 {
namespace {

struct Vec {
  using reg = __m512;
  static constexpr int VL = 16;
  static constexpr bool kRowOffsets = false;  // pixel_kernel_impl.h
  static constexpr bool kFmaLane = false;  // row and pixel kernels: weights broadcast from memory
  static reg zero() { return _mm512_setzero_ps(); }
  static reg set1(float f) { return _mm512_set1_ps(f); }
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
  static void store_first(float* p, reg v, int n) { _mm512_mask_storeu_ps(p, __mmask16((1u << n) - 1), v); }
  static reg bcast(const float* p) { return _mm512_set1_ps(*p); }
  static void pin(reg& v) { __asm__("" : "+v"(v)); }  // in a register (pixel_kernel_impl.h)
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg max(reg a, reg b) { return _mm512_max_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  // Lanes 0..7 (lo) or 8..15 (hi) of a and b, interleaved: a0 b0 a1 b1 ...
  static reg zip_lo(reg a, reg b) {
    return _mm512_permutex2var_ps(a, _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0), b);
  }
  static reg zip_hi(reg a, reg b) {
    return _mm512_permutex2var_ps(a, _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8), b);
  }
  // 16 x 16 in place (v[i] row i in, column i out): pairs of rows
  // interleaved, then 4 x 4 blocks inside each 128-bit lane, then the lanes
  // gathered across the four row groups (64 shuffles).
  static void transpose(reg* v) {
    reg t[16], u[16];
    for (int i = 0; i < 8; ++i)
      t[2 * i] = _mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]), t[2 * i + 1] = _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]);
    // u[4g + j], lane L: column 4L + j of rows 4g .. 4g+3
    for (int g = 0; g < 4; ++g) {
      u[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
      u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
      u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
      u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
    }
    for (int j = 0; j < 4; ++j) {
      const reg a = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88), b = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);
      const reg c = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88), d = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xDD);
      v[j] = _mm512_shuffle_f32x4(a, c, 0x88), v[8 + j] = _mm512_shuffle_f32x4(a, c, 0xDD);
      v[4 + j] = _mm512_shuffle_f32x4(b, d, 0x88), v[12 + j] = _mm512_shuffle_f32x4(b, d, 0xDD);
    }
  }
};

constexpr Isa kIsa = Isa::avx512f;
constexpr int kMaxNb = 2, kMaxRows = 8, kMaxCols = 16;
constexpr int kMaxPixels[3] = {0, 16, 14};
constexpr int kVectorRegisters = 32;

#include "ukernels/tile_kernel_impl.h"

}  // namespace

const TileKernels& tile_kernels_avx512f() { return kKernels; }

}  // namespace huge2
