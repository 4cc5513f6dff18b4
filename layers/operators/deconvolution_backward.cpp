#include "operators/deconvolution_backward.h"

#include <algorithm>

#include "core/errors.h"
#include "planning/window_gemv.h"
#include "reference/gradient_reference.h"
#include "stock/columns.h"
#include "stock/gemm.h"

namespace huge2 {
namespace {

void check_buffers(const void* a, const void* b, const void* c, const float* ws, size_t ws_bytes, size_t need) {
  const char* op = "transposed convolution backward";
  if (!a || !b || !c) throw ShapeError(std::string(op) + ": a tensor buffer is null");
  if (need && (!ws || ws_bytes < need))
    throw ShapeError(std::string(op) + ": workspace of " + std::to_string(ws ? ws_bytes : 0) +
                     " bytes is smaller than the " + std::to_string(need) + " bytes needed");
}

}  // namespace

ConvShape DeconvolutionBackward::data_shape(const DeconvShape& s) {
  s.validate();
  ConvShape c;
  c.batch = s.batch;
  c.in_c = s.out_c, c.in_h = s.out_h(), c.in_w = s.out_w();
  c.out_c = s.in_c;
  c.ksize = s.ksize, c.stride = s.stride, c.pad = s.pad, c.dilation = 1;
  return c;  // its out_h() = ((in-1)*s + k - 2p + 2p - k)/s + 1 = in_h
}

CorrelationProblem DeconvolutionBackward::weight_problem(const DeconvShape& s) {
  // tap (ky, kx) pairs x pixel (iy, ix) with dy (iy*s + ky - p, ix*s + kx - p).
  CorrelationProblem p;
  p.batch = s.batch, p.m = s.in_c, p.h = s.in_h, p.w = s.in_w;
  p.c = s.out_c, p.src_h = s.out_h(), p.src_w = s.out_w();
  p.ksize = s.ksize, p.step = s.stride, p.dilation = 1, p.offset = s.pad;
  return p;
}

DeconvolutionBackward::DeconvolutionBackward(const DeconvShape& shape, Algorithm algo, const float* weights,
                                             int threads)
    : shape_(shape), algo_(algo), data_(data_shape(shape), algo, weights, Epilogue{}, threads) {
  if (algo_ == Algorithm::huge2)
    weights_ = std::make_unique<CorrelationPlan>(weight_problem(shape_), threads > 0 ? threads : default_threads(),
                                                 active_isa());
}

DeconvolutionBackward::~DeconvolutionBackward() = default;

size_t DeconvolutionBackward::workspace_bytes() const {
  const DeconvShape& s = shape_;
  size_t weights = 0;
  if (algo_ == Algorithm::darknet)  // im2col(dy): out_c*k*k x in_h*in_w
    weights = sizeof(float) * size_t(s.out_c) * s.ksize * s.ksize * s.in_h * s.in_w;
  else if (weights_)
    weights = sizeof(float) * weights_->workspace_floats();
  return std::max(weights, data_.workspace_bytes());
}

std::string DeconvolutionBackward::method() const {
  const bool window = weights_ && WindowGemv::applies(shape_);
  const std::string w = window     ? WindowGemv(shape_, active_isa()).describe_rank1()
                        : weights_ ? weights_->describe()
                        : algo_ == Algorithm::darknet ? "im2col(dy) + GEMM"
                                                      : "naive definition";
  return "data: convolution of dy (" + data_.method() + "); weights: " + w;
}

void DeconvolutionBackward::backward_data(const float* dy, float* dx, float* ws, size_t ws_bytes,
                                          ThreadPool* pool) const {
  data_.forward(dy, dx, ws, ws_bytes, pool);
}

void DeconvolutionBackward::backward_weights(const float* x, const float* dy, float* dw, float* ws,
                                             size_t ws_bytes, ThreadPool* pool) const {
  const DeconvShape& s = shape_;
  check_buffers(x, dy, dw, ws, ws_bytes, workspace_bytes());
  if (algo_ == Algorithm::reference) return deconv_backward_weights_reference(s, x, dy, dw);
  const int kk = s.ksize * s.ksize, hw = s.in_h * s.in_w;
  const size_t in_img = size_t(s.in_c) * hw, out_img = size_t(s.out_c) * s.out_h() * s.out_w();
  if (algo_ == Algorithm::darknet) {
    // Darknet's backward_deconvolutional_layer: dw += x * im2col(dy)^T.
    const ConvShape c = data_shape(s);
    for (int b = 0; b < s.batch; ++b) {
      im2col(c, dy + b * out_img, ws);
      sgemm(false, true, s.in_c, s.out_c * kk, hw, 1.f, x + b * in_img, hw, ws, hw, 1.f, dw, s.out_c * kk);
    }
    return;
  }
  // One padless input pixel: dw[ic][j] += x[ic] * dy[j] (planning/window_gemv.h).
  if (WindowGemv::applies(s)) return WindowGemv(s, active_isa()).rank1_add(x, dy, dw, pool);
  weights_->run(x, dy, dw, ws, pool);
}

}  // namespace huge2
