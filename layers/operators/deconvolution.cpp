#include "operators/deconvolution.h"

#include <algorithm>

#include "stock/columns.h"
#include "stock/gemm.h"
#include "core/phase_geometry.h"
#include "planning/direct_plan.h"
#include "planning/window_gemv.h"
#include "reference/reference.h"

namespace huge2 {

// Output row oy = oy0 + s*u takes kernel rows ky = r, r+s, ... (r = (oy0+p) mod s)
// from input rows iy = (oy + p - ky)/s = (oy0 + p - ky)/s + u: a dense
// correlation of the original input per phase (docs/method.md, "Splitting the
// output into stride phases").
DirectProblem deconv_phases(const DeconvShape& s) {
  DirectProblem p;
  p.batch = s.batch, p.in_c = s.in_c, p.in_h = s.in_h, p.in_w = s.in_w;
  p.out_c = s.out_c, p.out_h = s.out_h(), p.out_w = s.out_w();
  p.sy = p.sx = s.stride;
  // The geometry per axis: phase_geometry.h (shared with the CUDA backend).
  const int k = s.ksize;
  for (int oy0 = 0; oy0 < std::min(s.stride, p.out_h); ++oy0)
    for (int ox0 = 0; ox0 < std::min(s.stride, p.out_w); ++ox0) {
      const TransposedAxisPhase ry = transposed_phase_at_output(p.out_h, k, s.stride, s.pad, oy0);
      const TransposedAxisPhase rx = transposed_phase_at_output(p.out_w, k, s.stride, s.pad, ox0);
      DirectPhase q;
      q.oy0 = oy0, q.ox0 = ox0;
      q.rows = ry.count, q.cols = rx.count;
      for (int j = 0; j < ry.taps; ++j)
        for (int i = 0; i < rx.taps; ++i) {
          q.tap_y.push_back(ry.input(0, j));
          q.tap_x.push_back(rx.input(0, i));
          q.tap_entry.push_back(ry.tap(j) * k + rx.tap(i));
        }
      p.phases.push_back(std::move(q));
    }
  return p;
}

const char* operator_name(const DeconvShape&) { return "transposed convolution"; }

// Every huge2 transposed convolution runs the direct kernels (few output
// channels, an RGB output layer, take the pixel tiles, which replaced the
// stock column method huge2 kept for them before), but one of a single
// padless input pixel: a matrix-vector product on the weights as given
// (runs_window_gemv(); as fast, and a training step repacks nothing).
bool runs_direct_kernels(const DeconvShape& s, Algorithm algo) {
  return algo == Algorithm::huge2 && !WindowGemv::applies(s);
}

bool Deconvolution::runs_window_gemv() const { return algo_ == Algorithm::huge2 && WindowGemv::applies(shape_); }

DirectProblem direct_problem(const DeconvShape& s) { return deconv_phases(s); }

size_t darknet_weight_index(const DeconvShape& s, int ic, int n, int e) {
  return (size_t(ic) * s.out_c + n) * s.ksize * s.ksize + e;
}

WeightView darknet_weights(const DeconvShape& s, const float* w) {
  const ptrdiff_t kk = ptrdiff_t(s.ksize) * s.ksize;
  return {w, s.out_c * kk, kk, 1};
}

std::string Deconvolution::method() const {
  if (direct_) return direct_->describe();
  if (algo_ == Algorithm::reference) return "naive definition";
  if (runs_window_gemv()) return WindowGemv(shape_, isa_).describe();
  return "stock GEMM + col2im";
}

size_t Deconvolution::workspace_bytes() const {
  if (direct_) return direct_->workspace_bytes();
  return algo_ == Algorithm::reference || runs_window_gemv() ? 0 : column_bytes();
}

void Deconvolution::forward(const float* x, float* y, float* ws, size_t ws_bytes, ThreadPool* pool) const {
  if (forward_direct(x, y, ws, ws_bytes, workspace_bytes(), pool)) return;
  const DeconvShape& s = shape_;
  if (algo_ == Algorithm::reference) {
    deconv_reference(s, x, given_weights(), y);
  } else if (runs_window_gemv()) {
    WindowGemv(s, isa_).rows_sum(x, given_weights(), y, pool);
  } else {
    // Stock: col = W^T * X, a (out_c*k*k) x (h*w) buffer, then scatter-add.
    const int m = s.out_c * s.ksize * s.ksize, n = s.in_h * s.in_w;
    const size_t in_img = size_t(s.in_c) * n, out_img = size_t(s.out_c) * s.out_h() * s.out_w();
    for (int b = 0; b < s.batch; ++b) {
      sgemm(true, false, m, n, s.in_c, 1.f, given_weights(), m, x + b * in_img, n, 0.f, ws, n);
      std::fill(y + b * out_img, y + (b + 1) * out_img, 0.f);
      col2im_add(s, ws, y + b * out_img);
    }
  }
  apply_epilogue(y, pool);
}

size_t Deconvolution::column_bytes() const {
  const DeconvShape& s = shape_;
  return sizeof(float) * size_t(s.out_c) * s.ksize * s.ksize * s.in_h * s.in_w;
}

}  // namespace huge2
