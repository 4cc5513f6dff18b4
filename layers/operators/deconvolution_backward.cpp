#include "operators/deconvolution_backward.h"

#include <algorithm>

#include "core/errors.h"
#include "operators/tap_correlation.h"
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

DeconvolutionBackward::DeconvolutionBackward(const DeconvShape& shape, Algorithm algo, const float* weights,
                                             int threads)
    : shape_(shape), algo_(algo), data_(data_shape(shape), algo, weights, Epilogue{}, threads) {}

size_t DeconvolutionBackward::workspace_bytes() const {
  const DeconvShape& s = shape_;
  size_t weights = 0;
  if (algo_ == Algorithm::darknet)  // im2col(dy): out_c*k*k x in_h*in_w
    weights = sizeof(float) * size_t(s.out_c) * s.ksize * s.ksize * s.in_h * s.in_w;
  else if (algo_ == Algorithm::huge2)
    weights = sizeof(float) * (tap_correlation_floats({nullptr, s.in_c, s.in_h, s.in_w},
                                                      {nullptr, s.out_c, s.out_h(), s.out_w()}) +
                               size_t(s.ksize) * s.ksize * s.in_c * s.out_c);  // every tap's result
  return std::max(weights, data_.workspace_bytes());
}

std::string DeconvolutionBackward::method() const {
  const char* w = algo_ == Algorithm::huge2 ? "per-tap correlation" :
                  algo_ == Algorithm::darknet ? "im2col(dy) + GEMM" : "naive definition";
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
  // huge2: tap (ky, kx) pairs x pixel (iy, ix) with dy (iy*s + ky - p, ix*s + kx - p).
  const PlaneStack a{x, s.in_c, s.in_h, s.in_w}, bt{dy, s.out_c, s.out_h(), s.out_w()};
  const size_t m = size_t(s.in_c) * s.out_c;
  float* taps = ws + tap_correlation_floats(a, bt);  // kk results of in_c x out_c, one per tap
  // The GEMMs run on OpenBLAS's OpenMP threads and the gathers between them
  // on this thread: the pool's workers sleep meanwhile. (Gathering on the
  // pool made the two runtimes trade the cores per tap: 2 threads took
  // 1.4-2.2x as long as 1.)
  if (pool) pool->park();
  for (int ky = 0; ky < s.ksize; ++ky)
    for (int kx = 0; kx < s.ksize; ++kx)
      correlate_tap(a, bt, s.batch, ky - s.pad, kx - s.pad, s.stride, taps + (ky * s.ksize + kx) * m, ws);
  add_taps(taps, kk, m, dw, pool);
}

}  // namespace huge2
