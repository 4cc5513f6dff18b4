// TileCall::accumulate for the channel kernels, written once over V and
// compiled per ISA (included by tile_kernel_impl.h and arm/tile-neon.cpp
// inside each ISA file's anonymous namespace; no includes).
//
// accumulate: y = epilogue(y + sums). With an epilogue (the last chunk of a
// split K) the sums start from y; without one (the earlier chunks, a weight
// gradient's dw +=) they are added to y on the way out, which reads and
// writes each value once (seeding cost the lane tiles' short sums a second
// pass).

// True when the tile's sums start from y rather than being added to it.
inline bool seeds_from_output(const TileCall& a) {
  return a.accumulate && (a.scale || a.shift || a.act != Activation::linear);
}

// The accumulators of an R x C tile of NB vectors: the partial sums of the
// chunks before (TileCall::partial_in), y's values (padding lanes 0) when
// seeds_from_output, else 0.
template <class V, int NB, int R, int C>
inline void start_accumulators(typename V::reg (*acc)[NB], const TileCall& a) {
  constexpr int M = R * C, B = NB * V::VL;
  if (a.partial_in) {  // a later chunk: the sums so far
#pragma GCC unroll 64
    for (int p = 0; p < M; ++p)
#pragma GCC unroll 8
      for (int n = 0; n < NB; ++n) acc[p][n] = V::load(a.partial + p * B + n * V::VL);
  } else if (seeds_from_output(a)) {
    alignas(64) float start[M * B];
    if (a.oc_valid < B)
      for (int i = 0; i < M * B; ++i) start[i] = 0.f;
    for (int c = 0; c < a.oc_valid; ++c) {
      const float* yc = a.y + c * a.y_oc_stride;
      for (int r = 0; r < R; ++r)
        for (int q = 0; q < C; ++q) start[(r * C + q) * B + c] = yc[r * a.y_row_step + q * a.y_col_step];
    }
#pragma GCC unroll 64
    for (int p = 0; p < M; ++p)
#pragma GCC unroll 8
      for (int n = 0; n < NB; ++n) acc[p][n] = V::load(start + p * B + n * V::VL);
  } else {
#pragma GCC unroll 64
    for (int p = 0; p < M; ++p)
#pragma GCC unroll 8
      for (int n = 0; n < NB; ++n) acc[p][n] = V::zero();
  }
}

// Not the last chunk (TileCall::partial_out): the sums back to a.partial.
template <class V, int NB, int M>
inline void store_partial(typename V::reg (*acc)[NB], const TileCall& a) {
  constexpr int B = NB * V::VL;
#pragma GCC unroll 64
  for (int p = 0; p < M; ++p)
#pragma GCC unroll 8
    for (int n = 0; n < NB; ++n) V::store(a.partial + p * B + n * V::VL, acc[p][n]);
}
