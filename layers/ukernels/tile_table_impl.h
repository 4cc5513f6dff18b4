// The per-ISA kernel table, lookup() and fma_peak_loop(), around whatever
// tile_kernel<V, NB, R, C, XS> the including file defined: tile_kernel_impl.h's
// generic one (x86, scalar) or a hand-shaped one (arm/tile-neon.cpp). Included
// inside the ISA file's anonymous namespace, like tile_kernel_impl.h.
//
// Needs: Vec (zero, set1, load, store, bcast, fma, max, mul), kIsa, kMaxNb,
// kMaxRows, kMaxCols, kMaxPixels[kMaxNb + 1], kVectorRegisters.

#include "ukernels/pixel_kernel_impl.h"

// Every (nb, xs, rows, cols) the registers allow, as a constant table.
constexpr int kSlots = kMaxRows * kMaxCols;
struct KernelTable {
  TileFn f[kMaxNb][2][kSlots];
};

template <class V, int NB, int XS, int I>
constexpr TileFn table_entry() {
  constexpr int R = I / kMaxCols + 1, C = I % kMaxCols + 1;
  if constexpr (R * C <= kMaxPixels[NB]) return &tile_kernel<V, NB, R, C, XS>;
  else return nullptr;
}

template <class V, int NB, int XS, int... I>
constexpr void fill_row(TileFn* row, std::integer_sequence<int, I...>) {
  ((row[I] = table_entry<V, NB, XS, I>()), ...);
}

template <class V, int NB>
constexpr void fill_nb(KernelTable& t) {
  if constexpr (NB <= kMaxNb) {
    fill_row<V, NB, 1>(t.f[NB - 1][0], std::make_integer_sequence<int, kSlots>{});
    fill_row<V, NB, 2>(t.f[NB - 1][1], std::make_integer_sequence<int, kSlots>{});
    fill_nb<V, NB + 1>(t);
  }
}

template <class V>
constexpr KernelTable make_table() {
  KernelTable t{};
  fill_nb<V, 1>(t);
  return t;
}

constexpr KernelTable kTable = make_table<Vec>();

TileFn lookup(int nb, int xs, int rows, int cols) {
  if (nb < 1 || nb > kMaxNb || xs < 1 || xs > 2 || rows < 1 || rows > kMaxRows || cols < 1 || cols > kMaxCols)
    return nullptr;
  return kTable.f[nb - 1][xs - 1][(rows - 1) * kMaxCols + (cols - 1)];
}

// The pixel kernels: every (oc, rows) whose R*OC accumulators, OC weights
// and input vector fit the registers with room to spare: GCC 12 keeps the R
// row addresses partly in vector registers and spilled accumulators beyond
// this (AVX-512: 3 x 7, 4 x 6, 5 x 5 and 6 x 4 did; none of these does).
constexpr int pixel_rows(int oc) {
  const int rows = (kVectorRegisters - oc - 4) / (oc + 1);
  return rows < kMaxPixelRows ? rows : kMaxPixelRows;
}
struct PixelTable {
  TileFn f[kMaxPixelOc][kMaxPixelRows];
};
template <class V, int OC, int... I>
constexpr void fill_pixel_row(TileFn* row, std::integer_sequence<int, I...>) {
  ((row[I] = (I + 1 <= pixel_rows(OC) ? &pixel_kernel<V, OC, (I + 1 <= pixel_rows(OC) ? I + 1 : 1)> : nullptr)),
   ...);
}
template <class V, int... OC>
constexpr PixelTable make_pixel_table(std::integer_sequence<int, OC...>) {
  PixelTable t{};
  (fill_pixel_row<V, OC + 1>(t.f[OC], std::make_integer_sequence<int, kMaxPixelRows>{}), ...);
  return t;
}
constexpr PixelTable kPixelTable = make_pixel_table<Vec>(std::make_integer_sequence<int, kMaxPixelOc>{});

TileFn pixel_lookup(int oc, int rows) {
  if (oc < 1 || oc > kMaxPixelOc || rows < 1 || rows > kMaxPixelRows) return nullptr;
  return kPixelTable.f[oc - 1][rows - 1];
}

float fma_peak_loop(long iters) {
  using reg = typename Vec::reg;
  reg acc[kPeakChains];
  for (int j = 0; j < kPeakChains; ++j) acc[j] = Vec::set1(1.f + 0.001f * j);
  const reg m = Vec::set1(0.9999999f), c = Vec::set1(1e-7f);
  for (long i = 0; i < iters; ++i)
#pragma GCC unroll 12
    for (int j = 0; j < kPeakChains; ++j) acc[j] = Vec::fma(acc[j], m, acc[j]), acc[j] = Vec::fma(acc[j], m, c);
  alignas(64) float out[Vec::VL];
  float sum = 0;
  for (int j = 0; j < kPeakChains; ++j) {
    Vec::store(out, acc[j]);
    for (int l = 0; l < Vec::VL; ++l) sum += out[l];
  }
  return sum;
}

static_assert(kMaxNb >= 1 && kMaxNb <= kMaxTileNb, "tile width beyond kMaxTileNb");
static_assert(pixel_rows(1) >= 1, "no pixel kernel fits the registers");
constexpr TileKernels make_kernels() {
  TileKernels k{kIsa, Vec::VL, kMaxNb, kMaxRows, kMaxCols, {}, &lookup, {}, &pixel_lookup, &fma_peak_loop};
  for (int nb = 1; nb <= kMaxNb; ++nb) k.max_pixels[nb] = kMaxPixels[nb];
  for (int oc = 1; oc <= kMaxPixelOc; ++oc) k.pixel_max_rows[oc] = pixel_rows(oc) > 0 ? pixel_rows(oc) : 0;
  return k;
}
constexpr TileKernels kKernels = make_kernels();
