// Portable micro-kernels: plain C++ on an 8-float "vector", left to the
// compiler's baseline auto-vectorisation. The fallback on CPUs without AVX2
// (and on other architectures) and the scalar reference the ISA kernels are
// tested against.
#include <utility>

#include "ukernels/tile_kernel.h"

namespace huge2 {
namespace {

struct Vec {
  struct reg {
    float v[8];
  };
  static constexpr int VL = 8;
  static constexpr bool kRowOffsets = false;  // pixel_kernel_impl.h
  static constexpr bool kFmaLane = false;  // row and pixel kernels: weights broadcast from memory
  static reg zero() { return set1(0.f); }
  static reg set1(float f) {
    reg r;
    for (float& x : r.v) x = f;
    return r;
  }
  static reg load(const float* p) {
    reg r;
    for (int i = 0; i < VL; ++i) r.v[i] = p[i];
    return r;
  }
  static void store(float* p, const reg& v) {
    for (int i = 0; i < VL; ++i) p[i] = v.v[i];
  }
  static void store_first(float* p, const reg& v, int n) {
    for (int i = 0; i < n; ++i) p[i] = v.v[i];
  }
  static reg bcast(const float* p) { return set1(*p); }
  static void pin(const reg&) {}  // nothing to keep: plain arrays
  // Multiply and add, rounded twice (no fused instruction is assumed).
  static reg fma(const reg& a, const reg& b, const reg& c) {
    reg r;
    for (int i = 0; i < VL; ++i) r.v[i] = a.v[i] * b.v[i] + c.v[i];
    return r;
  }
  static reg max(const reg& a, const reg& b) {
    reg r;
    for (int i = 0; i < VL; ++i) r.v[i] = a.v[i] > b.v[i] ? a.v[i] : b.v[i];
    return r;
  }
  static reg mul(const reg& a, const reg& b) {
    reg r;
    for (int i = 0; i < VL; ++i) r.v[i] = a.v[i] * b.v[i];
    return r;
  }
  // Lanes 0..VL/2-1 (lo) or VL/2..VL-1 (hi) of a and b, interleaved: a0 b0 a1 b1 ...
  static reg zip_lo(const reg& a, const reg& b) {
    reg r;
    for (int i = 0; i < VL / 2; ++i) r.v[2 * i] = a.v[i], r.v[2 * i + 1] = b.v[i];
    return r;
  }
  static reg zip_hi(const reg& a, const reg& b) {
    reg r;
    for (int i = 0; i < VL / 2; ++i) r.v[2 * i] = a.v[VL / 2 + i], r.v[2 * i + 1] = b.v[VL / 2 + i];
    return r;
  }
};

constexpr Isa kIsa = Isa::scalar;
constexpr int kMaxNb = 1, kMaxRows = 4, kMaxCols = 4;
constexpr int kMaxPixels[3] = {0, 4, 0};
constexpr int kVectorRegisters = 16;  // a notional budget: these "vectors" are arrays the compiler keeps where it can

#include "ukernels/tile_kernel_impl.h"

}  // namespace

const TileKernels& tile_kernels_scalar() { return kKernels; }

}  // namespace huge2
