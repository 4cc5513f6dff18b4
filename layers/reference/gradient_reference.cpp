#include "reference/gradient_reference.h"

#include <vector>

namespace huge2 {
namespace {

// Calls f(input index, output index, weight index) for every product of the
// forward pass of one image: the one loop the data and weight gradients
// share, so that each is the forward's triples read backwards.
template <class F>
void deconv_triples(const DeconvShape& s, F&& f) {
  const int oh = s.out_h(), ow = s.out_w(), k = s.ksize;
  for (int c = 0; c < s.in_c; ++c)
    for (int iy = 0; iy < s.in_h; ++iy)
      for (int ix = 0; ix < s.in_w; ++ix)
        for (int n = 0; n < s.out_c; ++n)
          for (int ky = 0; ky < k; ++ky) {
            const int oy = iy * s.stride + ky - s.pad;
            if (oy < 0 || oy >= oh) continue;
            for (int kx = 0; kx < k; ++kx) {
              const int ox = ix * s.stride + kx - s.pad;
              if (ox < 0 || ox >= ow) continue;
              f((size_t(c) * s.in_h + iy) * s.in_w + ix, (size_t(n) * oh + oy) * ow + ox,
                ((size_t(c) * s.out_c + n) * k + ky) * k + kx);
            }
          }
}

template <class F>
void conv_triples(const ConvShape& s, F&& f) {
  const int oh = s.out_h(), ow = s.out_w(), k = s.ksize, P = s.applied_pad();
  for (int n = 0; n < s.out_c; ++n)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int c = 0; c < s.in_c; ++c)
          for (int ky = 0; ky < k; ++ky) {
            const int iy = oy * s.stride - P + s.dilation * ky;
            if (iy < 0 || iy >= s.in_h) continue;
            for (int kx = 0; kx < k; ++kx) {
              const int ix = ox * s.stride - P + s.dilation * kx;
              if (ix < 0 || ix >= s.in_w) continue;
              f((size_t(c) * s.in_h + iy) * s.in_w + ix, (size_t(n) * oh + oy) * ow + ox,
                ((size_t(n) * s.in_c + c) * k + ky) * k + kx);
            }
          }
}

template <class Shape, class Triples>
void backward_data(const Shape& s, const float* dy, const float* w, float* dx, Triples triples) {
  const size_t in_img = size_t(s.in_c) * s.in_h * s.in_w, out_img = size_t(s.out_c) * s.out_h() * s.out_w();
  std::vector<double> acc(in_img);
  for (int b = 0; b < s.batch; ++b) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const float* dyb = dy + b * out_img;
    triples(s, [&](size_t i, size_t o, size_t e) { acc[i] += double(w[e]) * dyb[o]; });
    for (size_t i = 0; i < in_img; ++i) dx[b * in_img + i] = float(acc[i]);
  }
}

template <class Shape, class Triples>
void backward_weights(const Shape& s, const float* x, const float* dy, float* dw, Triples triples) {
  const size_t in_img = size_t(s.in_c) * s.in_h * s.in_w, out_img = size_t(s.out_c) * s.out_h() * s.out_w();
  std::vector<double> acc(s.weight_count(), 0.0);
  for (int b = 0; b < s.batch; ++b) {
    const float* xb = x + b * in_img;
    const float* dyb = dy + b * out_img;
    triples(s, [&](size_t i, size_t o, size_t e) { acc[e] += double(xb[i]) * dyb[o]; });
  }
  for (size_t e = 0; e < acc.size(); ++e) dw[e] = float(dw[e] + acc[e]);
}

}  // namespace

void deconv_backward_data_reference(const DeconvShape& s, const float* dy, const float* w, float* dx) {
  backward_data(s, dy, w, dx, [](const DeconvShape& sh, auto&& f) { deconv_triples(sh, f); });
}
void deconv_backward_weights_reference(const DeconvShape& s, const float* x, const float* dy, float* dw) {
  backward_weights(s, x, dy, dw, [](const DeconvShape& sh, auto&& f) { deconv_triples(sh, f); });
}
void conv_backward_data_reference(const ConvShape& s, const float* dy, const float* w, float* dx) {
  backward_data(s, dy, w, dx, [](const ConvShape& sh, auto&& f) { conv_triples(sh, f); });
}
void conv_backward_weights_reference(const ConvShape& s, const float* x, const float* dy, float* dw) {
  backward_weights(s, x, dy, dw, [](const ConvShape& sh, auto&& f) { conv_triples(sh, f); });
}

}  // namespace huge2
