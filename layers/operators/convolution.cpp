#include "operators/convolution.h"

#include <algorithm>

#include "stock/columns.h"
#include "stock/gemm.h"
#include "core/phase_geometry.h"
#include "planning/conv_gemm.h"
#include "planning/direct_plan.h"
#include "planning/window_gemv.h"
#include "ukernels/tile_kernel.h"
#include "reference/reference.h"

namespace huge2 {

// The d*d dilation sub-images of docs/method.md are the residue classes of this
// one problem's pixels; a direct kernel reads their taps in place, so they
// are never gathered.
DirectProblem conv_problem(const ConvShape& s) {
  DirectProblem p;
  p.batch = s.batch, p.in_c = s.in_c, p.in_h = s.in_h, p.in_w = s.in_w;
  p.out_c = s.out_c, p.out_h = s.out_h(), p.out_w = s.out_w();
  p.ystep = p.xstep = s.stride;
  DirectPhase q;
  q.rows = p.out_h, q.cols = p.out_w;
  const int P = s.applied_pad(), d = s.dilation;
  for (int ky = 0; ky < s.ksize; ++ky)
    for (int kx = 0; kx < s.ksize; ++kx) {
      q.tap_y.push_back(dilated_input(0, ky, s.stride, d, P));
      q.tap_x.push_back(dilated_input(0, kx, s.stride, d, P));
      q.tap_entry.push_back(ky * s.ksize + kx);
    }
  p.phases.push_back(std::move(q));
  return p;
}

const char* operator_name(const ConvShape&) { return "convolution"; }

// One window over the whole input: a matrix-vector product on the weights
// as given (runs_window_gemv()); else strides 5, 6, 7 and beyond 8 (no
// tile kernels of that input step), one GEMM over im2col panels
// (runs_panel_gemm()).
bool runs_direct_kernels(const ConvShape& s, Algorithm algo) {
  return algo == Algorithm::huge2 && tile_input_step_supported(s.stride) && !WindowGemv::applies(s);
}

DirectProblem direct_problem(const ConvShape& s) { return conv_problem(s); }

size_t darknet_weight_index(const ConvShape& s, int ic, int n, int e) {
  return (size_t(n) * s.in_c + ic) * s.ksize * s.ksize + e;
}

WeightView darknet_weights(const ConvShape& s, const float* w) {
  const ptrdiff_t kk = ptrdiff_t(s.ksize) * s.ksize;
  return {w, kk, s.in_c * kk, 1};
}

bool Convolution::runs_window_gemv() const { return algo_ == Algorithm::huge2 && WindowGemv::applies(shape_); }

std::string Convolution::method() const {
  if (direct_) return direct_->describe();
  if (algo_ == Algorithm::reference) return "naive definition";
  if (runs_window_gemv()) return WindowGemv(shape_, isa_).describe();
  if (runs_panel_gemm())
    return ConvGemm(shape_, isa_, threads_).describe() + " (stride " + std::to_string(shape_.stride) + ")";
  return "stock im2col + GEMM";
}

size_t Convolution::workspace_bytes() const {
  const ConvShape& s = shape_;
  if (direct_) return direct_->workspace_bytes();
  if (algo_ == Algorithm::reference || runs_window_gemv()) return 0;
  if (runs_panel_gemm()) return sizeof(float) * ConvGemm(s, isa_, threads_).workspace_floats();
  if (s.ksize == 1 && s.stride == 1 && s.pad == 0) return 0;  // the input is its own column matrix
  return sizeof(float) * size_t(s.in_c) * s.ksize * s.ksize * s.out_h() * s.out_w();
}

void Convolution::forward(const float* x, float* y, float* ws, size_t ws_bytes, ThreadPool* pool) const {
  const size_t need = workspace_bytes();
  if (forward_direct(x, y, ws, ws_bytes, need, pool)) return;
  const ConvShape& s = shape_;
  if (algo_ == Algorithm::reference) {
    conv_reference(s, x, given_weights(), y);
  } else if (runs_window_gemv()) {
    WindowGemv(s, isa_).rows_dot(x, given_weights(), y, pool);
  } else if (runs_panel_gemm()) {
    ConvGemm(s, isa_, threads_).run(x, given_weights(), y, ws, pool);
  } else {
    const int m = s.out_c, n = s.out_h() * s.out_w(), kk = s.in_c * s.ksize * s.ksize;
    const size_t in_img = size_t(s.in_c) * s.in_h * s.in_w, out_img = size_t(m) * n;
    for (int b = 0; b < s.batch; ++b) {
      const float* col = x + b * in_img;
      if (need) {
        im2col(s, col, ws);
        col = ws;
      }
      sgemm(false, false, m, n, kk, 1.f, given_weights(), kk, col, n, 0.f, y + b * out_img, n);
    }
  }
  apply_epilogue(y, pool);
}

}  // namespace huge2
