// The backward passes (DeconvolutionBackward, ConvolutionBackward), for the
// ISA this run is for (HUGE2_ISA; CTest runs gradients.avx512f/avx2/scalar),
// against the naive gradients (reference/gradient_reference.h) on the
// operator tests' random geometries, both algorithms; and the naive
// gradients and huge2's against central differences of the naive forward
// pass on tiny cases (the forward is linear, so the differences are exact up
// to rounding: this checks the gradient definitions themselves).
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <type_traits>

#include "helpers.h"
#include "operators/convolution_backward.h"
#include "operators/deconvolution_backward.h"
#include "planning/panel_gemm.h"
#include "reference/gradient_reference.h"
#include "reference/reference.h"
#include "runtime/isa.h"
#include "runtime/thread_pool.h"
#include "runtime/tuning.h"
#include "ukernels/tile_kernel.h"

using namespace huge2;
using huge2::test::compare;
using huge2::test::random_tensor;

namespace {

#ifndef HUGE2_GRADIENT_TRIALS
#define HUGE2_GRADIENT_TRIALS 40
#endif
constexpr int kTrials = HUGE2_GRADIENT_TRIALS;
constexpr int kWork = 1000000;  // the naive reference's multiply-adds per channel pair squared

struct DeconvCase {
  using Shape = DeconvShape;
  using Backward = DeconvolutionBackward;
  static std::optional<Shape> draw(std::mt19937& rng) { return test::random_deconv_shape(rng, kWork); }
  static void forward(const Shape& s, const float* x, const float* w, float* y) { deconv_reference(s, x, w, y); }
  static void data(const Shape& s, const float* dy, const float* w, float* dx) {
    deconv_backward_data_reference(s, dy, w, dx);
  }
  static void weights(const Shape& s, const float* x, const float* dy, float* dw) {
    deconv_backward_weights_reference(s, x, dy, dw);
  }
};
struct ConvCase {
  using Shape = ConvShape;
  using Backward = ConvolutionBackward;
  static std::optional<Shape> draw(std::mt19937& rng) { return test::random_conv_shape(rng, kWork); }
  static void forward(const Shape& s, const float* x, const float* w, float* y) { conv_reference(s, x, w, y); }
  static void data(const Shape& s, const float* dy, const float* w, float* dx) {
    conv_backward_data_reference(s, dy, w, dx);
  }
  static void weights(const Shape& s, const float* x, const float* dy, float* dw) {
    conv_backward_weights_reference(s, x, dy, dw);
  }
};

struct Grads {
  std::vector<float> dx, dw;
};

// One backward pass: dx into garbage (every element must be written), dw
// accumulated onto dw0 (the optimiser's running sum).
template <class Case>
Grads run_backward(const typename Case::Shape& s, Algorithm algo, const std::vector<float>& w,
                   const std::vector<float>& x, const std::vector<float>& dy, const std::vector<float>& dw0,
                   ThreadPool* pool = nullptr) {
  typename Case::Backward op(s, algo, w.data());
  std::vector<float> ws(op.workspace_bytes() / sizeof(float) + 1, 99.f);
  Grads g{std::vector<float>(s.input_count(), -7.f), dw0};
  op.backward_data(dy.data(), g.dx.data(), ws.data(), ws.size() * sizeof(float), pool);
  op.backward_weights(x.data(), dy.data(), g.dw.data(), ws.data(), ws.size() * sizeof(float), pool);
  return g;
}

template <class Case>
void check_random(unsigned seed) {
  std::mt19937 rng(seed);
  ThreadPool pool(2);
  for (int trial = 0; trial < kTrials;) {
    const auto shape = Case::draw(rng);
    if (!shape) continue;
    ++trial;
    const auto& s = *shape;
    const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
    const auto dy = random_tensor(s.output_count(), rng), dw0 = random_tensor(s.weight_count(), rng);
    Grads want{std::vector<float>(s.input_count()), dw0};
    Case::data(s, dy.data(), w.data(), want.dx.data());
    Case::weights(s, x.data(), dy.data(), want.dw.data());
    for (Algorithm a : {Algorithm::darknet, Algorithm::huge2}) {
      INFO("trial " << trial << ", " << algorithm_name(a) << ": " << s.describe());
      const Grads got = run_backward<Case>(s, a, w, x, dy, dw0, trial % 2 ? &pool : nullptr);
      CHECK(compare(got.dx, want.dx) == "");
      CHECK(compare(got.dw, want.dw) == "");
    }
  }
}

// L = sum(y * g): dL/dx and dL/dw by central differences of the naive forward.
template <class Case>
Grads finite_differences(const typename Case::Shape& s, std::vector<float> w, std::vector<float> x,
                         const std::vector<float>& g) {
  const float h = 0.25f;  // exact in float; L is linear in each variable
  auto loss = [&] {
    std::vector<float> y(s.output_count());
    Case::forward(s, x.data(), w.data(), y.data());
    double l = 0;
    for (size_t i = 0; i < y.size(); ++i) l += double(y[i]) * g[i];
    return l;
  };
  auto diff = [&](std::vector<float>& v) {
    std::vector<float> d(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      const float keep = v[i];
      v[i] = keep + h;
      const double up = loss();
      v[i] = keep - h;
      d[i] = float((up - loss()) / (2.0 * h));
      v[i] = keep;
    }
    return d;
  };
  Grads r;
  r.dx = diff(x);
  r.dw = diff(w);
  return r;
}

template <class Case>
void check_finite_differences(const typename Case::Shape& s, unsigned seed) {
  std::mt19937 rng(seed);
  const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
  const auto g = random_tensor(s.output_count(), rng);
  const Grads fd = finite_differences<Case>(s, w, x, g);
  const std::vector<float> zero(s.weight_count(), 0.f);
  INFO(s.describe());
  for (Algorithm a : {Algorithm::reference, Algorithm::darknet, Algorithm::huge2}) {
    INFO(algorithm_name(a));
    const Grads got = run_backward<Case>(s, a, w, x, g, zero);
    CHECK(compare(got.dx, fd.dx, 1e-3) == "");
    CHECK(compare(got.dw, fd.dw, 1e-3) == "");
  }
}

}  // namespace

TEST_CASE("transposed convolution backward equals the naive gradients", "[gradients]") {
  check_random<DeconvCase>(2020);
}

TEST_CASE("dilated convolution backward equals the naive gradients", "[gradients]") {
  check_random<ConvCase>(2021);
}

// huge2's backward of s against the naive gradients, on the calling thread
// and on the pool; check_method(method) asserts which path huge2 says it runs.
template <class Case, class CheckMethod>
void check_huge2_gradients(const typename Case::Shape& s, std::mt19937& rng, ThreadPool& pool,
                           const CheckMethod& check_method) {
  INFO(s.describe());
  const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
  const auto dy = random_tensor(s.output_count(), rng), dw0 = random_tensor(s.weight_count(), rng);
  Grads want{std::vector<float>(s.input_count()), dw0};
  Case::data(s, dy.data(), w.data(), want.dx.data());
  Case::weights(s, x.data(), dy.data(), want.dw.data());
  const std::string method = typename Case::Backward(s, Algorithm::huge2, w.data()).method();
  INFO(method);
  check_method(method);
  for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
    const Grads got = run_backward<Case>(s, Algorithm::huge2, w, x, dy, dw0, p);
    CHECK(compare(got.dx, want.dx) == "");
    CHECK(compare(got.dw, want.dw) == "");
  }
}

TEST_CASE("one-window convolution backward (matrix-vector data gradient) equals the naive gradients",
          "[gradients]") {
  std::mt19937 rng(13);
  ThreadPool pool(2);
  // Batches of 1, 2 and 9: the weight gradient is a GEMM over the images.
  for (int batch : {1, 2, 9})
    for (int k : {1, 3, 8})
      for (int stride : {1, 8})
        for (int in_c : {1, 37})
          for (int out_c : {1, 7, 33}) {
            ConvShape s;
            s.batch = batch, s.in_c = in_c, s.out_c = out_c, s.in_h = s.in_w = k, s.ksize = k, s.stride = stride;
            check_huge2_gradients<ConvCase>(s, rng, pool, [](const std::string& method) {
              CHECK(method.find("data: one window") == 0);
            });
          }
}

TEST_CASE("one-pixel transposed convolution backward (matrix-vector data gradient) equals the naive gradients",
          "[gradients]") {
  std::mt19937 rng(23);
  ThreadPool pool(2);
  // Batches of 1, 2 and 9: the forward and the weight gradient are GEMMs over the images.
  for (int batch : {1, 2, 9})
    for (int k : {1, 4})
      for (int in_c : {1, 37})
        for (int out_c : {1, 7, 33}) {
          DeconvShape s;
          s.batch = batch, s.in_c = in_c, s.out_c = out_c, s.in_h = s.in_w = 1, s.ksize = k, s.stride = 2;
          check_huge2_gradients<DeconvCase>(s, rng, pool, [](const std::string& method) {
            CHECK(method.find("one window") != std::string::npos);
          });
        }
}

// The weight gradient's lane tiles (planning/lane_correlation.h): pad 0,
// a's channel counts around the vector widths (one block for kernels of 3x3
// and more, whole and split rows; several blocks and tiles across channels
// for 1x1 and 2x2); transposed (a = x, the ReID 4x4/4 and 8x8/8 and YOLO
// 2x2/2 kind) and plain convolutions (a = dy), dilated too.
template <class Case>
void check_lane_tiles(const typename Case::Shape& s, std::mt19937& rng, ThreadPool& pool, bool padded = false) {
  const int m = std::is_same_v<Case, DeconvCase> ? s.in_c : s.out_c;
  const TileKernels& k = tile_kernels(active_isa());
  check_huge2_gradients<Case>(s, rng, pool, [&](const std::string& method) {
    const bool lanes = method.find("weights: lane tiles") != std::string::npos;
    if (padded) CHECK(lanes == (m <= k.max_nb * k.vl));  // the shapes below pay for their frame
    else CHECK(lanes == (s.ksize <= 2 || m <= k.max_nb * k.vl));
  });
}

TEST_CASE("weight gradients in lane tiles (pad 0, few channels) equal the naive gradients", "[gradients]") {
  std::mt19937 rng(31);
  ThreadPool pool(2);
  for (int m : {1, 4, 8, 9, 16, 17, 30, 32, 33, 70})
    for (int k : {1, 2, 3, 4, 8}) {
      DeconvShape d;
      d.batch = m % 2 + 1, d.in_c = m, d.out_c = k <= 2 ? 19 : m % 3 ? 5 : 9, d.in_h = 3, d.in_w = 7, d.ksize = k,
      d.stride = k;
      check_lane_tiles<DeconvCase>(d, rng, pool);
      d.stride = 2;  // taps overlap
      check_lane_tiles<DeconvCase>(d, rng, pool);
      ConvShape c;
      c.batch = 2 - m % 2, c.in_c = 3, c.out_c = m, c.in_h = 2 * k + 3, c.in_w = 3 * k + 1, c.ksize = k;
      c.stride = k == 8 ? 1 : 2, c.dilation = k == 3 || k == 2 ? 2 : 1;
      if (k <= 2 || m % 3 == 0) c.in_c = 17;
      check_lane_tiles<ConvCase>(c, rng, pool);
    }
  // Taps in the padding: src copied into a zero-bordered frame first (the
  // 3x3/3 autoencoder layer, a DCGAN-style 4x4/2 layer, a decoder's 3x3/2
  // convolutions, a dilated one, a frame wider than src on one side only).
  for (int m : {3, 16, 30}) {
    DeconvShape d;
    d.batch = 2, d.in_c = m, d.out_c = 16, d.in_h = d.in_w = 10, d.ksize = 3, d.stride = 3, d.pad = 1;
    check_lane_tiles<DeconvCase>(d, rng, pool, true);
    d.in_h = 8, d.in_w = 5, d.ksize = 4, d.stride = 2, d.pad = 1, d.out_c = 7;
    check_lane_tiles<DeconvCase>(d, rng, pool, true);
    ConvShape c;
    c.batch = 1, c.in_c = 8, c.out_c = m, c.in_h = 17, c.in_w = 16, c.ksize = 3, c.stride = 2, c.pad = 1;
    check_lane_tiles<ConvCase>(c, rng, pool, true);
    c.stride = 1, c.dilation = 2, c.pad = 2;
    check_lane_tiles<ConvCase>(c, rng, pool, true);
    c.stride = 2, c.dilation = 1, c.pad = 0, c.in_w = 18;  // no frame: the taps never reach the last column
    check_lane_tiles<ConvCase>(c, rng, pool, true);
  }
}

TEST_CASE("lane tiles whose taps reach the padding: clipped per tile where src's channels fill a tile's rows, else "
          "src in a frame; both equal the naive gradients",
          "[gradients]") {
  // Clipped: tiles of one kernel column by src channels, each over the rows
  // and columns of a whose taps stay inside src (no frame: for the 3x3/3
  // 16->16 layer the frame's 14,400 floats cost about what its 14,400
  // vector FMAs did). A tile's rows are at most 8 on every ISA, and 1 src
  // channel never fills one. Kernels of 3x3 and more take lane tiles where
  // a's m channels fit one block of the ISA's widest tile (the scalar
  // kernels': 1): each shape once with m = 1 and once wider.
  std::mt19937 rng(47);
  ThreadPool pool(2);
  const TileKernels& k = tile_kernels(active_isa());
  auto expect = [&](const char* mode, int m) {
    return [&k, mode, m](const std::string& method) {
      INFO(method);
      if (m > k.max_nb * k.vl) return;  // the panel GEMM's; the values are checked all the same
      CHECK(method.find(std::string("weights: lane tiles")) != std::string::npos);
      CHECK(method.find(mode) != std::string::npos);
    };
  };
  const char* clipped = "taps clipped at src's edges";
  const char* framed = "src in a zero-bordered frame";
  for (int m : {1, 16}) {
    DeconvShape d;  // a = x (m channels), src = dy (16 channels, 28x28)
    d.batch = 2, d.in_c = m, d.out_c = 16, d.in_h = d.in_w = 10, d.ksize = 3, d.stride = 3, d.pad = 1;
    check_huge2_gradients<DeconvCase>(d, rng, pool, expect(clipped, m));
    d.batch = 1, d.in_c = m, d.out_c = 11, d.in_h = 7, d.in_w = 6, d.ksize = 4, d.stride = 2, d.pad = 1;
    check_huge2_gradients<DeconvCase>(d, rng, pool, expect(clipped, m));  // taps overlap; 11 channels: 8 + 3 rows
    d.out_c = 1;
    check_huge2_gradients<DeconvCase>(d, rng, pool, expect(framed, m));
    ConvShape c;  // a = dy (m channels), src = x
    c.batch = 2, c.in_c = 12, c.out_c = m, c.in_h = 13, c.in_w = 11, c.ksize = 3, c.stride = 1, c.pad = 1;
    check_huge2_gradients<ConvCase>(c, rng, pool, expect(clipped, m));
    c.stride = 2, c.dilation = 2, c.pad = 2, c.in_h = 15;  // input step 2: taps 2 apart
    check_huge2_gradients<ConvCase>(c, rng, pool, expect(clipped, m));
  }
}

TEST_CASE("lane tiles over a src larger than L2 prefetch each next tap's rows, and equal the naive gradients",
          "[gradients]") {
  // ReID's 4x4/4 and 8x8/8 and a 2x2/2 neck, with dy (src) cut to either
  // side of CpuTuning::prefetch_input_bytes: by channels, and by the batch.
  std::mt19937 rng(59);
  ThreadPool pool(2);
  const TileKernels& k = tile_kernels(active_isa());
  struct Layer { int batch, in_c, out_c, h, w, ksize; };  // dy: 1.07, 0.98, 1.15, 1.07, 1.03, 0.93 MiB
  for (const Layer& c : {Layer{1, 30, 13, 28, 48, 4}, Layer{1, 30, 12, 28, 48, 4}, Layer{2, 30, 7, 28, 48, 4},
                         Layer{1, 17, 13, 14, 24, 8}, Layer{1, 40, 100, 26, 26, 2}, Layer{1, 40, 90, 26, 26, 2}}) {
    DeconvShape d;
    d.batch = c.batch, d.in_c = c.in_c, d.out_c = c.out_c, d.in_h = c.h, d.in_w = c.w, d.ksize = d.stride = c.ksize;
    const double src_bytes = double(d.output_count()) * sizeof(float);
    const bool lanes = d.ksize <= 2 || d.in_c <= k.max_nb * k.vl;
    check_huge2_gradients<DeconvCase>(d, rng, pool, [&](const std::string& method) {
      INFO("dy: " << src_bytes << " bytes");
      CHECK((method.find("weights: lane tiles") != std::string::npos) == lanes);
      CHECK((method.find("next tap's rows prefetched") != std::string::npos) ==
            (lanes && src_bytes > cpu_tuning().prefetch_input_bytes));
    });
  }
}

TEST_CASE("lane tiles on several threads (a thread per equal share of channel blocks, else tiles split) equal the "
          "naive gradients, bit for bit alike",
          "[gradients]") {
  // YOLO's 2x2/2 necks: a = x, its m channels in blocks of the ISA's widest
  // tile. 2 and 4 blocks share out over 2 threads (each packs its blocks of
  // a and runs their tiles), 3 blocks over 3; 3 over 2 and 2 + a narrower
  // last block do not (rows packed by all threads, then tiles split).
  std::mt19937 rng(53);
  const TileKernels& k = tile_kernels(active_isa());
  const int widest = k.max_nb * k.vl;
  for (int m : {2 * widest, 3 * widest, 4 * widest, 2 * widest + 1}) {
    DeconvShape d;
    // Enough work for 3 threads (LaneCorrelation's estimate) on every ISA.
    d.batch = 2, d.in_c = m, d.out_c = 16, d.in_h = 56, d.in_w = 54, d.ksize = 2, d.stride = 2;
    INFO(d.describe());
    const auto w = random_tensor(d.weight_count(), rng), x = random_tensor(d.input_count(), rng);
    const auto dy = random_tensor(d.output_count(), rng), dw0 = random_tensor(d.weight_count(), rng);
    std::vector<float> want = dw0;
    deconv_backward_weights_reference(d, x.data(), dy.data(), want.data());
    std::vector<float> one;
    for (int threads : {1, 2, 3}) {
      const DeconvolutionBackward op(d, Algorithm::huge2, w.data(), threads);
      INFO(op.method());
      REQUIRE(op.method().find("weights: lane tiles") != std::string::npos);
      ThreadPool pool(threads);
      std::vector<float> ws(op.workspace_bytes() / sizeof(float) + 1, 99.f), dw = dw0;
      op.backward_weights(x.data(), dy.data(), dw.data(), ws.data(), ws.size() * sizeof(float), &pool);
      CHECK(compare(dw, want) == "");
      if (one.empty()) one = dw;
      else CHECK(std::memcmp(dw.data(), one.data(), dw.size() * sizeof(float)) == 0);
    }
  }
}

// The weight gradient of stride-1 and stride-2 convolutions (and stride-2
// transposed ones) as per-tap GEMMs that read the source in place and skip
// the padding (planning/tap_correlation.h). Lane tiles
// take none of these: dilation 3 and more, or more of dy's channels than
// any ISA's widest tile (64). Shapes: channel blocks and panels whole and
// partial (a last vector that joins the panel before it), K blocks of rows
// that do not divide the height, padding wider than the taps reach (output
// larger than the input), taps that land in padding for the whole image,
// no padding, even kernels, one image and two; and a layer with too few
// pixels, which the panel GEMM keeps.
TEST_CASE("weight gradients as per-tap GEMMs (strides 1 and 2, src in place, padding skipped) equal the naive gradients",
          "[gradients]") {
  std::mt19937 rng(41);
  ThreadPool pool(2);
  struct Case {
    int batch, in_c, out_c, h, w, k, pad, dilation, stride = 1;
  };
  const Case cases[] = {
      {2, 8, 5, 9, 11, 3, 1, 3},     // dy's channels in one partial panel
      {1, 13, 70, 7, 20, 3, 1, 2},   // partial channel block; 70 = 2 panels + a joined vector
      {1, 9, 33, 25, 24, 3, 0, 5},   // no padding: every tap sums every pixel
      {2, 10, 20, 5, 5, 3, 1, 6},    // the corner and edge taps land in padding everywhere
      {1, 16, 65, 12, 12, 5, 2, 1},  // 5x5, plain
      {1, 8, 66, 12, 12, 4, 2, 1},   // even kernel, output larger than the input
      {1, 12, 67, 12, 13, 4, 2, 2},  // even kernel, dilated, padding wider than the taps reach
      {1, 8, 200, 7, 300, 3, 1, 3},  // wide rows: K blocks of one row
      {1, 16, 128, 5, 5, 3, 1, 3},   // fewer pixels than 2 per channel of dy: the panel GEMM
      {1, 8, 70, 24, 24, 3, 1, 1, 2},   // stride 2: x's runs read every other float
      {2, 9, 33, 11, 13, 3, 1, 3, 2},   // stride 2, dilated, odd sizes
      {1, 10, 70, 20, 21, 4, 1, 1, 2},  // stride 2, even kernel
  };
  for (const Case& t : cases) {
    ConvShape c;
    c.batch = t.batch, c.in_c = t.in_c, c.out_c = t.out_c, c.in_h = t.h, c.in_w = t.w, c.ksize = t.k;
    c.stride = t.stride, c.pad = t.pad, c.dilation = t.dilation;
    const bool taps = c.batch * c.out_h() * c.out_w() >= 2 * c.out_c;
    check_huge2_gradients<ConvCase>(c, rng, pool, [&](const std::string& method) {
      CHECK((method.find("weights: tap GEMM") != std::string::npos) == taps);
    });
  }
  // A transposed convolution's weight gradient at stride 2 (dy's runs read
  // every other float), with x's pixels at least 2 per input channel.
  DeconvShape d;
  d.batch = 1, d.in_c = 70, d.out_c = 8, d.in_h = 12, d.in_w = 12, d.ksize = 4, d.stride = 2, d.pad = 1;
  check_huge2_gradients<DeconvCase>(d, rng, pool, [](const std::string& method) {
    CHECK(method.find("weights: tap GEMM") != std::string::npos);
  });
}

TEST_CASE("gradients equal central differences of the forward pass", "[gradients]") {
  DeconvShape d;
  d.batch = 2, d.in_c = 3, d.out_c = 2, d.in_h = 3, d.in_w = 4, d.ksize = 4, d.stride = 2, d.pad = 1;
  check_finite_differences<DeconvCase>(d, 7);
  d.ksize = 2, d.stride = 3, d.pad = 0;  // stride > size: phases that receive nothing
  check_finite_differences<DeconvCase>(d, 8);
  ConvShape c;
  c.batch = 2, c.in_c = 2, c.out_c = 3, c.in_h = 7, c.in_w = 6, c.ksize = 3, c.stride = 1, c.pad = 1, c.dilation = 2;
  check_finite_differences<ConvCase>(c, 9);
  c.stride = 2, c.dilation = 3, c.pad = 2;
  check_finite_differences<ConvCase>(c, 10);
}

namespace {
// A backward operator given w0 and then set_weights(w1) computes the data
// gradient of one built with w1, bit for bit.
template <class Backward, class Shape>
void check_reload(const Shape& s, std::mt19937& rng) {
  INFO(s.describe());
  const auto w0 = random_tensor(s.weight_count(), rng), w1 = random_tensor(s.weight_count(), rng);
  const auto dy = random_tensor(s.output_count(), rng);
  Backward updated(s, Algorithm::huge2, w0.data()), fresh(s, Algorithm::huge2, w1.data());
  updated.set_weights(w1.data());
  std::vector<float> ws(updated.workspace_bytes() / sizeof(float) + 1), a(s.input_count()), b(s.input_count());
  updated.backward_data(dy.data(), a.data(), ws.data(), ws.size() * sizeof(float));
  fresh.backward_data(dy.data(), b.data(), ws.data(), ws.size() * sizeof(float));
  CHECK(a == b);
}
}  // namespace

TEST_CASE("set_weights after an update equals a fresh backward operator", "[gradients]") {
  std::mt19937 rng(5);
  ConvShape s;
  s.batch = 1, s.in_c = 5, s.out_c = 7, s.in_h = 9, s.in_w = 8, s.ksize = 3, s.pad = 1, s.dilation = 2;
  check_reload<ConvolutionBackward>(s, rng);
  DeconvShape d;
  d.in_c = 6, d.out_c = 5, d.in_h = 4, d.in_w = 5, d.ksize = 4, d.stride = 2, d.pad = 1;
  check_reload<DeconvolutionBackward>(d, rng);
  // One window (the weights as given, not packed).
  ConvShape g;
  g.in_c = 6, g.out_c = 9, g.in_h = g.in_w = g.ksize = g.stride = 4;
  check_reload<ConvolutionBackward>(g, rng);
}

namespace {
// B given as a row-major k x n matrix, packed the way PanelGemm asks.
struct MatrixB {
  const float* b;
  int n;
};
void pack_matrix(const void* ctx, int, int n0, int width, long k0, int kc, float* panel) {
  const MatrixB& m = *static_cast<const MatrixB*>(ctx);
  for (int t = 0; t < kc; ++t)
    for (int j = 0; j < width; ++j) panel[size_t(t) * width + j] = n0 + j < m.n ? m.b[(k0 + t) * m.n + n0 + j] : 0.f;
}
}  // namespace

// The weight gradients' GEMM (planning/panel_gemm.h): the panels of each K
// block in turn, or of all K blocks first where B fits half of L2; planned
// for several threads, each packs the panels its own row blocks read (one
// panel shared by every row block; groups of many panels split between the
// threads, whole groups each; 40x500x4000 on 3 threads: 2 groups, one of
// them shared), or, where C is small and K long, K in two halves, the
// second summed into a partial C added at the end. Either way C += A*B as
// the definition sums it, and each C tile sums its K blocks in the same
// order on any thread: the same bits from plans for 1, 2 and 3 threads run
// on pools of 1, 2 and 3 (the plan uses what the work pays for). The panels
// hold exactly panel_floats() (ASan: no write beyond). K blocks that do not
// divide K; n a partial panel.
TEST_CASE("panel GEMM: C += A*B, panels packed per thread or K in halves, the same bits from any plan on 1-3 threads",
          "[gradients]") {
  std::mt19937 rng(61);
  struct Shape {
    int m, n;
    long k_per_image;
    int images;
    bool whole, halves;
  };
  // K across images, A read in place at its image stride: blocks inside an
  // image (301 = 151 + 150) and of whole images (2 each, the last 1).
  for (const Shape sh : {Shape{70, 45, 1499, 1, true, true}, Shape{128, 48, 1024, 1, true, true},
                         Shape{256, 48, 1000, 1, true, false}, Shape{9, 400, 2000, 1, false, true},
                         Shape{40, 2000, 700, 1, false, false}, Shape{40, 500, 4000, 1, false, false},
                         Shape{40, 300, 301, 3, false, true}, Shape{128, 48, 100, 19, true, true}}) {
    const long k = sh.k_per_image * sh.images;
    const ptrdiff_t image_stride = ptrdiff_t(sh.m) * sh.k_per_image + 5;  // not the rows' end: a stride of its own
    const auto a = random_tensor(size_t(image_stride) * sh.images, rng), b = random_tensor(size_t(k) * sh.n, rng);
    const auto c0 = random_tensor(size_t(sh.m) * sh.n, rng);
    auto a_at = [&](int r, long q) { return a[size_t(q / sh.k_per_image * image_stride + r * sh.k_per_image + q % sh.k_per_image)]; };
    std::vector<float> want(c0.size());
    for (int i = 0; i < sh.m; ++i)
      for (int j = 0; j < sh.n; ++j) {
        double s = c0[size_t(i) * sh.n + j];
        for (long q = 0; q < k; ++q) s += double(a_at(i, q)) * b[size_t(q) * sh.n + j];
        want[size_t(i) * sh.n + j] = float(s);
      }
    const MatrixB mb{b.data(), sh.n};
    std::vector<float> first;
    for (int planned : {1, 2, 3}) {
      const PanelGemm gemm(sh.m, sh.n, k, active_isa(), planned, sh.k_per_image);
      INFO(sh.m << "x" << sh.n << "x" << sh.images << "*" << sh.k_per_image << ", planned for " << planned << ": "
                << gemm.describe());
      REQUIRE(gemm.k_blocks() > 1);
      REQUIRE(gemm.whole_b() == sh.whole);
      CHECK((gemm.describe().find("all packed first") != std::string::npos) == sh.whole);
      REQUIRE(gemm.k_halves() == sh.halves);
      CHECK((gemm.describe().find("K in two halves") != std::string::npos) == sh.halves);
      CHECK(gemm.private_b() == (planned > 1 && !sh.halves));  // these shapes pay for a second thread
      CHECK((gemm.describe().find("packed per thread") != std::string::npos) == (planned > 1 && !sh.halves));
      for (int threads : {1, 2, 3}) {
        INFO("pool of " << threads);
        ThreadPool pool(threads);
        std::vector<float> panels(gemm.panel_floats(), 99.f), c = c0;
        gemm.run(a.data(), ptrdiff_t(sh.k_per_image), image_stride, panels.data(), c.data(), sh.n, &pack_matrix, &mb,
                 &pool);
        CHECK(compare(c, want, 1e-4) == "");
        if (first.empty()) first = c;
        else CHECK(std::memcmp(c.data(), first.data(), c.size() * sizeof(float)) == 0);
      }
    }
  }
}
