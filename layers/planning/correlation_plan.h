// The weight gradient of a transposed or (dilated) convolution, as one plan:
//
//   dw[m][(c*k + ky)*k + kx] += sum over images b and pixels (u, v) of a of
//       a[b][m][u][v] * src[b][c][step*u + dilation*ky - offset][step*v + dilation*kx - offset]
//
// (src read as 0 outside its planes). Transposed convolution: a = x, src =
// dy, step = stride, dilation 1, offset = pad, dw = [in_c][out_c][k][k].
// Convolution: a = dy, src = x, offset = the applied pad, dw = [out_c][in_c][k][k].
//
// It is a GEMM with the pixels as K, run on gemm_kernel_impl.h's tiles. Per
// call A is packed once (O(a)); per K block B is gathered from src into
// panels of NR columns (the block's only copy of src: no column buffer of
// the whole K, no per-tap results), in runs of consecutive kx that are
// consecutive floats of a src row. Then each thread sweeps its row blocks
// of dw along whole runs of panels (a group that fits L2), so dw is read
// and written row by row, in whole lines, once per K block.
//
// Zero products: only where a tap falls in src's padding (the gather writes
// 0 there); a stride-s transposed convolution's inserted zeros never appear,
// because K runs over the input's pixels, not the output's.
#pragma once
#include <cstddef>
#include <string>

#include "runtime/isa.h"
#include "runtime/thread_pool.h"
#include "ukernels/tile_kernel.h"

namespace huge2 {

struct CorrelationProblem {
  int batch = 1;
  int m = 0, h = 0, w = 0;          // a: m planes of h x w per image
  int c = 0, src_h = 0, src_w = 0;  // src: c planes per image
  int ksize = 1, step = 1, dilation = 1, offset = 0;
};

class CorrelationPlan {
 public:
  // threads: how many threads run() is planned for.
  CorrelationPlan(const CorrelationProblem& problem, int threads, Isa isa);

  size_t workspace_floats() const;
  // e.g. "packed GEMM avx512f, 8x32 tiles, 1 K block of 256, 2 threads"
  std::string describe() const;
  // dw += the gradient (see above); `ws` holds workspace_floats().
  void run(const float* a, const float* src, float* dw, float* ws, ThreadPool* pool) const;

 private:
  void pack_a(const float* a, float* packed, int block) const;
  void pack_panel(const float* src, int pn, long k0, int kc, float* panel) const;
  // Panel pn's width: NR, or the last panel's columns rounded up to whole vectors.
  int panel_columns(int pn) const {
    const int vl = kernels_->vl, cols = n_ - pn * nr_;
    return cols >= nr_ ? nr_ : (cols + vl - 1) / vl * vl;
  }
  size_t packed_a_floats() const { return size_t(m_blocks_) * mr_ * k_total_; }

  CorrelationProblem p_;
  const TileKernels* kernels_;
  Isa isa_;
  int threads_;
  int mr_, nr_;          // tile rows, panel columns
  int n_;                // columns of dw: c * k * k
  int panels_, m_blocks_;
  long k_total_;         // batch * h * w
  int kc_, k_blocks_;    // K block length (the last may be shorter) and count
  int groups_;           // panels split into this many groups (a group's K block of B fits L2)
};

}  // namespace huge2
