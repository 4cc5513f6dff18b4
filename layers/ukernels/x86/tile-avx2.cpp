// AVX2+FMA micro-kernels: 8 output channels per vector, 16 registers:
// up to 12 pixels x 1 block or 6 pixels x 2 blocks of accumulators.
// Compiled with -mavx2 -mfma (this file only); entered only after
// isa_supported(Isa::avx2).
#include <immintrin.h>

#include <utility>

#include "ukernels/tile_kernel.h"

namespace huge2 {
namespace {

struct Vec {
  using reg = __m256;
  static constexpr int VL = 8;
  static constexpr bool kRowOffsets = false;  // pixel_kernel_impl.h
  static constexpr bool kFmaLane = false;  // row and pixel kernels: weights broadcast from memory
  static reg zero() { return _mm256_setzero_ps(); }
  static reg set1(float f) { return _mm256_set1_ps(f); }
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
  static void store_first(float* p, reg v, int n) {
    _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)), v);
  }
  static reg bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static void pin(reg& v) { __asm__("" : "+x"(v)); }  // in a register (pixel_kernel_impl.h)
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  // Lanes 0..3 (lo) or 4..7 (hi) of a and b, interleaved: a0 b0 a1 b1 ...
  static reg zip_lo(reg a, reg b) {
    return _mm256_permute2f128_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b), 0x20);
  }
  static reg zip_hi(reg a, reg b) {
    return _mm256_permute2f128_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b), 0x31);
  }
  // 8 x 8 in place (v[i] row i in, column i out): pairs of rows interleaved,
  // 4 x 4 blocks inside each 128-bit lane, then the two lanes swapped across.
  static void transpose(reg* v) {
    reg t[8], u[8];
    for (int i = 0; i < 4; ++i)
      t[2 * i] = _mm256_unpacklo_ps(v[2 * i], v[2 * i + 1]), t[2 * i + 1] = _mm256_unpackhi_ps(v[2 * i], v[2 * i + 1]);
    for (int g = 0; g < 2; ++g) {  // u[4g + j], lane L: column 4L + j of rows 4g .. 4g+3
      u[4 * g + 0] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
      u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
      u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
      u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
    }
    for (int j = 0; j < 4; ++j)
      v[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20), v[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
  }
};

constexpr Isa kIsa = Isa::avx2;
constexpr int kMaxNb = 2, kMaxRows = 8, kMaxCols = 12;
constexpr int kMaxPixels[3] = {0, 12, 6};
constexpr int kVectorRegisters = 16;

#include "ukernels/tile_kernel_impl.h"

}  // namespace

const TileKernels& tile_kernels_avx2() { return kKernels; }

}  // namespace huge2
