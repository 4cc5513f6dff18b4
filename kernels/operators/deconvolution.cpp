#include "deconvolution.h"

#include <algorithm>

#include "columns.h"
#include "errors.h"
#include "gemm.h"
#include "operator_checks.h"
#include "phase_geometry.h"
#include "reference.h"

namespace huge2 {

// One direct sub-problem per stride phase: output row oy0 + s*u takes
// kernel rows r, r+s, ... from input rows that step by one with u, a dense
// correlation of the original input (phase_geometry.h derives it; the
// method: METHOD.md, shared/ in the project root).
DirectProblem deconv_phases(const DeconvShape& s) {
  DirectProblem p;
  p.batch = s.batch, p.in_c = s.in_c, p.in_h = s.in_h, p.in_w = s.in_w;
  p.out_c = s.out_c, p.out_h = s.out_h(), p.out_w = s.out_w();
  p.sy = p.sx = s.stride;
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

Deconvolution::Deconvolution(const DeconvShape& shape, Algorithm algo, const float* weights,
                             const Epilogue& epilogue, int threads)
    : Deconvolution(shape, algo, weights, epilogue, threads,
                    algo == Algorithm::huge2 ? active_isa() : Isa::scalar) {}

Deconvolution::Deconvolution(const DeconvShape& shape, Algorithm algo, const float* weights,
                             const Epilogue& epilogue, int threads, Isa isa)
    : shape_(shape), algo_(algo), epilogue_(epilogue) {
  if (!weights) throw ShapeError("transposed convolution: weight buffer is null");
  build(weights, threads, isa);
}

Deconvolution::Deconvolution(const DeconvShape& shape, Algorithm algo, PlanOnly, int threads)
    : shape_(shape), algo_(algo), plan_only_(true) {
  build(nullptr, threads, algo == Algorithm::huge2 ? active_isa() : Isa::scalar);
}

// weights null: plan only.
void Deconvolution::build(const float* weights, int threads, Isa isa) {
  shape_.validate();
  epilogue_.check(shape_.out_c, "transposed convolution");
  const DeconvShape& s = shape_;
  column_method_ = algo_ == Algorithm::huge2 && s.in_c >= kColumnMethodChannelRatio * s.out_c && s.out_c < 8;
  if (algo_ != Algorithm::huge2 || column_method_) {
    if (weights) weights_.assign(weights, weights + s.weight_count());
    return;
  }
  const int kk = s.ksize * s.ksize, oc = s.out_c;
  WeightAt at;
  if (weights) at = [&](int ic, int n, int e) { return weights[(size_t(ic) * oc + n) * kk + e]; };
  direct_ = std::make_unique<DirectPlan>(deconv_phases(s), at, epilogue_, operator_threads(threads), isa);
}

size_t Deconvolution::packed_weight_bytes() const {
  return direct_ ? direct_->packed_weight_bytes() : weights_.size() * sizeof(float);
}

std::string Deconvolution::method() const {
  if (direct_) return direct_->describe();
  if (algo_ == Algorithm::reference) return "naive definition";
  return column_method_ ? "stock column method (in_c >= 8 x out_c, out_c < 8)" : "stock GEMM + col2im";
}

bool Deconvolution::unpack_weights(float* w) const {
  const DeconvShape& s = shape_;
  if (plan_only_) return false;
  if (!direct_) return std::copy(weights_.begin(), weights_.end(), w), true;
  const int kk = s.ksize * s.ksize, oc = s.out_c;
  return direct_->unpack(kk, [&](int ic, int n, int e, float v) { w[(size_t(ic) * oc + n) * kk + e] = v; });
}

size_t Deconvolution::workspace_bytes() const {
  if (direct_) return direct_->workspace_bytes();
  return algo_ == Algorithm::reference ? 0 : column_bytes();
}

void Deconvolution::forward(const float* x, float* y, float* ws, size_t ws_bytes) const {
  const size_t need = workspace_bytes();
  check_forward_buffers("transposed convolution", x, y, ws, ws_bytes, need);
  if (plan_only_) throw ShapeError("transposed convolution: built for its shape only, it has no weights to run");
  const DeconvShape& s = shape_;
  if (direct_) {
    direct_->run(x, y, ws);
    return;
  }
  if (algo_ == Algorithm::reference) {
    deconv_reference(s, x, weights_.data(), y);
  } else {
    // Stock: col = W^T * X, a (out_c*k*k) x (h*w) buffer, then scatter-add.
    const int m = s.out_c * s.ksize * s.ksize, n = s.in_h * s.in_w;
    const size_t in_img = size_t(s.in_c) * n, out_img = size_t(s.out_c) * s.out_h() * s.out_w();
    for (int b = 0; b < s.batch; ++b) {
      sgemm(true, false, m, n, s.in_c, 1.f, weights_.data(), m, x + b * in_img, n, 0.f, ws, n);
      std::fill(y + b * out_img, y + (b + 1) * out_img, 0.f);
      col2im_add(s, ws, y + b * out_img);
    }
  }
  epilogue_.apply(y, s.batch, s.out_c, size_t(s.out_h()) * s.out_w());
}

size_t Deconvolution::column_bytes() const {
  const DeconvShape& s = shape_;
  return sizeof(float) * size_t(s.out_c) * s.ksize * s.ksize * s.in_h * s.in_w;
}

}  // namespace huge2
