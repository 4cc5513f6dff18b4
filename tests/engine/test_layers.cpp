// Engine layers built from cfg text and run through huge2::Network: every
// expected value is worked out by hand in the comments (Darknet semantics), or
// comes from a naive loop written here from the layer's definition.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/activation.h"
#include "helpers.h"
#include "network.h"

using huge2::Network;
using huge2::test::compare;
using huge2::test::random_tensor;

namespace {

Network build(const std::string& text, int threads = 0) {
  huge2::NetworkOptions opt;
  opt.threads = threads;
  return Network::from_cfg(huge2::cfg::parse_cfg_text(text, "t.cfg"), opt);
}

// Runs the network on `input` and copies out batch x output_shape() floats.
std::vector<float> run(Network& net, const std::vector<float>& input) {
  REQUIRE(input.size() == net.input_shape().size() * net.batch());
  const float* y = net.forward(input.data());
  return std::vector<float>(y, y + net.output_shape().size() * net.batch());
}

// Writes a Darknet 0.2.0 .weights file holding `params` (every layer's
// arrays in cfg order, as the caller lays them out) and loads it.
void load_params(Network& net, const std::vector<float>& params, int32_t minor = 2) {
  static int counter = 0;
  const std::string path = "/tmp/huge2_test_layers_" + std::to_string(::getpid()) + "_" +
                           std::to_string(counter++) + ".weights";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  const int32_t version[3] = {0, minor, 0};
  std::fwrite(version, sizeof(int32_t), 3, f);
  const uint64_t seen = 0;
  std::fwrite(&seen, minor >= 2 && minor < 1000 ? 8 : 4, 1, f);  // 8-byte `seen` from 0.2 on
  std::fwrite(params.data(), sizeof(float), params.size(), f);
  std::fclose(f);
  try {
    net.load_weights(path);
  } catch (...) {
    std::remove(path.c_str());
    throw;
  }
  std::remove(path.c_str());
}

std::vector<float> concat(std::initializer_list<std::vector<float>> parts) {
  std::vector<float> all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

// ---- naive definitions, written from the layer semantics ----

// Darknet [convolutional], groups and dilation included: the padding applied
// is pad * dilation, weights are [n][c / groups][k][k].
struct ConvGeom {
  int batch = 1, c = 1, h = 1, w = 1, n = 1, k = 1, stride = 1, pad = 0, dilation = 1, groups = 1;
  int out_h() const { return (h + 2 * pad * dilation - dilation * (k - 1) - 1) / stride + 1; }
  int out_w() const { return (w + 2 * pad * dilation - dilation * (k - 1) - 1) / stride + 1; }
};

std::vector<float> naive_conv(const ConvGeom& g, const std::vector<float>& x, const std::vector<float>& wt,
                              const std::vector<float>& bias) {
  const int oh = g.out_h(), ow = g.out_w(), cg = g.c / g.groups, ng = g.n / g.groups, P = g.pad * g.dilation;
  std::vector<float> y(size_t(g.batch) * g.n * oh * ow);
  for (int b = 0; b < g.batch; ++b)
    for (int n = 0; n < g.n; ++n)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          double sum = bias[n];
          const int group = n / ng;
          for (int c = 0; c < cg; ++c)
            for (int ky = 0; ky < g.k; ++ky)
              for (int kx = 0; kx < g.k; ++kx) {
                const int iy = oy * g.stride - P + ky * g.dilation, ix = ox * g.stride - P + kx * g.dilation;
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                const int ci = group * cg + c;
                sum += double(wt[((size_t(n) * cg + c) * g.k + ky) * g.k + kx]) *
                       x[((size_t(b) * g.c + ci) * g.h + iy) * g.w + ix];
              }
          y[((size_t(b) * g.n + n) * oh + oy) * ow + ox] = float(sum);
        }
  return y;
}

// Darknet [deconvolutional]: every input pixel scatters its k x k stamp,
// W[c][o][ky][kx] * x[c][iy][ix], to output (iy*stride - pad + ky, ix*stride - pad + kx).
struct DeconvGeom {
  int batch = 1, c = 1, h = 1, w = 1, n = 1, k = 1, stride = 1, pad = 0;
  int out_h() const { return (h - 1) * stride + k - 2 * pad; }
  int out_w() const { return (w - 1) * stride + k - 2 * pad; }
};

std::vector<float> naive_deconv(const DeconvGeom& g, const std::vector<float>& x, const std::vector<float>& wt) {
  const int oh = g.out_h(), ow = g.out_w();
  std::vector<double> y(size_t(g.batch) * g.n * oh * ow, 0.0);
  for (int b = 0; b < g.batch; ++b)
    for (int c = 0; c < g.c; ++c)
      for (int iy = 0; iy < g.h; ++iy)
        for (int ix = 0; ix < g.w; ++ix)
          for (int o = 0; o < g.n; ++o)
            for (int ky = 0; ky < g.k; ++ky)
              for (int kx = 0; kx < g.k; ++kx) {
                const int oy = iy * g.stride - g.pad + ky, ox = ix * g.stride - g.pad + kx;
                if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                y[((size_t(b) * g.n + o) * oh + oy) * ow + ox] +=
                    double(wt[((size_t(c) * g.n + o) * g.k + ky) * g.k + kx]) *
                    x[((size_t(b) * g.c + c) * g.h + iy) * g.w + ix];
              }
  return std::vector<float>(y.begin(), y.end());
}

// Inference batch-norm, Darknet's CPU formula, then the bias.
void naive_batchnorm(std::vector<float>& y, int batch, int channels, size_t spatial, const std::vector<float>& scales,
                     const std::vector<float>& mean, const std::vector<float>& var, const std::vector<float>& bias) {
  for (int b = 0; b < batch; ++b)
    for (int c = 0; c < channels; ++c)
      for (size_t i = 0; i < spatial; ++i) {
        float& v = y[(size_t(b) * channels + c) * spatial + i];
        v = float((v - mean[c]) / (std::sqrt(double(var[c])) + 0.000001) * scales[c] + bias[c]);
      }
}

void add_bias(std::vector<float>& y, int batch, int channels, size_t spatial, const std::vector<float>& bias) {
  for (int b = 0; b < batch; ++b)
    for (int c = 0; c < channels; ++c)
      for (size_t i = 0; i < spatial; ++i) y[(size_t(b) * channels + c) * spatial + i] += bias[c];
}

std::string net_header(int batch, int c, int h, int w) {
  return "[net]\nbatch=" + std::to_string(batch) + "\nchannels=" + std::to_string(c) +
         "\nheight=" + std::to_string(h) + "\nwidth=" + std::to_string(w) + "\n";
}

}  // namespace

// ---------------------------------------------------------------- pooling

TEST_CASE("layers: maxpool size=2 stride=2 on 4x4 takes each 2x2 block's max", "[layers]") {
  // Darknet: padding defaults to size-1 = 1, out = (4 + 1 - 2)/2 + 1 = 2,
  // window offset -padding/2 = 0: the four disjoint 2x2 blocks.
  Network net = build(net_header(1, 1, 4, 4) + "[maxpool]\nsize=2\nstride=2\n");
  REQUIRE(net.output_shape() == huge2::Shape3{1, 2, 2});
  const std::vector<float> x = {1,  5, 2, 0,   //
                                3,  -1, 7, 4,  //
                                0,  2, 9, 8,   //
                                -6, 1, 3, 6};
  // {1,5,3,-1} -> 5, {2,0,7,4} -> 7, {0,2,-6,1} -> 2, {9,8,3,6} -> 9
  CHECK(run(net, x) == std::vector<float>{5, 7, 2, 9});
}

TEST_CASE("layers: maxpool size=3 stride=1 keeps the size ('same')", "[layers]") {
  // padding = 2, out = (4 + 2 - 3)/1 + 1 = 4, offset -1: output (y,x) is the
  // max of rows y-1..y+1, cols x-1..x+1, clipped to the image. By hand:
  //   (0,0) rows 0-1 cols 0-1 {1,5,3,-1} = 5     (0,1) adds col 2 {2,7} = 7
  //   (1,1) rows 0-2 cols 0-2 contains the 9 = 9 (2,0) rows 1-3 cols 0-1 {3,-1,0,2,-6,1} = 3
  //   (3,0) rows 2-3 cols 0-1 {0,2,-6,1} = 2     every window touching (2,2) = 9
  Network net = build(net_header(1, 1, 4, 4) + "[maxpool]\nsize=3\nstride=1\n");
  REQUIRE(net.output_shape() == huge2::Shape3{1, 4, 4});
  const std::vector<float> x = {1, 5, 2, 0, 3, -1, 7, 4, 0, 2, 9, 8, -6, 1, 3, 6};
  CHECK(run(net, x) == std::vector<float>{5, 7, 7, 7,  //
                                          5, 9, 9, 9,  //
                                          3, 9, 9, 9,  //
                                          2, 9, 9, 9});
}

TEST_CASE("layers: maxpool size=2 stride=2 on an odd 5x5 clips the last window, per channel", "[layers]") {
  // out = (5 + 1 - 2)/2 + 1 = 3; windows start at 0, 2, 4 and the last one
  // only has row/col 4. Channel 0 is x = 5y + x (max = bottom-right valid
  // pixel: rows/cols {1, 3, 4}); channel 1 is its negative (max = top-left:
  // rows/cols {0, 2, 4}).
  Network net = build(net_header(1, 2, 5, 5) + "[maxpool]\nsize=2\nstride=2\n");
  REQUIRE(net.output_shape() == huge2::Shape3{2, 3, 3});
  std::vector<float> x(50);
  for (int i = 0; i < 25; ++i) x[i] = float(i), x[25 + i] = -float(i);
  CHECK(run(net, x) == std::vector<float>{6, 8, 9, 16, 18, 19, 21, 23, 24,  //
                                          0, -2, -4, -10, -12, -14, -20, -22, -24});
}

TEST_CASE("layers: avgpool is the global mean of each channel of each image", "[layers]") {
  Network net = build(net_header(2, 2, 2, 3) + "[avgpool]\n");
  REQUIRE(net.output_shape() == huge2::Shape3{2, 1, 1});
  const std::vector<float> x = {
      1,  2, 3, 4, 5, 6,     // image 0, channel 0: 21/6 = 3.5
      -1, 0, 0, 0, 0, 7,     // image 0, channel 1: 6/6 = 1
      10, 10, 10, 10, 10, 10,  // image 1, channel 0: 10
      6,  0, 0, 0, 0, 0};    // image 1, channel 1: 1
  CHECK(run(net, x) == std::vector<float>{3.5f, 1, 10, 1});
}

// ---------------------------------------------------------------- upsample, route, shortcut

TEST_CASE("layers: upsample stride 2 repeats every pixel 2x2, times scale", "[layers]") {
  const std::vector<float> x = {1, 2, 3, 4};  // 2x2
  const std::vector<float> up = {1, 1, 2, 2,  //
                                 1, 1, 2, 2,  //
                                 3, 3, 4, 4,  //
                                 3, 3, 4, 4};
  SECTION("default scale 1") {
    Network net = build(net_header(1, 1, 2, 2) + "[upsample]\nstride=2\n");
    REQUIRE(net.output_shape() == huge2::Shape3{1, 4, 4});
    CHECK(run(net, x) == up);
  }
  SECTION("scale=0.5 halves every value") {
    Network net = build(net_header(1, 1, 2, 2) + "[upsample]\nstride=2\nscale=0.5\n");
    std::vector<float> half = up;
    for (float& v : half) v *= 0.5f;
    CHECK(run(net, x) == half);
  }
  SECTION("stride 3 on 1x2 with two channels") {
    Network net = build(net_header(1, 2, 1, 2) + "[upsample]\nstride=3\n");
    REQUIRE(net.output_shape() == huge2::Shape3{2, 3, 6});
    const std::vector<float> y = run(net, {5, -1, 7, 8});
    for (int row = 0; row < 3; ++row) {
      CHECK(std::vector<float>(y.begin() + row * 6, y.begin() + row * 6 + 6) ==
            std::vector<float>{5, 5, 5, -1, -1, -1});
      CHECK(std::vector<float>(y.begin() + 18 + row * 6, y.begin() + 18 + row * 6 + 6) ==
            std::vector<float>{7, 7, 7, 8, 8, 8});
    }
  }
}

TEST_CASE("layers: route concatenates earlier layers along channels, per image", "[layers]") {
  // [upsample] stride=1 is a weightless "multiply by scale" layer:
  //   layer 0 = 2x, layer 1 = -1 * layer 0 = -2x.
  // layer 2: route -1,0 -> [layer 1 | layer 0]  (c = 2)
  // layer 3: route 2,-3 -> [layer 2 | layer 0]  (c = 3; -3 from layer 3 is layer 0)
  // Batch 2: each image's channels are concatenated separately.
  Network net = build(net_header(2, 1, 1, 2) +
                      "[upsample]\nstride=1\nscale=2\n"
                      "[upsample]\nstride=1\nscale=-1\n"
                      "[route]\nlayers=-1,0\n"
                      "[route]\nlayers = 2, -3\n");
  REQUIRE(net.layer(2).out() == huge2::Shape3{2, 1, 2});
  REQUIRE(net.output_shape() == huge2::Shape3{3, 1, 2});
  const std::vector<float> x = {1, 2, 3, 4};  // image 0: [1 2], image 1: [3 4]
  const std::vector<float> y = run(net, x);
  // image 0: layer0 = [2 4], layer1 = [-2 -4]; image 1: [6 8], [-6 -8]
  const std::vector<float> l2(net.output_of(2), net.output_of(2) + 8);
  CHECK(l2 == std::vector<float>{-2, -4, 2, 4, /**/ -6, -8, 6, 8});
  CHECK(y == std::vector<float>{-2, -4, 2, 4, 2, 4, /**/ -6, -8, 6, 8, 6, 8});
}

TEST_CASE("layers: shortcut adds alpha * previous + beta * from, then its activation", "[layers]") {
  // layer 0 = 2x, layer 1 = 3 * layer 0 = 6x (upsample stride=1 scales).
  // layer 2: shortcut from=0, alpha = beta = 1: 6x + 2x = 8x.
  // layer 3: shortcut from=-3 (layer 0), alpha=0.5 beta=-1, leaky:
  //   0.5 * 8x - 2x = 2x, then leaky (0.1 * negative values).
  Network net = build(net_header(1, 2, 1, 2) +
                      "[upsample]\nstride=1\nscale=2\n"
                      "[upsample]\nstride=1\nscale=3\n"
                      "[shortcut]\nfrom=0\n"
                      "[shortcut]\nfrom=-3\nalpha=0.5\nbeta=-1\nactivation=leaky\n");
  const std::vector<float> x = {1, -2, 3, -4};
  const std::vector<float> y = run(net, x);
  CHECK(std::vector<float>(net.output_of(2), net.output_of(2) + 4) == std::vector<float>{8, -16, 24, -32});
  // 2x = [2 -4 6 -8] -> leaky [2 -0.4 6 -0.8]
  CHECK(compare(y, {2, -0.4f, 6, -0.8f}, 1e-6) == "");
}

// ---------------------------------------------------------------- connected

TEST_CASE("layers: connected computes W x + b with W stored [out][in]", "[layers]") {
  // W = [[1 2 3], [-1 0 0.5]], b = [0.5 -1].
  // image 0, x = [1 -1 2]: W x = [1 - 2 + 6, -1 + 0 + 1] = [5 0] -> + b = [5.5 -1]
  // image 1, x = [0 1 0]:  W x = [2 0]                        -> + b = [2.5 -1]
  const std::vector<float> x = {1, -1, 2, 0, 1, 0};
  const std::vector<float> bias = {0.5f, -1}, w = {1, 2, 3, -1, 0, 0.5f};
  SECTION("linear") {
    Network net = build(net_header(2, 3, 1, 1) + "[connected]\noutput=2\nactivation=linear\n");
    REQUIRE(net.output_shape() == huge2::Shape3{2, 1, 1});
    load_params(net, concat({bias, w}));
    CHECK(compare(run(net, x), {5.5f, -1, 2.5f, -1}, 1e-6) == "");
  }
  SECTION("relu, input given as a 3x1x1 image (flattened the same way)") {
    Network net = build(net_header(2, 1, 1, 3) + "[connected]\noutput=2\nactivation=relu\n");
    load_params(net, concat({bias, w}));
    CHECK(compare(run(net, x), {5.5f, 0, 2.5f, 0}, 1e-6) == "");
  }
  SECTION("batch_normalize: biases, weights, then scales, mean, variance") {
    // scales [2 1], mean [1 0], variance [4 0.25] (sqrt: 2 and 0.5):
    //   image 0: (5 - 1)/2 * 2 + 0.5 = 4.5;  (0 - 0)/0.5 * 1 - 1 = -1
    //   image 1: (2 - 1)/2 * 2 + 0.5 = 1.5;  -1
    Network net = build(net_header(2, 3, 1, 1) + "[connected]\noutput=2\nactivation=linear\nbatch_normalize=1\n");
    load_params(net, concat({bias, w, {2, 1}, {1, 0}, {4, 0.25f}}));
    CHECK(compare(run(net, x), {4.5f, -1, 1.5f, -1}, 1e-5) == "");
  }
  SECTION("a file with minor > 1000 stores W transposed, [in][out]") {
    Network net = build(net_header(2, 3, 1, 1) + "[connected]\noutput=2\nactivation=linear\n");
    load_params(net, concat({bias, {1, -1, 2, 0, 3, 0.5f}}), /*minor=*/1001);
    CHECK(compare(run(net, x), {5.5f, -1, 2.5f, -1}, 1e-6) == "");
  }
}

// ---------------------------------------------------------------- convolutional

TEST_CASE("layers: convolutional 3x3 pad=1 with given weights, bias and leaky", "[layers]") {
  // Input (1 channel, 3x3):   filter 0 (bias 0.5):   filter 1 (bias -1):
  //    1  2  0                   0  1  0                1 0 0
  //    0 -1  3                   1 -2  1                0 0 0
  //    2  1 -2                   0  1  0                0 0 0
  // Filter 0 = up + left + right + down - 2 * centre (zero outside), + 0.5:
  //   (0,0): 2 - 2 = 0 -> 0.5        (0,1): 1 + 0 - 1 - 4 = -4 -> -3.5   (0,2): 2 + 3 - 0 = 5 -> 5.5
  //   (1,0): 1 - 1 + 2 = 2 -> 2.5    (1,1): 2 + 0 + 3 + 1 + 2 = 8 -> 8.5  (1,2): -1 - 2 - 6 = -9 -> -8.5
  //   (2,0): 1 - 4 = -3 -> -2.5      (2,1): -1 + 2 - 2 - 2 = -3 -> -2.5   (2,2): 3 + 1 + 4 = 8 -> 8.5
  // Filter 1 reads the up-left neighbour x[y-1][x-1], - 1:
  //   row 0: -1 -1 -1;  row 1: -1, 1-1 = 0, 2-1 = 1;  row 2: -1, 0-1 = -1, -1-1 = -2
  // leaky multiplies the negatives by 0.1.
  Network net = build(net_header(1, 1, 3, 3) +
                      "[convolutional]\nfilters=2\nsize=3\nstride=1\npad=1\nactivation=leaky\n");
  REQUIRE(net.output_shape() == huge2::Shape3{2, 3, 3});
  load_params(net, concat({{0.5f, -1},                          // biases
                           {0, 1, 0, 1, -2, 1, 0, 1, 0},        // filter 0
                           {1, 0, 0, 0, 0, 0, 0, 0, 0}}));      // filter 1
  const std::vector<float> y = run(net, {1, 2, 0, 0, -1, 3, 2, 1, -2});
  CHECK(compare(y, {0.5f, -0.35f, 5.5f, 2.5f, 8.5f, -0.85f, -0.25f, -0.25f, 8.5f,  //
                    -0.1f, -0.1f, -0.1f, -0.1f, 0, 1, -0.1f, -0.1f, -0.2f},
                1e-6) == "");
}

TEST_CASE("layers: convolutional batch_normalize uses Darknet's CPU formula", "[layers]") {
  // 1x1 conv, 1 input channel, 3 filters, weights [2 -1 1], biases [0.5 0 0],
  // scales [3 1 1e-6], mean [1 2 0], variance [4 9 0]; x = [1 3].
  //   filter 0: Wx = [2 6]   -> (Wx - 1)/(2 + 1e-6) * 3 + 0.5 = [2 8]
  //   filter 1: Wx = [-1 -3] -> (Wx - 2)/(3 + 1e-6) * 1       = [-1 -5/3]
  //   filter 2: Wx = [1 3]   -> Wx / (0 + 1e-6) * 1e-6       = [1 3]
  // Filter 2 tells the CPU formula (epsilon added after the sqrt) from the
  // GPU one, sqrt(var + 1e-5), which would give about 3e-4 * Wx.
  Network net = build(net_header(1, 1, 1, 2) +
                      "[convolutional]\nbatch_normalize=1\nfilters=3\nsize=1\nactivation=linear\n");
  load_params(net, concat({{0.5f, 0, 0}, {3, 1, 1e-6f}, {1, 2, 0}, {4, 9, 0}, {2, -1, 1}}));
  CHECK(compare(run(net, {1, 3}), {2, 8, -1, -5.f / 3, 1, 3}, 1e-5) == "");
}

TEST_CASE("layers: dilated convolution equals the naive definition (padding applied = pad * dilation)", "[layers]") {
  std::mt19937 rng(11);
  struct Case {
    ConvGeom g;
    const char* what;
  };
  std::vector<Case> cases;
  {
    ConvGeom g;  // "same": 7x9 -> 7x9
    g.batch = 2, g.c = 2, g.h = 7, g.w = 9, g.n = 3, g.k = 3, g.pad = 1, g.dilation = 2;
    cases.push_back({g, "size=3 pad=1 dilation=2"});
    g.stride = 2;  // (7 + 4 - 5)/2 + 1 = 4 by (9 + 4 - 5)/2 + 1 = 5
    cases.push_back({g, "size=3 pad=1 dilation=2 stride=2"});
    g.stride = 1, g.dilation = 3, g.pad = 0;  // 7 - 6 = 1 by 9 - 6 = 3
    cases.push_back({g, "size=3 pad=0 dilation=3"});
    g.batch = 1, g.h = 5, g.w = 70, g.dilation = 2, g.pad = 1;  // wide: huge2 untangles sub-images
    cases.push_back({g, "size=3 pad=1 dilation=2 on 5x70"});
  }
  for (const Case& c : cases)
    for (int use_huge2 : {0, 1}) {
      const ConvGeom& g = c.g;
      CAPTURE(c.what, use_huge2);
      Network net = build(net_header(g.batch, g.c, g.h, g.w) + "[convolutional]\nfilters=" + std::to_string(g.n) +
                          "\nsize=" + std::to_string(g.k) + "\nstride=" + std::to_string(g.stride) +
                          "\npad=" + std::to_string(g.pad) + "\ndilation=" + std::to_string(g.dilation) +
                          "\nhuge2=" + std::to_string(use_huge2) + "\nactivation=linear\n");
      REQUIRE(net.output_shape() == huge2::Shape3{g.n, g.out_h(), g.out_w()});
      const auto bias = random_tensor(g.n, rng);
      const auto w = random_tensor(size_t(g.n) * g.c * g.k * g.k, rng);
      const auto x = random_tensor(size_t(g.batch) * g.c * g.h * g.w, rng);
      load_params(net, concat({bias, w}));
      CHECK(compare(run(net, x), naive_conv(g, x, w, bias)) == "");
    }
}

TEST_CASE("layers: grouped convolution equals the naive definition", "[layers]") {
  // groups=2: filters 0-2 see input channels 0-1, filters 3-5 see channels 2-3;
  // weights are [6][2][3][3]. Batch 2 checks the per-image group offsets.
  std::mt19937 rng(12);
  ConvGeom g;
  g.batch = 2, g.c = 4, g.h = 5, g.w = 6, g.n = 6, g.k = 3, g.pad = 1, g.groups = 2;
  for (int stride : {1, 2}) {
    g.stride = stride;
    CAPTURE(stride);
    Network net = build(net_header(g.batch, g.c, g.h, g.w) + "[convolutional]\nfilters=6\nsize=3\nstride=" +
                        std::to_string(stride) + "\npad=1\ngroups=2\nactivation=linear\n");
    REQUIRE(net.output_shape() == huge2::Shape3{g.n, g.out_h(), g.out_w()});
    const auto bias = random_tensor(g.n, rng);
    const auto w = random_tensor(size_t(g.n) * (g.c / g.groups) * g.k * g.k, rng);
    const auto x = random_tensor(size_t(g.batch) * g.c * g.h * g.w, rng);
    load_params(net, concat({bias, w}));
    CHECK(compare(run(net, x), naive_conv(g, x, w, bias)) == "");
  }
}

// ---------------------------------------------------------------- deconvolutional

TEST_CASE("layers: deconvolutional size=4 stride=2 padding=1 equals a naive scatter", "[layers]") {
  std::mt19937 rng(13);
  DeconvGeom g;  // out = (3-1)*2 + 4 - 2 = 6 by (4-1)*2 + 4 - 2 = 8
  g.batch = 2, g.c = 3, g.h = 3, g.w = 4, g.n = 2, g.k = 4, g.stride = 2, g.pad = 1;
  const auto bias = random_tensor(g.n, rng);
  const auto w = random_tensor(size_t(g.c) * g.n * g.k * g.k, rng);  // [in][out][k][k]
  const auto x = random_tensor(size_t(g.batch) * g.c * g.h * g.w, rng);
  const size_t spatial = size_t(g.out_h()) * g.out_w();
  const auto layer = [](int use_huge2) {
    return "[deconvolutional]\nfilters=2\nsize=4\nstride=2\npadding=1\nactivation=linear\nhuge2=" +
           std::to_string(use_huge2) + "\n";
  };
  SECTION("bias") {
    std::vector<float> want = naive_deconv(g, x, w);
    add_bias(want, g.batch, g.n, spatial, bias);
    for (int use_huge2 : {0, 1}) {
      CAPTURE(use_huge2);
      Network net = build(net_header(g.batch, g.c, g.h, g.w) + layer(use_huge2));
      REQUIRE(net.output_shape() == huge2::Shape3{2, 6, 8});
      load_params(net, concat({bias, w}));
      CHECK(compare(run(net, x), want) == "");
    }
  }
  SECTION("batch_normalize: biases, scales, mean, variance, weights") {
    const std::vector<float> scales = {1.5f, -0.5f}, mean = {0.25f, -1}, var = {0.81f, 4};
    std::vector<float> want = naive_deconv(g, x, w);
    naive_batchnorm(want, g.batch, g.n, spatial, scales, mean, var, bias);
    for (int use_huge2 : {0, 1}) {
      CAPTURE(use_huge2);
      Network net = build(net_header(g.batch, g.c, g.h, g.w) + layer(use_huge2) + "batch_normalize=1\n");
      load_params(net, concat({bias, scales, mean, var, w}));
      CHECK(compare(run(net, x), want) == "");
    }
  }
}

TEST_CASE("layers: deconvolutional with many more inputs than outputs (huge2's pixel tiles)", "[layers]") {
  std::mt19937 rng(14);
  DeconvGeom g;  // 2 output channels: huge2 may put pixels in the vector (pixel tiles)
  g.batch = 1, g.c = 16, g.h = 4, g.w = 3, g.n = 2, g.k = 4, g.stride = 2, g.pad = 1;
  const auto bias = random_tensor(g.n, rng);
  const auto w = random_tensor(size_t(g.c) * g.n * g.k * g.k, rng);
  const auto x = random_tensor(size_t(g.c) * g.h * g.w, rng);
  std::vector<float> want = naive_deconv(g, x, w);
  add_bias(want, 1, g.n, size_t(g.out_h()) * g.out_w(), bias);
  for (int use_huge2 : {0, 1}) {
    CAPTURE(use_huge2);
    Network net = build(net_header(1, g.c, g.h, g.w) +
                        "[deconv]\nfilters=2\nsize=4\nstride=2\npadding=1\nactivation=linear\nhuge2=" +
                        std::to_string(use_huge2) + "\n");
    load_params(net, concat({bias, w}));
    CHECK(compare(run(net, x), want) == "");
  }
}

// ---------------------------------------------------------------- shape-keeping layers

TEST_CASE("layers: softmax over groups, with temperature, and per pixel", "[layers]") {
  SECTION("groups=2 normalises each half of the image") {
    // x = [1 2 | 3 3]: [e/(e+e^2), e^2/(e+e^2)] = [1/(1+e), e/(1+e)] = [0.2689414, 0.7310586]; [0.5 0.5]
    Network net = build(net_header(1, 4, 1, 1) + "[softmax]\ngroups=2\n");
    CHECK(compare(run(net, {1, 2, 3, 3}), {0.26894142f, 0.73105858f, 0.5f, 0.5f}, 1e-6) == "");
  }
  SECTION("temperature=2 divides the logits by 2") {
    // x = [0, 2 ln 2, 2 ln 3, 0] / 2 -> exp = [1 2 3 1], sum 7
    Network net = build(net_header(1, 4, 1, 1) + "[softmax]\ntemperature=2\n");
    CHECK(compare(run(net, {0, 2 * std::log(2.f), 2 * std::log(3.f), 0}), {1 / 7.f, 2 / 7.f, 3 / 7.f, 1 / 7.f},
                  1e-6) == "");
  }
  SECTION("spatial=1 normalises over the channels of every pixel") {
    // 3 channels x 2 pixels. Pixel 0: [0, ln 2, ln 5] -> [1 2 5]/8; pixel 1: [0, 0, ln 2] -> [1 1 2]/4.
    // Memory is channel-major: [c0p0 c0p1 c1p0 c1p1 c2p0 c2p1].
    Network net = build(net_header(1, 3, 1, 2) + "[softmax]\nspatial=1\n");
    const std::vector<float> x = {0, 0, std::log(2.f), 0, std::log(5.f), std::log(2.f)};
    CHECK(compare(run(net, x), {0.125f, 0.25f, 0.25f, 0.25f, 0.625f, 0.5f}, 1e-6) == "");
  }
  SECTION("spatial=1 on a class map: every probability within 1e-6 relative of the definition in double") {
    // 19 classes x 37 x 29 pixels (blocks of 256 and a partial one), logits
    // spread over +-60 so that many terms fall below e^-87 (the polynomial
    // exponential flushes those to 0; expf gives subnormals), temperature 1.5,
    // two images, 2 threads.
    const int c = 19, h = 37, w = 29;
    std::mt19937 rng(21);
    std::uniform_real_distribution<float> u(-60.f, 60.f);
    std::vector<float> x(size_t(2) * c * h * w);
    for (float& v : x) v = u(rng);
    Network net = build(net_header(2, c, h, w) + "[softmax]\nspatial=1\ntemperature=1.5\n", 2);
    const std::vector<float> y = run(net, x);
    const size_t plane = size_t(h) * w;
    double worst = 0;
    for (int b = 0; b < 2; ++b)
      for (size_t p = 0; p < plane; ++p) {
        const float* xp = x.data() + size_t(b) * c * plane + p;
        double top = -INFINITY, sum = 0;
        for (int k = 0; k < c; ++k) top = std::max(top, double(xp[k * plane]));
        for (int k = 0; k < c; ++k) sum += std::exp((xp[k * plane] - top) / 1.5);
        for (int k = 0; k < c; ++k) {
          const double arg = (xp[k * plane] - top) / 1.5, want = std::exp(arg) / sum;
          const double got = y[size_t(b) * c * plane + k * plane + p];
          // Float arithmetic rounds the argument itself (x - max, / T): a
          // relative error of e^arg up to ~2 roundings of |arg| comes with it.
          const double err = want > 1e-30 ? std::fabs(got - want) / want : std::fabs(got - want) * 1e30;
          worst = std::max(worst, err / (1 + 2 * std::fabs(arg) * 0x1p-24 / 1e-6));
        }
      }
    CHECK(worst < 1e-6);
  }
}

TEST_CASE("layers: dropout is the identity at inference", "[layers]") {
  Network net = build(net_header(2, 2, 1, 2) + "[dropout]\nprobability=0.3\n");
  const std::vector<float> x = {1, -2, 0.5f, 0, -7, 3, 1e-3f, 100};
  CHECK(run(net, x) == x);
}

TEST_CASE("layers: [logistic] applies 1/(1+e^-x)", "[layers]") {
  // 1/(1+1) = 0.5; 1/(1+1/3) = 0.75; 1/(1+3) = 0.25
  Network net = build(net_header(1, 3, 1, 1) + "[logistic]\n");
  CHECK(compare(run(net, {0, std::log(3.f), -std::log(3.f)}), {0.5f, 0.75f, 0.25f}, 1e-6) == "");
}

TEST_CASE("layers: [batchnorm] normalises with scales, mean and variance", "[layers]") {
  // channel 0: scale 2, mean 1, variance 0.25 (sqrt 0.5): (x - 1)/0.5 * 2 = 4x - 4
  // channel 1: scale 1, mean 0, variance 1: x
  Network net = build(net_header(1, 2, 1, 3) + "[batchnorm]\n");
  load_params(net, concat({{2, 1}, {1, 0}, {0.25f, 1}}));
  CHECK(compare(run(net, {1, 2, 3, -1, 0, 5}), {0, 4, 8, -1, 0, 5}, 1e-5) == "");
}

// ---------------------------------------------------------------- activations

namespace {

// Darknet's activations.h, written out here; tanh is the true tanh.
double expected_activation(const std::string& name, double x) {
  if (name == "logistic") return 1 / (1 + std::exp(-x));
  if (name == "relu") return x > 0 ? x : 0;
  if (name == "relie") return x > 0 ? x : 0.01 * x;
  if (name == "linear") return x;
  if (name == "ramp") return (x > 0 ? x : 0) + 0.1 * x;
  if (name == "tanh") return std::tanh(x);
  if (name == "plse") return x < -4 ? 0.01 * (x + 4) : x > 4 ? 0.01 * (x - 4) + 1 : 0.125 * x + 0.5;
  if (name == "leaky") return x > 0 ? x : 0.1 * x;
  if (name == "elu") return x >= 0 ? x : std::exp(x) - 1;
  if (name == "loggy") return 2 / (1 + std::exp(-x)) - 1;
  if (name == "stair") {  // floor(x/2) on even floors; on odd ones the fraction is added
    const int n = int(std::floor(x));
    return n % 2 == 0 ? std::floor(x / 2) : (x - n) + std::floor(x / 2);
  }
  if (name == "hardtan") return x < -1 ? -1 : x > 1 ? 1 : x;
  if (name == "lhtan") return x < 0 ? 0.001 * x : x > 1 ? 0.001 * (x - 1) + 1 : x;
  if (name == "selu") return x >= 0 ? 1.0507 * x : 1.0507 * 1.6732 * (std::exp(x) - 1);
  FAIL("no formula for " << name);
  return 0;
}

const std::vector<std::string> kActivations = {"logistic", "relu", "relie", "linear",  "ramp",  "tanh", "plse",
                                               "leaky",    "elu",  "loggy", "stair", "hardtan", "lhtan", "selu"};
const std::vector<float> kPoints = {-50, -5, -2.5f, -1.5f, -0.5f, 0, 0.5f, 1, 1.5f, 2.5f, 5, 50};

}  // namespace

TEST_CASE("layers: the formulas in this test agree with hand-computed values", "[layers]") {
  // Spot checks of the tricky ones, by hand:
  CHECK(expected_activation("stair", -2.5) == -1.5);  // floor -3 (odd): 0.5 + floor(-1.25) = 0.5 - 2
  CHECK(expected_activation("stair", -1.5) == -1);    // floor -2 (even): floor(-0.75)
  CHECK(expected_activation("stair", 1.5) == 0.5);    // floor 1 (odd): 0.5 + floor(0.75)
  CHECK(expected_activation("stair", 2.5) == 1);      // floor 2 (even): floor(1.25)
  CHECK(expected_activation("stair", 5) == 2);        // floor 5 (odd): 0 + floor(2.5)
  CHECK(expected_activation("plse", -5) == Approx(-0.01));
  CHECK(expected_activation("plse", 2.5) == Approx(0.8125));
  CHECK(expected_activation("plse", 5) == Approx(1.01));
  CHECK(expected_activation("lhtan", 5) == Approx(1.004));
  CHECK(expected_activation("ramp", -0.5) == Approx(-0.05));
  CHECK(expected_activation("ramp", 2.5) == Approx(2.75));
  CHECK(expected_activation("selu", -50) == Approx(-1.758031));  // 1.0507 * 1.6732 * (e^-50 - 1) = -1.7580312
  CHECK(expected_activation("tanh", 50) == 1);
}

TEST_CASE("layers: huge2::activate follows Darknet's formulas for every activation name", "[layers]") {
  for (const std::string& name : kActivations) {
    const huge2::Activation a = huge2::parse_activation(name);
    CHECK(std::string(huge2::activation_name(a)) == name);
    for (float x : kPoints) {
      CAPTURE(name, x);
      const float got = huge2::activate(x, a);
      REQUIRE(std::isfinite(got));
      CHECK(got == Approx(expected_activation(name, x)).epsilon(1e-5).margin(1e-6));
    }
  }
  // True tanh where Darknet's (e^2x - 1)/(e^2x + 1) overflows to inf/inf = NaN.
  CHECK(huge2::activate(50.f, huge2::Activation::tanh) == 1.f);
  CHECK(huge2::activate(-50.f, huge2::Activation::tanh) == -1.f);
}

TEST_CASE("layers: every activation name works in a [convolutional] layer", "[layers]") {
  // size=1 filters=1 with weight 1 and bias 0: the layer outputs activation(x).
  std::vector<float> x(kPoints.begin(), kPoints.end());
  for (const std::string& name : kActivations) {
    CAPTURE(name);
    Network net = build(net_header(1, 1, 1, int(x.size())) +
                        "[convolutional]\nfilters=1\nsize=1\nstride=1\nactivation=" + name + "\n");
    load_params(net, {0.f, 1.f});
    const std::vector<float> y = run(net, x);
    for (size_t i = 0; i < x.size(); ++i) {
      CAPTURE(x[i]);
      REQUIRE(std::isfinite(y[i]));
      CHECK(y[i] == Approx(expected_activation(name, x[i])).epsilon(1e-5).margin(1e-6));
    }
  }
}
