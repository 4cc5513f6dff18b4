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

// Space-to-batch: every sub-image q, laid out [b][c][t][t'] at its
// in_offset, holds x[b][c][ry + d*t][rx + d*t'] for its residue (ry, rx).
void gather_subimages(const ConvShape& s, const PhaseSet& set, const float* x, float* sub) {
  const int d = s.dilation, P = s.applied_pad(), planes = s.batch * s.in_c;
  for (const Phase& q : set.phases) {
    const int ry = floor_mod(q.oy0 - P, d), rx = floor_mod(q.ox0 - P, d);
#pragma omp parallel for schedule(static)
    for (int pl = 0; pl < planes; ++pl) {
      const float* src = x + size_t(pl) * s.in_h * s.in_w;
      float* dst = sub + q.in_offset + size_t(pl) * q.in_h * q.in_w;
      for (int t = 0; t < q.in_h; ++t) {
        const float* row = src + size_t(ry + d * t) * s.in_w + rx;
        for (int v = 0; v < q.in_w; ++v) *dst++ = row[size_t(d) * v];
      }
    }
  }
}

}  // namespace

// huge2 handles stride 1 (any dilation) by pixel phases. With stride > 1 it
// runs the stock dilated im2col + GEMM and says so through this predicate.
bool Convolution::falls_back_to_im2col() const { return algo_ == Algorithm::huge2 && shape_.stride > 1; }

Convolution::Convolution(const ConvShape& shape, Algorithm algo, const float* weights, DilatedDomain domain)
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
  // Its sub-image q is that residue class, gathered dense.
  PhaseSet& set = subimages_;
  set.batch = s.batch, set.in_c = s.in_c, set.out_c = s.out_c;
  set.taps_h = set.taps_w = k;
  set.out_h = oh, set.out_w = ow;
  // Sub-images are gathered only when they are wide enough: in NCHW a
  // stride-1 dilated tap already reads a contiguous input row, so narrow
  // sub-images would only trade long row copies for many short ones (seen
  // here: d=12 on 64 columns ran 15-20% slower than on the original image).
  gather_ = d > 1 && (domain == DilatedDomain::subimages ||
                      (domain == DilatedDomain::automatic && ow / d >= kMinSubimageCols));
  if (!gather_) {  // the original image, dilated taps: one phase
    set.ty = set.tx = d;
    Phase q;
    q.in_h = s.in_h, q.in_w = s.in_w;
    q.in_image_stride = size_t(s.in_c) * s.in_h * s.in_w;
    q.y0 = q.x0 = -P;
    q.rows = oh, q.cols = ow;
    set.phases.push_back(q);
    return;
  }
  set.sy = set.sx = d;
  auto extent = [&](int r, int size) { return r < size ? (size - r + d - 1) / d : 0; };
  size_t offset = 0;
  for (int ay = 0; ay < std::min(d, oh); ++ay)
    for (int ax = 0; ax < std::min(d, ow); ++ax) {
      Phase q;
      q.in_h = extent(floor_mod(ay - P, d), s.in_h);
      q.in_w = extent(floor_mod(ax - P, d), s.in_w);
      q.in_offset = offset;
      q.in_image_stride = size_t(s.in_c) * q.in_h * q.in_w;
      offset += size_t(s.batch) * q.in_image_stride;
      q.y0 = floor_div(ay - P, d), q.x0 = floor_div(ax - P, d);
      q.rows = (oh - ay + d - 1) / d, q.cols = (ow - ax + d - 1) / d;
      q.oy0 = ay, q.ox0 = ax;
      set.phases.push_back(q);
    }
}

bool Convolution::uses_subimages() const { return gather_; }

size_t Convolution::workspace_bytes() const {
  const ConvShape& s = shape_;
  if (algo_ == Algorithm::reference) return 0;
  if (algo_ == Algorithm::darknet || falls_back_to_im2col()) {
    if (s.ksize == 1 && s.stride == 1 && s.pad == 0) return 0;  // the input is its own column matrix
    return sizeof(float) * size_t(s.in_c) * s.ksize * s.ksize * s.out_h() * s.out_w();
  }
  // The gathered sub-images hold exactly the input's pixels.
  return sizeof(float) * (subimages_.workspace_floats() + (gather_ ? s.input_count() : 0));
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
  if (!gather_) {  // one phase on the original image
    subimages_.run(packed_.data(), x, y, ws);
    return;
  }
  gather_subimages(s, subimages_, x, ws);
  subimages_.run(packed_.data(), ws, y, ws + s.input_count());
}

}  // namespace huge2
