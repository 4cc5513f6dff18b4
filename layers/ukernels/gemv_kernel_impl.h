// The matrix-vector micro-kernels, written once over a vector type V and
// compiled per ISA like gemm_kernel_impl.h (included by tile_table_impl.h
// inside each ISA file's anonymous namespace; no includes). They serve the
// convolutions whose one window is the whole input (planning/window_gemv.h),
// on the weights in Darknet's own layout, read once and never packed:
//
//   dot_rows:  y[r]  = sum_{k < n} a[r*lda + k] * x[k]        r < rows
//   axpy_rows: y[j] += sum_{r < rows} v[r] * a[r*lda + j]     j < n
//
// dot_rows walks kDotRows rows side by side (that many read streams, one
// load of x for all of them); axpy_rows adds kAxpyRows rows at a time into
// y, which stays in L1/L2 (a few KB) while the rows stream through once.

constexpr int kDotRows = 4, kAxpyRows = 8;

template <class V, int R>
void dot_block(const float* a, ptrdiff_t lda, const float* x, long n, float* y) {
  using reg = typename V::reg;
  constexpr int VL = V::VL;
  reg acc[R][2];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = V::zero();
  long k = 0;
  for (; k + 2 * VL <= n; k += 2 * VL) {
    const reg x0 = V::load(x + k), x1 = V::load(x + k + VL);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      acc[r][0] = V::fma(V::load(a + r * lda + k), x0, acc[r][0]);
      acc[r][1] = V::fma(V::load(a + r * lda + k + VL), x1, acc[r][1]);
    }
  }
  for (; k + VL <= n; k += VL) {
    const reg x0 = V::load(x + k);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) acc[r][0] = V::fma(V::load(a + r * lda + k), x0, acc[r][0]);
  }
  const reg one = V::set1(1.f);
  alignas(64) float t[VL];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    V::store(t, V::fma(one, acc[r][0], acc[r][1]));
    float s = 0;
    for (int l = 0; l < VL; ++l) s += t[l];
    for (long q = k; q < n; ++q) s += a[r * lda + q] * x[q];
    y[r] = s;
  }
}

void dot_rows(const float* a, ptrdiff_t lda, const float* x, long n, float* y, int rows) {
  int r = 0;
  for (; r + kDotRows <= rows; r += kDotRows) dot_block<Vec, kDotRows>(a + r * lda, lda, x, n, y + r);
  for (; r < rows; ++r) dot_block<Vec, 1>(a + r * lda, lda, x, n, y + r);
}

template <class V, int R>
void axpy_block(const float* a, ptrdiff_t lda, const float* v, float* y, long n) {
  using reg = typename V::reg;
  constexpr int VL = V::VL;
  reg vb[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) vb[r] = V::bcast(v + r);
  // Four vectors of y at a time: each is a chain of R dependent FMAs, so
  // four chains keep the FMA units busy (two left them waiting on latency:
  // the 100 -> 1024 latent projection ran at half the speed of its weight
  // stream).
  long j = 0;
  for (; j + 4 * VL <= n; j += 4 * VL) {
    reg y0 = V::load(y + j), y1 = V::load(y + j + VL), y2 = V::load(y + j + 2 * VL), y3 = V::load(y + j + 3 * VL);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const float* ar = a + r * lda + j;
      y0 = V::fma(vb[r], V::load(ar), y0);
      y1 = V::fma(vb[r], V::load(ar + VL), y1);
      y2 = V::fma(vb[r], V::load(ar + 2 * VL), y2);
      y3 = V::fma(vb[r], V::load(ar + 3 * VL), y3);
    }
    V::store(y + j, y0), V::store(y + j + VL, y1), V::store(y + j + 2 * VL, y2), V::store(y + j + 3 * VL, y3);
  }
  for (; j + VL <= n; j += VL) {
    reg y0 = V::load(y + j);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) y0 = V::fma(vb[r], V::load(a + r * lda + j), y0);
    V::store(y + j, y0);
  }
  for (; j < n; ++j) {
    float s = y[j];
    for (int r = 0; r < R; ++r) s += v[r] * a[r * lda + j];
    y[j] = s;
  }
}

void axpy_rows(const float* a, ptrdiff_t lda, const float* v, int rows, float* y, long n) {
  int r = 0;
  for (; r + kAxpyRows <= rows; r += kAxpyRows) axpy_block<Vec, kAxpyRows>(a + r * lda, lda, v + r, y, n);
  for (; r < rows; ++r) axpy_block<Vec, 1>(a + r * lda, lda, v + r, y, n);
}
