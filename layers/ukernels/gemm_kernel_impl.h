// The weight-gradient micro-kernel, written once over a vector type V and
// compiled per ISA like tile_kernel_impl.h (included by tile_table_impl.h
// inside each ISA file's anonymous namespace; no includes).
//
// A weight gradient is a GEMM whose K is the pixels: dw[m][n] += sum_k
// a[m][k] * b[n][k], n = (channel, ky, kx) contiguous in Darknet's weight
// layout. The vector runs along n, so a tile's result is MR contiguous rows
// of NR floats of dw: each dw float is read and written once per K block,
// not once per tap (the per-tap GEMMs this replaces wrote every tap's result
// apart and summed them afterwards).
//
// A whole tile's accumulators start as its block of dw, loaded before the
// FMAs, not added after them: dw is megabytes (8 MB for DCGAN's 512->256)
// and comes from L3, and loads at the end of a tile wait for it with nothing
// left to overlap; at the start, each accumulator's first FMA waits while
// the others' chains and the previous tile's tail run. K = 64 (that layer
// at batch 1): 1.16 -> 1.10 ms; K = 16 (1024->512): 1.60 -> 1.46 ms.
//
// Per k: NV vector loads of the B panel and MR broadcasts of A feed MR*NV
// FMAs. Register budget: MR*NV accumulators + NV panel vectors + 1. A comes
// packed ([k][MR], one stream at constant offsets) or as given (MR rows lda
// apart, read in place: no copy of a large A per call; also in row segments
// at a stride, GemmCall::a_step, for the per-tap weight gradient). The K loop is
// written once and compiled for each (kRows below): one loop over a runtime
// row stride would address even packed A through computed offsets.
// A panel narrower than its NV vectors (the last of a layer whose columns
// are not whole panels) sums from zero and adds its columns at the end.

// The K loop: kRows, A as given (row r's k-th value at a[r * lda + k]),
// else packed. Always inlined: passed to a call, the accumulators would go
// through memory.
template <class V, int MR, int NV, bool kRows>
__attribute__((always_inline)) inline void gemm_sums(typename V::reg (&acc)[MR][NV], const float* a, const float* b,
                                                     const GemmCall& g, ptrdiff_t a_step = 1) {
  using reg = typename V::reg;
  constexpr int VL = V::VL;
  for (int k = 0; k < g.kc; ++k, a += kRows ? a_step : MR, b += g.ldb) {
    reg bv[NV];
#pragma GCC unroll 4
    for (int n = 0; n < NV; ++n) bv[n] = V::load(b + n * VL);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const reg x = V::bcast(a + (kRows ? r * g.lda : r));
#pragma GCC unroll 4
      for (int n = 0; n < NV; ++n) acc[r][n] = V::fma(x, bv[n], acc[r][n]);
    }
  }
}

template <class V, int MR, int NV>
void gemm_kernel(const GemmCall& g) {
  using reg = typename V::reg;
  constexpr int VL = V::VL, NR = NV * VL;
  reg acc[MR][NV];
  const bool whole = g.cols == NR;
  if (whole) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int n = 0; n < NV; ++n) acc[r][n] = V::load(g.c + r * g.ldc + n * VL);
  } else {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int n = 0; n < NV; ++n) acc[r][n] = V::zero();
  }
  // K in row segments (A as given only) apart from the one-segment calls:
  // one loop around both cost the packed GEMM's short-K tiles 8-13%
  // (DCGAN's 1024->512 weight gradient, K = 16: 1.53 -> 1.76 ms).
  // Step 1 apart from the others, so that its loop steps A by a constant
  // (NEON's otherwise executed 2.8% more instructions on a d8 layer).
  if (g.a_step == 1) {
    for (int i = 0; i < g.k_rows; ++i)
      gemm_sums<V, MR, NV, true>(acc, g.a + i * g.a_row_step, g.b + i * g.b_row_step, g);
  } else if (g.a_step) {
    for (int i = 0; i < g.k_rows; ++i)
      gemm_sums<V, MR, NV, true>(acc, g.a + i * g.a_row_step, g.b + i * g.b_row_step, g, g.a_step);
  } else if (g.lda) {
    gemm_sums<V, MR, NV, true>(acc, g.a, g.b, g);
  } else {
    gemm_sums<V, MR, NV, false>(acc, g.a, g.b, g);
  }
  if (whole) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int n = 0; n < NV; ++n) V::store(g.c + r * g.ldc + n * VL, acc[r][n]);
    return;
  }
  alignas(64) float t[NR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int n = 0; n < NV; ++n) V::store(t + n * VL, acc[r][n]);
    float* c = g.c + r * g.ldc;
    for (int j = 0; j < g.cols; ++j) c[j] += t[j];
  }
}
