#include "convolution.h"

#include <algorithm>

#include "columns.h"
#include "errors.h"
#include "gemm.h"
#include "reference.h"

namespace huge2 {
namespace {

int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int floor_mod(int a, int b) { return a - b * floor_div(a, b); }

// Space-to-batch for one residue class: sub[b][c][t][t'] = x[b][c][ry + d*t][rx + d*t'].
void gather_subimage(const ConvShape& s, const PhasePlan& p, int ry, int rx, const float* x, float* sub) {
  const int d = s.dilation;
  const int planes = s.batch * s.in_c;
#pragma omp parallel for schedule(static)
  for (int q = 0; q < planes; ++q) {
    const float* src = x + size_t(q) * s.in_h * s.in_w;
    float* dst = sub + size_t(q) * p.in_h * p.in_w;
    for (int t = 0; t < p.in_h; ++t) {
      const float* row = src + size_t(ry + d * t) * s.in_w + rx;
      for (int v = 0; v < p.in_w; ++v) *dst++ = row[size_t(d) * v];
    }
  }
}

}  // namespace

// huge2 handles stride 1 (any dilation) by pixel phases. With stride > 1 it
// runs the stock dilated im2col + GEMM and says so through this predicate.
bool Convolution::falls_back_to_im2col() const { return algo_ == Algorithm::huge2 && shape_.stride > 1; }

Convolution::Convolution(const ConvShape& shape, Algorithm algo, const float* weights)
    : shape_(shape), algo_(algo) {
  shape_.validate();
  if (!weights) throw ShapeError("convolution: weight buffer is null");
  const ConvShape& s = shape_;
  if (algo_ != Algorithm::huge2 || falls_back_to_im2col()) {
    packed_.assign(weights, weights + s.weight_count());
    return;
  }
  const int k = s.ksize, d = s.dilation, P = s.applied_pad(), oh = s.out_h(), ow = s.out_w();
  // Dense k x k kernel with channels innermost: [n][ky][kx][c].
  packed_.resize(s.weight_count());
  float* a = packed_.data();
  for (int n = 0; n < s.out_c; ++n)
    for (int ky = 0; ky < k; ++ky)
      for (int kx = 0; kx < k; ++kx)
        for (int c = 0; c < s.in_c; ++c) *a++ = weights[((size_t(n) * s.in_c + c) * k + ky) * k + kx];
  // Output (a + d*u, b + d*v) reads input rows a - P + d*(u + ky): all in the
  // residue class r = (a - P) mod d, i.e. sub-image rows t = floor((a-P)/d) + u + ky.
  gather_ = d > 1;
  auto extent = [&](int r, int size) { return r < size ? (size - r + d - 1) / d : 0; };
  for (int ay = 0; ay < std::min(d, oh); ++ay)
    for (int ax = 0; ax < std::min(d, ow); ++ax) {
      PhasePlan p;
      p.batch = s.batch;
      p.in_c = s.in_c;
      p.in_h = extent(floor_mod(ay - P, d), s.in_h);
      p.in_w = extent(floor_mod(ax - P, d), s.in_w);
      p.in_image_stride = size_t(s.in_c) * p.in_h * p.in_w;
      p.out_c = s.out_c;
      p.taps_h = p.taps_w = k;
      p.y0 = floor_div(ay - P, d), p.x0 = floor_div(ax - P, d);
      p.rows = (oh - ay + d - 1) / d, p.cols = (ow - ax + d - 1) / d;
      p.out_h = oh, p.out_w = ow;
      p.oy0 = ay, p.ox0 = ax, p.sy = p.sx = d;
      phases_.push_back(p);
    }
}

size_t Convolution::workspace_bytes() const {
  const ConvShape& s = shape_;
  if (algo_ == Algorithm::reference) return 0;
  if (algo_ == Algorithm::darknet || falls_back_to_im2col()) {
    if (s.ksize == 1 && s.stride == 1 && s.pad == 0) return 0;  // the input is its own column matrix
    return sizeof(float) * size_t(s.in_c) * s.ksize * s.ksize * s.out_h() * s.out_w();
  }
  size_t m = 0;
  for (const PhasePlan& p : phases_)
    m = std::max(m, p.workspace_floats() + (gather_ ? size_t(s.batch) * s.in_c * p.in_h * p.in_w : 0));
  return m * sizeof(float);
}

void Convolution::forward(const float* x, float* y, float* ws, size_t ws_bytes) const {
  if (!x) throw ShapeError("convolution: input buffer is null");
  if (!y) throw ShapeError("convolution: output buffer is null");
  const size_t need = workspace_bytes();
  if (need && (!ws || ws_bytes < need))
    throw ShapeError("convolution: workspace of " + std::to_string(ws ? ws_bytes : 0) +
                     " bytes is smaller than the " + std::to_string(need) + " bytes needed");
  const ConvShape& s = shape_;
  if (algo_ == Algorithm::reference) {
    conv_reference(s, x, packed_.data(), y);
    return;
  }
  if (algo_ == Algorithm::darknet || falls_back_to_im2col()) {
    const int m = s.out_c, n = s.out_h() * s.out_w(), kk = s.in_c * s.ksize * s.ksize;
    const size_t in_img = size_t(s.in_c) * s.in_h * s.in_w, out_img = size_t(m) * n;
    for (int b = 0; b < s.batch; ++b) {
      const float* col = x + b * in_img;
      if (need) {
        im2col(s, col, ws);
        col = ws;
      }
      sgemm(false, false, m, n, kk, 1.f, packed_.data(), kk, col, n, 0.f, y + b * out_img, n);
    }
    return;
  }
  const int d = s.dilation, P = s.applied_pad();
  for (const PhasePlan& p : phases_) {
    const float* src = x;
    float* core_ws = ws;
    if (gather_) {
      if (p.in_h > 0 && p.in_w > 0)
        gather_subimage(s, p, floor_mod(p.oy0 - P, d), floor_mod(p.ox0 - P, d), x, ws);
      src = ws;
      core_ws = ws + size_t(s.batch) * s.in_c * p.in_h * p.in_w;
    }
    p.run(packed_.data(), src, y, core_ws);
  }
}

}  // namespace huge2
