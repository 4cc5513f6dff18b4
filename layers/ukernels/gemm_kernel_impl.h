// The weight-gradient micro-kernel, written once over a vector type V and
// compiled per ISA like tile_kernel_impl.h (included by tile_table_impl.h
// inside each ISA file's anonymous namespace; no includes).
//
// A weight gradient is a GEMM whose K is the pixels: dw[m][n] += sum_k
// a[m][k] * b[n][k], n = (channel, ky, kx) contiguous in Darknet's weight
// layout. The vector runs along n, so a tile's result is MR contiguous rows
// of NR floats of dw, added to it once after the whole kc: each dw float is
// read and written once per K block, not once per tap (the per-tap GEMMs
// this replaces wrote every tap's result apart and summed them afterwards).
//
// Per k: NV vector loads of the B panel and MR broadcasts of packed A feed
// MR*NV FMAs. Register budget: MR*NV accumulators + NV panel vectors + 1.
// A panel narrower than the ISA's widest (the last of a layer with 48
// columns: 32 + 16) runs with fewer vectors, not on zero columns.

template <class V, int MR, int NV>
void gemm_kernel(const GemmCall& g) {
  using reg = typename V::reg;
  constexpr int VL = V::VL, NR = NV * VL;
  reg acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int n = 0; n < NV; ++n) acc[r][n] = V::zero();
  const float* a = g.a;
  const float* b = g.b;
  for (int k = 0; k < g.kc; ++k, a += MR, b += g.ldb) {
    reg bv[NV];
#pragma GCC unroll 4
    for (int n = 0; n < NV; ++n) bv[n] = V::load(b + n * VL);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const reg x = V::bcast(a + r);
#pragma GCC unroll 4
      for (int n = 0; n < NV; ++n) acc[r][n] = V::fma(x, bv[n], acc[r][n]);
    }
  }
  // c += acc, as one fused multiply-add by 1 (exact: the same as an add).
  const reg one = V::set1(1.f);
  if (g.cols == NR) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int n = 0; n < NV; ++n) {
        float* c = g.c + r * g.ldc + n * VL;
        V::store(c, V::fma(one, V::load(c), acc[r][n]));
      }
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
