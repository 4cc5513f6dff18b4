// The drop-in proof: the same transposed-convolution layer built in the real
// stock Darknet library (Debian `darknet`), with the same weights, biases and
// input, gives the same output as huge2 (and as the stock algorithm
// reimplemented on OpenBLAS).
#include <catch2/catch.hpp>

#include "darknet_stock.h"
#include "operators/deconvolution.h"
#include "operators/deconvolution_backward.h"
#include "helpers.h"

using namespace huge2;
using huge2::test::compare;
using huge2::test::random_tensor;

namespace {

std::vector<float> huge2_with_bias(const DeconvShape& s, Algorithm a, const std::vector<float>& w,
                                   const std::vector<float>& bias, const std::vector<float>& x) {
  Deconvolution op(s, a, w.data());
  std::vector<float> ws(op.workspace_bytes() / sizeof(float) + 1), y(s.output_count());
  op.forward(x.data(), y.data(), ws.data(), ws.size() * sizeof(float));
  const size_t plane = size_t(s.out_h()) * s.out_w();
  for (int b = 0; b < s.batch; ++b)
    for (int n = 0; n < s.out_c; ++n)
      for (size_t i = 0; i < plane; ++i) y[(size_t(b) * s.out_c + n) * plane + i] += bias[n];
  return y;
}

void check_against_stock(const DeconvShape& s, unsigned seed) {
  std::mt19937 rng(seed);
  const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
  const auto bias = random_tensor(size_t(s.out_c), rng);
  peers::StockDarknetDeconv stock(s, w.data(), bias.data());
  stock.forward(x.data());
  const std::vector<float> want(stock.output(), stock.output() + s.output_count());
  INFO("seed " << seed << ": " << s.describe());
  CHECK(compare(huge2_with_bias(s, Algorithm::huge2, w, bias, x), want) == "");
  CHECK(compare(huge2_with_bias(s, Algorithm::darknet, w, bias, x), want) == "");
}

}  // namespace

TEST_CASE("stock Darknet: DCGAN layers match libdarknet's forward_deconvolutional_layer", "[darknet]") {
  struct L { int c, n, h, k, s, p; };
  // The 64x64 DCGAN ladder, channels cut by 8 to keep the naive stock GEMM fast,
  // the 1x1 -> 4x4 projection, and the 5x5 variant.
  for (L l : {L{128, 64, 4, 4, 2, 1}, L{64, 32, 8, 4, 2, 1}, L{32, 16, 16, 4, 2, 1}, L{16, 3, 32, 4, 2, 1},
              L{100, 64, 1, 4, 1, 0}, L{64, 32, 8, 5, 2, 2}}) {
    DeconvShape s;
    s.in_c = l.c, s.out_c = l.n, s.in_h = s.in_w = l.h, s.ksize = l.k, s.stride = l.s, s.pad = l.p;
    check_against_stock(s, unsigned(l.c * 31 + l.h));
  }
}

TEST_CASE("stock Darknet: odd geometries and batches match", "[darknet]") {
  std::mt19937 rng(99);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int i = 0; i < 40;) {
    DeconvShape s;
    s.batch = pick(1, 3), s.ksize = pick(1, 6), s.stride = pick(1, 4), s.pad = pick(0, s.ksize - 1);
    s.in_h = pick(1, 12), s.in_w = pick(1, 12), s.in_c = pick(1, 16), s.out_c = pick(1, 16);
    if (s.out_h() < 1 || s.out_w() < 1) continue;
    check_against_stock(s, 1000u + unsigned(i++));
  }
}

// Training: huge2's backward pass (both algorithms) against libdarknet's own
// backward_deconvolutional_layer, the data gradient and the weight gradient.
TEST_CASE("stock Darknet: backward passes match libdarknet's backward_deconvolutional_layer", "[darknet]") {
  std::mt19937 rng(4242);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int i = 0; i < 30;) {
    DeconvShape s;
    s.batch = pick(1, 3), s.ksize = pick(1, 6), s.stride = pick(1, 4), s.pad = pick(0, s.ksize - 1);
    s.in_h = pick(1, 12), s.in_w = pick(1, 12), s.in_c = pick(1, 16), s.out_c = pick(1, 16);
    if (s.out_h() < 1 || s.out_w() < 1) continue;
    ++i;
    const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
    const auto dy = random_tensor(s.output_count(), rng);
    peers::StockDarknetDeconv stock(s, w.data(), nullptr);
    std::vector<float> want_dx(s.input_count());
    stock.backward(x.data(), dy.data(), want_dx.data());
    const std::vector<float> want_dw(stock.weight_updates(), stock.weight_updates() + s.weight_count());
    for (Algorithm a : {Algorithm::huge2, Algorithm::darknet}) {
      INFO("draw " << i << ", " << algorithm_name(a) << ": " << s.describe());
      DeconvolutionBackward op(s, a, w.data());
      std::vector<float> ws(op.workspace_bytes() / sizeof(float) + 1), dx(s.input_count(), -7.f);
      std::vector<float> dw(s.weight_count(), 0.f);
      op.backward_data(dy.data(), dx.data(), ws.data(), ws.size() * sizeof(float));
      op.backward_weights(x.data(), dy.data(), dw.data(), ws.data(), ws.size() * sizeof(float));
      CHECK(compare(dx, want_dx) == "");
      CHECK(compare(dw, want_dw) == "");
    }
  }
}
