// Rows of a tile out to NCHW as whole vectors, transposed in registers:
// written once over V and compiled per ISA (included by tile_kernel_impl.h
// and arm/tile-neon.cpp inside each ISA file's anonymous namespace; no
// includes). V provides load, store, store_first, zero and transpose (only
// where this is instantiated: NEON's Vec has no transpose, and its kernels
// never call it).
//
// buf holds R rows of C positions, B floats (channels) per position; a
// position's row in the output is C consecutive floats (a convolution's
// pixels, y_col_step 1; a phase row's s column phases). Each block of VL
// positions x VL channels is transposed and goes out as one vector per
// channel, where the plain loop wrote one float at a time: erfnet's 3->16
// stem (16-pixel rows of one 16-channel vector, 27 products per output):
// 0.57 -> 0.41 ms at 1 thread on AVX-512. n (<= C) of a row's positions
// exist: whole blocks go out whole, the last, partial one through
// V::store_first (the phase-row channel tiles' last vector). The channel
// tiles call it for C a multiple of VL only: there a partial block stays
// with the float-by-float loop (masked stores made DCGAN 128->3's data
// gradient, 10-pixel tiles of 32 channels, 11% slower; overlapping whole
// ones gained nothing: its 4 KB channel planes meet in one L1 set either way).
template <class V, int R, int C, int B>
inline void store_rows_transposed(const float* buf, const TileCall& a, int n = C) {
  using reg = typename V::reg;
  constexpr int VL = V::VL;
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int q0 = 0; q0 < C && q0 < n; q0 += VL)
      for (int c0 = 0; c0 < a.oc_valid; c0 += VL) {
        reg v[VL];
#pragma GCC unroll 16
        for (int i = 0; i < VL; ++i) v[i] = q0 + i < C ? V::load(buf + (r * C + q0 + i) * B + c0) : V::zero();
        V::transpose(v);
        float* y = a.y + c0 * a.y_oc_stride + r * a.y_row_step + q0;
        const int cn = a.oc_valid - c0 < VL ? a.oc_valid - c0 : VL;
        if (n - q0 >= VL) {
          for (int c = 0; c < cn; ++c) V::store(y + c * a.y_oc_stride, v[c]);
        } else {
          for (int c = 0; c < cn; ++c) V::store_first(y + c * a.y_oc_stride, v[c], n - q0);
        }
      }
}
