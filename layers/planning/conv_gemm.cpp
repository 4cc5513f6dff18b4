#include "planning/conv_gemm.h"

#include <algorithm>

#include "planning/window_copy.h"

namespace huge2 {
namespace {

struct PanelSource {
  const ConvShape* shape;
  const float* x;  // one image
};

// Rows k0 .. k0+kc-1 (k = (c, ky, kx)) of the image's im2col matrix, columns
// (output pixels) n0 .. n0+width-1, as panel[t * width + j]; padding and
// columns past the image are 0. The rows of one (c, ky) are copied together,
// segment of output row by segment (with stride = kernel, the ReID layers,
// they deinterleave one contiguous stretch of the input row).
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
    const CopyWindowSpan copy = copy_window_columns_for(len);
    const float* plane = source.x + size_t(c) * s.in_h * s.in_w;
    float* dst = panel + size_t(t) * width;
    for (int j = 0; j < valid;) {
      const int p = n0 + j, oy = p / ow, ox = p % ow, count = std::min(valid - j, ow - ox);
      const int iy = oy * step - P + d * ky;
      if (iy < 0 || iy >= s.in_h) {
        for (int q = 0; q < len; ++q) std::fill(dst + size_t(q) * width + j, dst + size_t(q) * width + j + count, 0.f);
      } else {
        const int x0 = ox * step + d * kx - P;
        copy(plane + size_t(iy) * s.in_w, x0, window_span(x0, count, step, d, len, s.in_w), count, step, d, len,
             s.in_w, dst + j, width);
      }
      j += count;
    }
    for (int q = 0; q < len; ++q) std::fill(dst + size_t(q) * width + valid, dst + size_t(q + 1) * width, 0.f);
    t += len;
  }
}

}  // namespace

ConvGemm::ConvGemm(const ConvShape& shape, Isa isa, int threads)
    : s_(shape),
      gemm_(shape.out_c, shape.out_h() * shape.out_w(), long(shape.in_c) * shape.ksize * shape.ksize, isa, threads) {}

void ConvGemm::run(const float* x, const float* w, float* y, float* ws, ThreadPool* pool) const {
  const ConvShape& s = s_;
  const long k = long(s.in_c) * s.ksize * s.ksize;
  const size_t npix = size_t(s.out_h()) * s.out_w(), in_img = size_t(s.in_c) * s.in_h * s.in_w;
  for (int b = 0; b < s.batch; ++b) {
    float* yb = y + size_t(b) * s.out_c * npix;
    std::fill(yb, yb + size_t(s.out_c) * npix, 0.f);
    const PanelSource source{&s_, x + b * in_img};
    gemm_.run(w, ptrdiff_t(k), 0, ws, yb, ptrdiff_t(npix), &pack_panel, &source, pool);
  }
}

}  // namespace huge2
