// The per-ISA kernel table, lookup() and fma_peak_loop(), around whatever
// tile_kernel<V, NB, R, C, XS> the including file defined: tile_kernel_impl.h's
// generic one (x86, scalar) or a hand-shaped one (arm/tile-neon.cpp). Included
// inside the ISA file's anonymous namespace, like tile_kernel_impl.h.
//
// Needs: Vec (zero, set1, load, store, bcast, fma, max, mul), kIsa, kMaxNb,
// kMaxRows, kMaxCols, kMaxPixels[kMaxNb + 1], kVectorRegisters, kRowsTransposed,
// kTwoPassCols and two_pass_tile<NB, XS>().

// Whether this ISA's tiles write rows transposed in registers
// (TileKernels::rows_transposed; the phase-row channel kernels ask too).
constexpr bool kTransposesRows = kRowsTransposed && kMaxCols >= Vec::VL;

#include "ukernels/row_kernel_impl.h"  // first: interleave() serves the pixel kernels too
#include "ukernels/pixel_kernel_impl.h"
#include "ukernels/gemm_kernel_impl.h"
#include "ukernels/gemv_kernel_impl.h"
#include "ukernels/softmax_impl.h"

// Every (nb, xs, rows, cols) the registers allow, as a constant table: of
// input steps 1 and 2 every shape; of the wide steps (tile_kernel.h's
// kWideSteps: stride-3, -4 and -8 convolutions, such as the ReID tracker's
// data gradients) those tile_max_rows admits, one-row tiles and single
// columns (a padded layer's edges). Every shape would more than double the
// table for layers whose rows are wide anyway.
constexpr int kSlots = kMaxRows * kMaxCols;
constexpr int kTileSteps[] = {1, 2, kWideSteps[0], kWideSteps[1], kWideSteps[2]};
static_assert(std::size(kWideSteps) == 3, "kTileSteps lists every wide step");
// The index of input step xs in kTileSteps, or -1.
constexpr int tile_step_index(int xs) {
  return xs == 1 || xs == 2 ? xs - 1 : wide_step_index(xs) >= 0 ? 2 + wide_step_index(xs) : -1;
}
struct KernelTable {  // [nb - 1][tile_step_index(xs)][(rows - 1) * kMaxCols + cols - 1]
  TileFn f[kMaxNb][std::size(kTileSteps)][kSlots];
};

// A one-row tile of kTwoPassCols columns at nb vectors fits: at once, or in
// two passes of half the row.
constexpr bool two_pass_fits(int nb) {
  return kTwoPassCols > 0 && kTwoPassCols <= kMaxCols && 2 * kMaxPixels[nb] >= kTwoPassCols;
}

template <class V, int NB, int XS, int I>
constexpr TileFn table_entry() {
  constexpr int R = I / kMaxCols + 1, C = I % kMaxCols + 1;
  if constexpr (R > tile_max_rows(kMaxRows, XS, C)) return nullptr;
  else if constexpr (R * C <= kMaxPixels[NB]) return &tile_kernel<V, NB, R, C, XS>;
  else if constexpr (XS <= 2 && R == 1 && C == kTwoPassCols && two_pass_fits(NB)) return two_pass_tile<NB, XS>();
  else return nullptr;
}

template <class V, int NB, int XS, int... I>
constexpr void fill_row(TileFn* row, std::integer_sequence<int, I...>) {
  ((row[I] = table_entry<V, NB, XS, I>()), ...);
}

template <class V, int NB, size_t... S>
constexpr void fill_steps(KernelTable& t, std::index_sequence<S...>) {
  (fill_row<V, NB, kTileSteps[S]>(t.f[NB - 1][S], std::make_integer_sequence<int, kSlots>{}), ...);
}

template <class V, int NB>
constexpr void fill_nb(KernelTable& t) {
  if constexpr (NB <= kMaxNb) {
    fill_steps<V, NB>(t, std::make_index_sequence<std::size(kTileSteps)>{});
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
  const int step = tile_step_index(xs);
  if (step < 0 || nb < 1 || nb > kMaxNb || rows < 1 || rows > kMaxRows || cols < 1 || cols > kMaxCols) return nullptr;
  return kTable.f[nb - 1][step][(rows - 1) * kMaxCols + (cols - 1)];
}

// The pixel kernels: every (s, oc, rows) whose R*OC*S accumulators, OC
// weights and input vector fit the registers. (No spill in GCC 12's output
// since the epilogue is fully unrolled: a runtime loop among the
// accumulators made it keep some in memory for the whole tile.)
constexpr int pixel_rows(int s, int oc) {
  const int rows = (kVectorRegisters - oc - 1) / (oc * s);
  return rows < kMaxPixelRows ? rows : kMaxPixelRows;
}
struct PixelTable {
  TileFn f[kMaxPixelPhases][kMaxPixelOc][kMaxPixelRows];
};
template <class V, int S, int OC, int... I>
constexpr void fill_pixel_row(TileFn* row, std::integer_sequence<int, I...>) {
  ((row[I] = (I + 1 <= pixel_rows(S, OC) ? &pixel_kernel<V, OC, (I + 1 <= pixel_rows(S, OC) ? I + 1 : 1), S>
                                         : nullptr)),
   ...);
}
template <class V, int S, int... OC>
constexpr void fill_pixel_phase(PixelTable& t, std::integer_sequence<int, OC...>) {
  (fill_pixel_row<V, S, OC + 1>(t.f[S - 1][OC], std::make_integer_sequence<int, kMaxPixelRows>{}), ...);
}
template <class V>
constexpr PixelTable make_pixel_table() {
  static_assert(kMaxPixelPhases == 2, "one fill_pixel_phase line below per column-phase count");
  PixelTable t{};
  fill_pixel_phase<V, 1>(t, std::make_integer_sequence<int, kMaxPixelOc>{});
  fill_pixel_phase<V, 2>(t, std::make_integer_sequence<int, kMaxPixelOc>{});
  return t;
}
constexpr PixelTable kPixelTable = make_pixel_table<Vec>();

TileFn pixel_lookup(int s, int oc, int rows) {
  if (s < 1 || s > kMaxPixelPhases || oc < 1 || oc > kMaxPixelOc || rows < 1 || rows > kMaxPixelRows) return nullptr;
  return kPixelTable.f[s - 1][oc - 1][rows - 1];
}

// The phase-row kernels, for S = 2, 4, 8: two input rows per tile where the
// accumulators of at least one channel fit (R*OC*S + R inputs + 1 weight,
// with room for addresses), else one; channels per block as many as then
// fit, up to 8 (AVX-512: 6, 3, 1 for S = 2, 4, 8).
constexpr int row_rows(int s) { return (kVectorRegisters - 7) / (2 * s) >= 1 ? 2 : 1; }
constexpr int row_oc(int s) {
  const int oc = (kVectorRegisters - 5 - row_rows(s)) / (row_rows(s) * s);
  return oc < kMaxRowOc ? oc : kMaxRowOc;
}
struct RowTable {
  TileFn f[3][kMaxRowOc][2];  // [log2 S - 1][oc - 1][rows - 1]
};
template <class V, int S, int R, int... I>
constexpr void fill_row_kernels(RowTable& t, int level, std::integer_sequence<int, I...>) {
  ((t.f[level][I][R - 1] = (I + 1 <= row_oc(S) && R <= row_rows(S)
                                ? &row_kernel<V, S, (I + 1 <= row_oc(S) ? I + 1 : 1), R>
                                : nullptr)),
   ...);
}
template <class V>
constexpr RowTable make_row_table() {
  RowTable t{};
  using Seq = std::make_integer_sequence<int, kMaxRowOc>;
  fill_row_kernels<V, 2, 1>(t, 0, Seq{}), fill_row_kernels<V, 2, 2>(t, 0, Seq{});
  fill_row_kernels<V, 4, 1>(t, 1, Seq{}), fill_row_kernels<V, 4, 2>(t, 1, Seq{});
  fill_row_kernels<V, 8, 1>(t, 2, Seq{}), fill_row_kernels<V, 8, 2>(t, 2, Seq{});
  return t;
}
constexpr RowTable kRowTable = make_row_table<Vec>();

TileFn row_lookup(int s, int oc, int rows) {
  const int level = phase_row_level(s);
  if (level < 0 || oc < 1 || oc > kMaxRowOc || rows < 1 || rows > 2) return nullptr;
  return kRowTable.f[level][oc - 1][rows - 1];
}

// The phase-row kernels with channels in the vector (row_channel_kernel):
// for S = 2, 4, 8, tiles of 1 .. VL/S input pixels (at least 1), so that a
// whole tile's S*C output floats per channel are one vector where VL allows.
constexpr int row_channel_cols(int s) { return Vec::VL / s >= 1 ? Vec::VL / s : 1; }
struct RowChannelTable {
  TileFn f[3][kMaxRowChannelCols];  // [log2 S - 1][cols - 1]
};
template <class V, int S, int... I>
constexpr void fill_row_channel_kernels(RowChannelTable& t, int level, std::integer_sequence<int, I...>) {
  ((t.f[level][I] = I + 1 <= row_channel_cols(S)
                        ? &row_channel_kernel<V, S, (I + 1 <= row_channel_cols(S) ? I + 1 : 1)>
                        : nullptr),
   ...);
}
template <class V>
constexpr RowChannelTable make_row_channel_table() {
  static_assert(row_channel_cols(2) <= kMaxRowChannelCols, "kMaxRowChannelCols too small for this ISA");
  RowChannelTable t{};
  using Seq = std::make_integer_sequence<int, kMaxRowChannelCols>;
  fill_row_channel_kernels<V, 2>(t, 0, Seq{});
  fill_row_channel_kernels<V, 4>(t, 1, Seq{});
  fill_row_channel_kernels<V, 8>(t, 2, Seq{});
  return t;
}
constexpr RowChannelTable kRowChannelTable = make_row_channel_table<Vec>();

TileFn row_channel_lookup(int s, int cols) {
  const int level = phase_row_level(s);
  if (level < 0 || cols < 1 || cols > kMaxRowChannelCols) return nullptr;
  return kRowChannelTable.f[level][cols - 1];
}

// The weight-gradient kernels: two vectors per panel row (NEON's 4-float
// vectors: four), and as many rows as the accumulators leave registers for,
// up to kMaxGemmMr (AVX-512: 8 x 32, AVX2: 6 x 16, NEON: 6 x 16).
constexpr int kGemmNv = Vec::VL >= 8 ? 2 : 4;
constexpr int kGemmMr = (kVectorRegisters - kGemmNv - 1) / kGemmNv < kMaxGemmMr
                            ? (kVectorRegisters - kGemmNv - 1) / kGemmNv
                            : kMaxGemmMr;
// A layer's last panel may take one vector more where the registers hold
// it at the same rows (AVX-512: 8 x 48), so that no panel is one vector
// wide: with one B vector per row a k step issues MR + 1 loads for MR
// FMAs. DCGAN's 128->3 weight gradient (48 columns: 32 + 16) ran its
// 16-column panel at half the 32-column one's rate.
constexpr bool kGemmWiderLast = kGemmMr * (kGemmNv + 1) + kGemmNv + 2 <= kVectorRegisters &&
                                kGemmNv + 1 <= kMaxGemmNv && (kGemmNv + 1) * Vec::VL <= kMaxGemmColumns;
constexpr int kGemmLastNv = kGemmWiderLast ? kGemmNv + 1 : kGemmNv;
template <int NV, int... I>
constexpr std::array<GemmFn, kMaxGemmMr> make_gemm_row(std::integer_sequence<int, I...>) {
  return {{(I + 1 <= kGemmMr ? &gemm_kernel<Vec, (I + 1 <= kGemmMr ? I + 1 : 1), NV> : nullptr)...}};
}
template <int... NV>
constexpr std::array<std::array<GemmFn, kMaxGemmMr>, kMaxGemmNv> make_gemm_table(std::integer_sequence<int, NV...>) {
  return {{(NV + 1 <= kGemmLastNv ? make_gemm_row<(NV + 1 <= kGemmLastNv ? NV + 1 : 1)>(
                                    std::make_integer_sequence<int, kMaxGemmMr>{})
                              : std::array<GemmFn, kMaxGemmMr>{})...}};
}
constexpr std::array<std::array<GemmFn, kMaxGemmMr>, kMaxGemmNv> kGemmTable =
    make_gemm_table(std::make_integer_sequence<int, kMaxGemmNv>{});

GemmFn gemm_lookup(int mr, int nv) {
  return mr >= 1 && mr <= kGemmMr && nv >= 1 && nv <= kGemmLastNv ? kGemmTable[nv - 1][mr - 1] : nullptr;
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
static_assert(pixel_rows(1, 1) >= 1, "no pixel kernel fits the registers");
static_assert(kGemmMr >= 1, "no weight-gradient kernel fits the registers");
static_assert(kGemmLastNv <= kMaxGemmNv && kGemmLastNv * Vec::VL <= kMaxGemmColumns, "weight-gradient panel too wide");
constexpr TileKernels make_kernels() {
  TileKernels k{kIsa, Vec::VL, kMaxNb, kMaxRows, kMaxCols, {}, &lookup, false, 0, {}, &pixel_lookup, {}, {}, &row_lookup,
                kGemmNv, kGemmMr, kGemmLastNv, &gemm_lookup, &dot_rows, &axpy_rows, &fma_peak_loop,
                &activate_span, &channel_softmax};
  for (int nb = 1; nb <= kMaxNb; ++nb) k.max_pixels[nb] = kMaxPixels[nb];
  k.rows_transposed = kTransposesRows;
  k.two_pass_cols = kTwoPassCols;
  for (int nb = 1; nb <= kMaxNb; ++nb)
    if (!two_pass_fits(nb)) k.two_pass_cols = 0;  // not at every width
  for (int s = 1; s <= kMaxPixelPhases; ++s)
    for (int oc = 1; oc <= kMaxPixelOc; ++oc) k.pixel_max_rows[s - 1][oc] = pixel_rows(s, oc) > 0 ? pixel_rows(s, oc) : 0;
  for (int level = 0; level < 3; ++level) {
    const int s = 2 << level;
    k.row_rows[level] = row_rows(s);
    k.row_max_oc[level] = row_oc(s) > 0 ? row_oc(s) : 0;
    k.row_channel_cols[level] = row_channel_cols(s);
  }
  k.row_channel_lookup = &row_channel_lookup;
  return k;
}
constexpr TileKernels kKernels = make_kernels();
