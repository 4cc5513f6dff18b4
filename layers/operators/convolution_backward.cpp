#include "operators/convolution_backward.h"

#include <algorithm>

#include "core/errors.h"
#include "planning/window_gemv.h"
#include "reference/gradient_reference.h"
#include "stock/columns.h"
#include "stock/gemm.h"

namespace huge2 {
namespace {

// Floor division and modulo for a negative numerator.
int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

void check_buffers(const void* a, const void* b, const void* c, const float* ws, size_t ws_bytes, size_t need) {
  const char* op = "convolution backward";
  if (!a || !b || !c) throw ShapeError(std::string(op) + ": a tensor buffer is null");
  if (need && (!ws || ws_bytes < need))
    throw ShapeError(std::string(op) + ": workspace of " + std::to_string(ws ? ws_bytes : 0) +
                     " bytes is smaller than the " + std::to_string(need) + " bytes needed");
}

bool is_plain_1x1(const ConvShape& s) { return s.ksize == 1 && s.stride == 1 && s.pad == 0; }

}  // namespace

DirectProblem conv_data_gradient_problem(const ConvShape& s) {
  DirectProblem p;
  p.batch = s.batch, p.in_c = s.out_c, p.in_h = s.out_h(), p.in_w = s.out_w();
  p.out_c = s.in_c, p.out_h = s.in_h, p.out_w = s.in_w;
  p.sy = p.sx = s.stride;  // a phase's pixels step by the stride in dx ...
  p.ystep = p.xstep = 1;   // ... and by one in dy
  const int P = s.applied_pad(), d = s.dilation, k = s.ksize;
  // Per axis: the taps of residue r and the dy index each reads at u = 0.
  auto axis = [&](int r, std::vector<int>& taps, std::vector<int>& first) {
    for (int t = 0; t < k; ++t) {
      const int num = r + P - d * t;
      if (((num % s.stride) + s.stride) % s.stride == 0) taps.push_back(t), first.push_back(floor_div(num, s.stride));
    }
  };
  for (int y0 = 0; y0 < std::min(s.stride, s.in_h); ++y0)
    for (int x0 = 0; x0 < std::min(s.stride, s.in_w); ++x0) {
      std::vector<int> ty, fy, tx, fx;
      axis(y0, ty, fy);
      axis(x0, tx, fx);
      DirectPhase q;
      q.oy0 = y0, q.ox0 = x0;
      q.rows = (s.in_h - 1 - y0) / s.stride + 1, q.cols = (s.in_w - 1 - x0) / s.stride + 1;
      for (size_t j = 0; j < ty.size(); ++j)
        for (size_t i = 0; i < tx.size(); ++i) {
          q.tap_y.push_back(fy[j]);
          q.tap_x.push_back(fx[i]);
          q.tap_entry.push_back(ty[j] * k + tx[i]);
        }
      p.phases.push_back(std::move(q));
    }
  return p;
}

CorrelationProblem conv_weight_problem(const ConvShape& s) {
  // tap (ky, kx) pairs dy pixel (oy, ox) with x (oy*s - P + d*ky, ox*s - P + d*kx).
  CorrelationProblem p;
  p.batch = s.batch, p.m = s.out_c, p.h = s.out_h(), p.w = s.out_w();
  p.c = s.in_c, p.src_h = s.in_h, p.src_w = s.in_w;
  p.ksize = s.ksize, p.step = s.stride, p.dilation = s.dilation, p.offset = s.applied_pad();
  return p;
}

ConvolutionBackward::ConvolutionBackward(const ConvShape& shape, Algorithm algo, const float* weights, int threads)
    : shape_(shape), algo_(algo) {
  if (algo_ == Algorithm::cudnn) throw ShapeError("convolution backward: cudnn is a GPU algorithm");
  shape_.validate();
  if (!weights) throw ShapeError("convolution backward: weight buffer is null");
  const ConvShape& s = shape_;
  // huge2's data gradient of a one-window convolution reads the weights as
  // given, like the stock method (planning/window_gemv.h).
  window_ = algo_ == Algorithm::huge2 && WindowGemv::applies(s);
  if (algo_ != Algorithm::huge2 || window_) weights_.copy(weights, shape_.weight_count());
  if (algo_ != Algorithm::huge2) return;
  const int t = threads > 0 ? threads : default_threads();
  if (!window_) {
    auto at = [&](int n, int c, int e) { return weights[(size_t(n) * s.in_c + c) * s.ksize * s.ksize + e]; };
    data_ = std::make_unique<DirectPlan>(conv_data_gradient_problem(s), at, Epilogue{}, t, active_isa());
  }
  weights_grad_ = std::make_unique<CorrelationPlan>(conv_weight_problem(s), t, active_isa());
}

ConvolutionBackward::~ConvolutionBackward() = default;

void ConvolutionBackward::set_weights(const float* weights) {
  if (!weights) throw ShapeError("convolution backward: weight buffer is null");
  const ConvShape& s = shape_;
  if (!data_) return weights_.copy(weights, s.weight_count());  // also a window's
  // The plan's input channel is the convolution's output channel n: [n][c][k][k].
  const ptrdiff_t kk = ptrdiff_t(s.ksize) * s.ksize;
  data_->set_weights(WeightView{weights, s.in_c * kk, kk, 1}, Epilogue{});
}

void ConvolutionBackward::borrow_weights(const float* weights) {
  if (data_) return set_weights(weights);
  if (!weights) throw ShapeError("convolution backward: weight buffer is null");
  weights_.borrow(weights);
}

size_t ConvolutionBackward::column_bytes() const {
  const ConvShape& s = shape_;
  return sizeof(float) * size_t(s.in_c) * s.ksize * s.ksize * s.out_h() * s.out_w();
}

size_t ConvolutionBackward::workspace_bytes() const {
  const ConvShape& s = shape_;
  if (algo_ == Algorithm::reference) return 0;
  if (algo_ == Algorithm::darknet) return is_plain_1x1(s) ? 0 : column_bytes();
  return std::max(sizeof(float) * weights_grad_->workspace_floats(), data_ ? data_->workspace_bytes() : 0);
}

std::string ConvolutionBackward::method() const {
  if (window_) {
    const WindowGemv g(shape_, active_isa());
    return "data: " + g.describe() + "; weights: " + g.describe_rank1();
  }
  if (data_) return "data: " + data_->describe() + "; weights: " + weights_grad_->describe();
  return algo_ == Algorithm::darknet ? "im2col / col2im + GEMM (with dilation)" : "naive definition";
}

void ConvolutionBackward::backward_data(const float* dy, float* dx, float* ws, size_t ws_bytes,
                                        ThreadPool* pool) const {
  const ConvShape& s = shape_;
  const size_t need = data_ ? data_->workspace_bytes() : window_ ? 0 : workspace_bytes();
  check_buffers(dy, dx, dx, ws, ws_bytes, need);
  if (data_) return data_->run(dy, dx, ws, pool);
  if (window_) return WindowGemv(s, active_isa()).rows_sum(dy, given_weights(), dx, pool);
  if (algo_ == Algorithm::reference) return conv_backward_data_reference(s, dy, given_weights(), dx);
  // Darknet's backward_convolutional_layer: col = W^T * dy, then col2im into dx.
  const int kk = s.in_c * s.ksize * s.ksize, ohw = s.out_h() * s.out_w();
  const size_t in_img = size_t(s.in_c) * s.in_h * s.in_w, out_img = size_t(s.out_c) * ohw;
  for (int b = 0; b < s.batch; ++b) {
    float* dxb = dx + b * in_img;
    if (is_plain_1x1(s)) {  // the column matrix is dx itself
      sgemm(true, false, kk, ohw, s.out_c, 1.f, given_weights(), kk, dy + b * out_img, ohw, 0.f, dxb, ohw);
      continue;
    }
    sgemm(true, false, kk, ohw, s.out_c, 1.f, given_weights(), kk, dy + b * out_img, ohw, 0.f, ws, ohw);
    std::fill(dxb, dxb + in_img, 0.f);
    col2im_add(s, ws, dxb);
  }
}

void ConvolutionBackward::backward_weights(const float* x, const float* dy, float* dw, float* ws,
                                           size_t ws_bytes, ThreadPool* pool) const {
  const ConvShape& s = shape_;
  check_buffers(x, dy, dw, ws, ws_bytes, workspace_bytes());
  if (algo_ == Algorithm::reference) return conv_backward_weights_reference(s, x, dy, dw);
  const int kk = s.ksize * s.ksize, ohw = s.out_h() * s.out_w();
  const size_t in_img = size_t(s.in_c) * s.in_h * s.in_w, out_img = size_t(s.out_c) * ohw;
  if (algo_ == Algorithm::darknet) {  // dw += dy * im2col(x)^T
    for (int b = 0; b < s.batch; ++b) {
      const float* col = x + b * in_img;
      if (!is_plain_1x1(s)) im2col(s, col, ws), col = ws;
      sgemm(false, true, s.out_c, s.in_c * kk, ohw, 1.f, dy + b * out_img, ohw, col, ohw, 1.f, dw, s.in_c * kk);
    }
    return;
  }
  if (window_) return WindowGemv(s, active_isa()).rank1_add(dy, x, dw, pool);  // dw[o][k] += dy[o] * x[k]
  weights_grad_->run(dy, x, dw, ws, pool);
}

}  // namespace huge2
