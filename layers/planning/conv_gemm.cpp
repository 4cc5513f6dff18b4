#include "planning/conv_gemm.h"

#include <algorithm>

namespace huge2 {
namespace {

struct PanelSource {
  const ConvShape* shape;
  const float* x;  // one image
};

// dst[q * width + i] = row[x0 + step*i + d*q] for i < count, q < L (or
// len): the rows of one (c, ky) and consecutive kx, for one segment of a row
// of output pixels; 0 where the input column is outside [0, in_w). With
// stride = kernel (the ReID layers) the L rows deinterleave one contiguous
// stretch of the input row.
template <int L>
void copy_rows(const float* row, int x0, int count, int step, int d, int len, int in_w, float* dst, int width) {
  const int n = L ? L : len;
  // Pixels whose L columns all lie inside the row: [first, last).
  const int first = x0 >= 0 ? 0 : std::min(count, (-x0 + step - 1) / step);
  const int reach = in_w - 1 - x0 - d * (n - 1);
  const int last = reach < 0 ? 0 : std::max(first, std::min(count, reach / step + 1));
  auto edge = [&](int i) {
    for (int q = 0; q < n; ++q) {
      const int xx = x0 + step * i + d * q;
      dst[size_t(q) * width + i] = xx >= 0 && xx < in_w ? row[xx] : 0.f;
    }
  };
  for (int i = 0; i < first; ++i) edge(i);
  const float* src = row + x0;
  for (int i = first; i < last; ++i)
    for (int q = 0; q < n; ++q) dst[size_t(q) * width + i] = src[step * i + d * q];
  for (int i = last; i < count; ++i) edge(i);
}

using CopyRows = void (*)(const float*, int, int, int, int, int, int, float*, int);
CopyRows copy_rows_for(int len) {
  switch (len) {
    case 1: return &copy_rows<1>;
    case 2: return &copy_rows<2>;
    case 3: return &copy_rows<3>;
    case 4: return &copy_rows<4>;
    case 8: return &copy_rows<8>;
    default: return &copy_rows<0>;
  }
}

// Rows k0 .. k0+kc-1 (k = (c, ky, kx)) of the image's im2col matrix, columns
// (output pixels) n0 .. n0+width-1, as panel[t * width + j]; padding and
// columns past the image are 0. The rows of one (c, ky) are copied together,
// segment of output row by segment.
void pack_panel(const void* ctx, int, int n0, int width, long k0, int kc, float* panel) {
  const PanelSource& source = *static_cast<const PanelSource*>(ctx);
  const ConvShape& s = *source.shape;
  const int kk = s.ksize * s.ksize, ow = s.out_w(), npix = s.out_h() * ow;
  const int P = s.applied_pad(), d = s.dilation, step = s.stride;
  const int valid = std::max(0, std::min(width, npix - n0));
  for (int t = 0; t < kc;) {
    const long k = k0 + t;
    const int c = int(k / kk), e = int(k % kk), ky = e / s.ksize, kx = e % s.ksize;
    const int len = std::min(s.ksize - kx, kc - t);
    const CopyRows copy = copy_rows_for(len);
    const float* plane = source.x + size_t(c) * s.in_h * s.in_w;
    float* dst = panel + size_t(t) * width;
    for (int j = 0; j < valid;) {
      const int p = n0 + j, oy = p / ow, ox = p % ow, count = std::min(valid - j, ow - ox);
      const int iy = oy * step - P + d * ky;
      if (iy < 0 || iy >= s.in_h) {
        for (int q = 0; q < len; ++q) std::fill(dst + size_t(q) * width + j, dst + size_t(q) * width + j + count, 0.f);
      } else {
        copy(plane + size_t(iy) * s.in_w, ox * step + d * kx - P, count, step, d, len, s.in_w, dst + j, width);
      }
      j += count;
    }
    for (int q = 0; q < len; ++q) std::fill(dst + size_t(q) * width + valid, dst + size_t(q + 1) * width, 0.f);
    t += len;
  }
}

}  // namespace

ConvGemm::ConvGemm(const ConvShape& shape, Isa isa)
    : s_(shape), gemm_(shape.out_c, shape.out_h() * shape.out_w(), long(shape.in_c) * shape.ksize * shape.ksize, isa) {}

void ConvGemm::run(const float* x, const float* w, float* y, float* ws, ThreadPool* pool) const {
  const ConvShape& s = s_;
  const long k = long(s.in_c) * s.ksize * s.ksize;
  const size_t npix = size_t(s.out_h()) * s.out_w(), in_img = size_t(s.in_c) * s.in_h * s.in_w;
  gemm_.pack_a(w, k, 0, size_t(k), ws, pool);
  for (int b = 0; b < s.batch; ++b) {
    float* yb = y + size_t(b) * s.out_c * npix;
    std::fill(yb, yb + size_t(s.out_c) * npix, 0.f);
    const PanelSource source{&s_, x + b * in_img};
    gemm_.run(ws, ws + gemm_.packed_a_floats(), yb, ptrdiff_t(npix), &pack_panel, &source, pool);
  }
}

}  // namespace huge2
