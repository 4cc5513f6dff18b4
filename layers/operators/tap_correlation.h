// The weight gradient of one kernel tap, for both operators' huge2 backward:
// a GEMM over exactly the pixels where that tap pairs an in-bounds value of
// one tensor with an in-bounds value of the other. Summed over the taps this
// is every product of the forward pass once, no zero products and no
// k*k-times column buffer (the workspace holds one image's two windows).
#pragma once
#include <cstddef>

#include "runtime/thread_pool.h"

namespace huge2 {

// c planes of h x w per image, `batch` images back to back.
struct PlaneStack {
  const float* data;
  int c, h, w;
};

// Floats of workspace correlate_tap() needs for these two tensors (its
// result excluded).
size_t tap_correlation_floats(const PlaneStack& a, const PlaneStack& b);

// dw[m*taps + e] += per_tap[e*m_count + m] for every m < m_count and tap e:
// the taps' results, each a.c x b.c and written contiguously by
// correlate_tap, added into Darknet's [a.c][b.c][k*k] weight layout in one
// sequential pass over dw (adding each tap's result with stride k*k as it
// came touched a new cache line per float, k*k times over: the 1024->512
// DCGAN layer's weight gradient spent ~3/4 of its time there).
void add_taps(const float* per_tap, int taps, size_t m_count, float* dw, ThreadPool* pool);

// out[i][j] (a.c x b.c, overwritten) = sum over the batch and the pixels
// (u, v) of `a` whose partner (b0y + step*u, b0x + step*v) lies inside `b` of
// a[i][u][v] * b[j][b0y + step*u][b0x + step*v].
// The gathers run on the calling thread and the GEMMs on OpenBLAS's OpenMP
// threads: a caller with a pool parks it first.
void correlate_tap(const PlaneStack& a, const PlaneStack& b, int batch, int b0y, int b0x, int step, float* out,
                   float* workspace);

}  // namespace huge2
