// The weight gradient of a transposed or (dilated) convolution, as one plan:
//
//   dw[m][(c*k + ky)*k + kx] += sum over images b and pixels (u, v) of a of
//       a[b][m][u][v] * src[b][c][step*u + dilation*ky - offset][step*v + dilation*kx - offset]
//
// (src read as 0 outside its planes). Transposed convolution: a = x, src =
// dy, step = stride, dilation 1, offset = pad, dw = [in_c][out_c][k][k].
// Convolution: a = dy, src = x, offset = the applied pad, dw = [out_c][in_c][k][k].
//
// It is a GEMM with the pixels as K and dw's contiguous (c, ky, kx) as N,
// run as a PanelGemm (panel_gemm.h): A = a as given (a row of an image is
// one plane; K runs across the images), B gathered
// from src panel by panel, one K block at a time, in runs of consecutive kx
// that are consecutive floats of a src row; each tile adds its block of dw
// once per K block. No column buffer of the whole K, no per-tap results.
//
// Zero products: only where a tap falls in src's padding (the gather writes
// 0 there); a stride-s transposed convolution's inserted zeros never appear,
// because K runs over the input's pixels, not the output's.
//
// Where the panel gather would dominate (few channels of a; 1x1 and 2x2
// kernels: runs of one or two floats), the plan runs as lane tiles instead
// (lane_correlation.h: LaneCorrelation::applies), which read src in place;
// else, at steps 1 and 2 with many pixels per channel of a, as per-tap
// GEMMs that read src in place and skip the padding (tap_correlation.h).
#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "planning/panel_gemm.h"

namespace huge2 {

class LaneCorrelation;
class TapCorrelation;

struct CorrelationProblem {
  int batch = 1;
  int m = 0, h = 0, w = 0;          // a: m planes of h x w per image
  int c = 0, src_h = 0, src_w = 0;  // src: c planes per image
  int ksize = 1, step = 1, dilation = 1, offset = 0;
};

class CorrelationPlan {
 public:
  // threads: at most this many run (fewer when the work is small).
  CorrelationPlan(const CorrelationProblem& problem, int threads, Isa isa);
  ~CorrelationPlan();

  size_t workspace_floats() const;
  // e.g. "packed GEMM avx512f 8x32 tiles, 1 K block of 256, 2 threads"
  std::string describe() const;
  // dw += the gradient (see above); `ws` holds workspace_floats().
  void run(const float* a, const float* src, float* dw, float* ws, ThreadPool* pool) const;

 private:
  CorrelationProblem p_;
  PanelGemm gemm_;
  int threads_;
  std::unique_ptr<LaneCorrelation> lanes_;  // when it applies: runs instead of gemm_
  std::unique_ptr<TapCorrelation> taps_;    // else when it applies: runs instead of gemm_
};

}  // namespace huge2
