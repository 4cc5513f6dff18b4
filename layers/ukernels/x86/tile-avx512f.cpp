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
};

constexpr Isa kIsa = Isa::avx512f;
constexpr int kMaxNb = 2, kMaxRows = 8, kMaxCols = 16;
constexpr int kMaxPixels[3] = {0, 16, 14};
constexpr int kVectorRegisters = 32;

#include "ukernels/tile_kernel_impl.h"

}  // namespace

const TileKernels& tile_kernels_avx512f() { return kKernels; }

}  // namespace huge2
