#include "reference/reference.h"

#include <vector>

namespace huge2 {

void deconv_reference(const DeconvShape& s, const float* x, const float* w, float* y) {
  const int oh = s.out_h(), ow = s.out_w(), k = s.ksize;
  std::vector<double> acc(size_t(s.out_c) * oh * ow);
  for (int b = 0; b < s.batch; ++b) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const float* xb = x + size_t(b) * s.in_c * s.in_h * s.in_w;
    for (int c = 0; c < s.in_c; ++c)
      for (int iy = 0; iy < s.in_h; ++iy)
        for (int ix = 0; ix < s.in_w; ++ix) {
          const double v = xb[(size_t(c) * s.in_h + iy) * s.in_w + ix];
          for (int n = 0; n < s.out_c; ++n)
            for (int ky = 0; ky < k; ++ky) {
              const int oy = iy * s.stride + ky - s.pad;  // oy + pad = iy*stride + ky
              if (oy < 0 || oy >= oh) continue;
              for (int kx = 0; kx < k; ++kx) {
                const int ox = ix * s.stride + kx - s.pad;
                if (ox < 0 || ox >= ow) continue;
                acc[(size_t(n) * oh + oy) * ow + ox] += v * w[((size_t(c) * s.out_c + n) * k + ky) * k + kx];
              }
            }
        }
    float* yb = y + size_t(b) * acc.size();
    for (size_t i = 0; i < acc.size(); ++i) yb[i] = float(acc[i]);
  }
}

void conv_reference(const ConvShape& s, const float* x, const float* w, float* y) {
  const int oh = s.out_h(), ow = s.out_w(), k = s.ksize, P = s.applied_pad();
  for (int b = 0; b < s.batch; ++b) {
    const float* xb = x + size_t(b) * s.in_c * s.in_h * s.in_w;
    float* yb = y + size_t(b) * s.out_c * oh * ow;
    for (int n = 0; n < s.out_c; ++n)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          double acc = 0;
          for (int c = 0; c < s.in_c; ++c)
            for (int ky = 0; ky < k; ++ky) {
              const int iy = oy * s.stride - P + s.dilation * ky;
              if (iy < 0 || iy >= s.in_h) continue;
              for (int kx = 0; kx < k; ++kx) {
                const int ix = ox * s.stride - P + s.dilation * kx;
                if (ix < 0 || ix >= s.in_w) continue;
                acc += double(xb[(size_t(c) * s.in_h + iy) * s.in_w + ix]) *
                       w[((size_t(n) * s.in_c + c) * k + ky) * k + kx];
              }
            }
          yb[(size_t(n) * oh + oy) * ow + ox] = float(acc);
        }
  }
}

}  // namespace huge2
