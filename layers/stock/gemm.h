// The one SGEMM every algorithm shares (OpenBLAS through CBLAS), so that
// speed differences between algorithms are the algorithms', not the BLAS's.
#pragma once

namespace huge2 {

// Row-major C[M x N] = alpha * op(A) * op(B) + beta * C.
void sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc);

// Threads used by the BLAS and by the library's own OpenMP loops.
void set_num_threads(int n);
int num_threads();

}  // namespace huge2
