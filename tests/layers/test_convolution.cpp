// Convolution, plain and dilated: hand-computed cases, and darknet/huge2
// against the naive definition over hundreds of random geometries.
#include <catch2/catch.hpp>

#include <random>

#include "operators/convolution.h"
#include "core/errors.h"
#include "helpers.h"
#include "reference/reference.h"
#include "runtime/thread_pool.h"

using namespace huge2;
using huge2::test::compare;
using huge2::test::random_tensor;
using huge2::test::random_conv_shape;

namespace {

std::vector<float> run(const ConvShape& s, Algorithm algo, const std::vector<float>& w, const std::vector<float>& x) {
  return huge2::test::run_operator<Convolution>(s, algo, w, x);
}

}  // namespace

TEST_CASE("conv: hand-computed 3x3 dilation 2 on a 5x5 ramp", "[conv]") {
  // x[y][x] = 5*y + x; 3x3 kernel of ones, dilation 2, pad 1 (applied 2).
  // Output 5x5 ("same"). Output (oy,ox) sums x at rows oy-2, oy, oy+2 and
  // cols ox-2, ox, ox+2 inside the image. By hand:
  //   (2,2): all nine taps inside: 9 * x[2][2] = 9 * 12 = 108 (the ramp is linear).
  //   (0,0): rows {0,2} x cols {0,2}: x00 + x02 + x20 + x22 = 0 + 2 + 10 + 12 = 24.
  //   (0,2): rows {0,2} x cols {0,2,4}: (0+2+4) + (10+12+14) = 42.
  //   (4,4): rows {2,4} x cols {2,4}: 12 + 14 + 22 + 24 = 72.
  ConvShape s;
  s.in_h = s.in_w = 5, s.ksize = 3, s.pad = 1, s.dilation = 2;
  REQUIRE(s.out_h() == 5);
  std::vector<float> x(25), w(9, 1.f);
  for (int i = 0; i < 25; ++i) x[i] = float(i);
  for (Algorithm a : {Algorithm::reference, Algorithm::darknet, Algorithm::huge2}) {
    INFO(algorithm_name(a));
    const auto y = run(s, a, w, x);
    CHECK(y[2 * 5 + 2] == 108.f);
    CHECK(y[0] == 24.f);
    CHECK(y[2] == 42.f);
    CHECK(y[24] == 72.f);
  }
}

TEST_CASE("conv: 1x1 with padding follows the definition, not stock Darknet", "[conv]") {
  // Stock Darknet skips im2col for size=1 and ignores the padding
  // (docs/darknet-compatibility.md); by definition a 1x1 conv with pad 1 grows the map by 2 and
  // the border outputs are 0.
  ConvShape s;
  s.in_h = s.in_w = 2, s.ksize = 1, s.pad = 1;
  REQUIRE(s.out_h() == 4);
  const std::vector<float> x = {1, 2, 3, 4}, w = {2.f};
  const std::vector<float> want = {0, 0, 0, 0, 0, 2, 4, 0, 0, 6, 8, 0, 0, 0, 0, 0};
  for (Algorithm a : {Algorithm::reference, Algorithm::darknet, Algorithm::huge2}) {
    INFO(algorithm_name(a));
    CHECK(run(s, a, w, x) == want);
  }
}

TEST_CASE("conv: 300+ random geometries, darknet and huge2 equal the definition", "[conv][random]") {
  const unsigned seed = 1125;
  std::mt19937 rng(seed);
  int tested = 0, strided = 0;
  for (int trial = 0; tested < 330; ++trial) {
    const std::optional<ConvShape> shape = random_conv_shape(rng, 3000000);
    if (!shape) continue;  // empty output: tested elsewhere
    const ConvShape& s = *shape;
    ++tested;
    strided += s.stride > 1 && s.dilation > 1;
    const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
    const auto want = run(s, Algorithm::reference, w, x);
    INFO("seed " << seed << " trial " << trial << ": " << s.describe());
    REQUIRE(compare(run(s, Algorithm::darknet, w, x), want) == "");
    REQUIRE(compare(run(s, Algorithm::huge2, w, x), want) == "");
  }
  CHECK(strided > 50);  // strided dilated layers (direct up to stride 2, im2col beyond) are exercised too
}

TEST_CASE("conv: wide dilated layers equal the definition", "[conv]") {
  std::mt19937 rng(5);
  for (int d : {2, 3, 5}) {
    ConvShape s;
    s.batch = 2, s.in_c = 5, s.out_c = 4, s.ksize = 3, s.pad = 1, s.dilation = d;
    s.in_h = 11, s.in_w = d * 32 + 3;
    const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
    const auto want = run(s, Algorithm::reference, w, x);
    INFO(s.describe());
    REQUIRE(Convolution(s, Algorithm::huge2, w.data()).method().find("direct") == 0);
    CHECK(compare(run(s, Algorithm::huge2, w, x), want) == "");
  }
}

TEST_CASE("conv: one window over the whole input runs as a matrix-vector product and equals the definition",
          "[conv]") {
  // Sizes around the kernels' blocks: rows by 4 (dot), by 8 (axpy), columns
  // by one and two vectors, and a tail; strides that the direct kernels take
  // and that they do not; with and without threads, with an epilogue.
  std::mt19937 rng(11);
  ThreadPool pool(2);
  for (int k : {1, 3, 8})
    for (int stride : {1, 2, 8})
      for (int in_c : {1, 5, 37})
        for (int out_c : {1, 7, 33}) {
          ConvShape s;
          s.batch = 2, s.in_c = in_c, s.out_c = out_c, s.in_h = s.in_w = k, s.ksize = k, s.stride = stride;
          REQUIRE(s.out_h() == 1);
          INFO(s.describe());
          const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
          Epilogue ep;
          ep.scale = random_tensor(size_t(out_c), rng), ep.shift = random_tensor(size_t(out_c), rng);
          ep.activation = Activation::leaky;
          Convolution op(s, Algorithm::huge2, w.data(), ep);
          CHECK(op.runs_window_gemv());
          CHECK_FALSE(op.runs_panel_gemm());
          CHECK(op.method().find("one window") == 0);
          CHECK(op.workspace_bytes() == 0);
          const Convolution ref(s, Algorithm::reference, w.data(), ep);
          CHECK(huge2::test::compare_to_reference(op, ref, s, x, &pool) == "");
        }
  // Padding, dilation or a larger input: more than one window, not this path.
  ConvShape s;
  s.in_h = s.in_w = 3, s.ksize = 3, s.stride = 3;
  std::vector<float> w(s.weight_count(), 1.f);
  CHECK(Convolution(s, Algorithm::huge2, w.data()).runs_window_gemv());
  CHECK_FALSE(Convolution(s, Algorithm::darknet, w.data()).runs_window_gemv());
  s.pad = 1;
  CHECK_FALSE(Convolution(s, Algorithm::huge2, w.data()).runs_window_gemv());
  s.pad = 0, s.in_w = 4;
  CHECK_FALSE(Convolution(s, Algorithm::huge2, w.data()).runs_window_gemv());
}

TEST_CASE("conv: huge2 with a stride the tile kernels do not step says it runs the panel GEMM", "[conv]") {
  ConvShape s;
  s.in_h = s.in_w = 19, s.ksize = 3, s.pad = 1, s.dilation = 2;
  std::vector<float> w(s.weight_count(), 1.f);
  for (int stride : {5, 6, 7, 9}) {
    s.stride = stride;
    CHECK(Convolution(s, Algorithm::huge2, w.data()).runs_panel_gemm());
  }
  for (int stride : {1, 2, 3, 4, 8}) {
    s.stride = stride;
    const Convolution op(s, Algorithm::huge2, w.data());
    CHECK_FALSE(op.runs_panel_gemm());
    CHECK(op.method().find("direct") == 0);
  }
  CHECK_FALSE(Convolution(s, Algorithm::darknet, w.data()).runs_panel_gemm());
}
TEST_CASE("conv: huge2's panel GEMM and one-window paths apply the epilogue on the pool's threads", "[conv]") {
  // Their epilogue is a pass after the product, split by planes over the
  // pool (no OpenMP region): large enough outputs that 2 and 3 threads each
  // get planes, every activation class, against the definition.
  std::mt19937 rng(12);
  ConvShape panel;  // stride 5: the panel GEMM; 1600 pixels x 96 planes
  panel.in_c = 5, panel.out_c = 96, panel.in_h = panel.in_w = 200, panel.ksize = 3, panel.pad = 1, panel.stride = 5;
  ConvShape window;  // one window: 1 pixel x 140000 planes (batch)
  window.batch = 1400, window.in_c = 3, window.out_c = 100, window.in_h = window.in_w = window.ksize = 2;
  for (const ConvShape& s : {panel, window})
    for (Activation act : {Activation::linear, Activation::leaky, Activation::logistic}) {
      const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
      Epilogue e;
      e.activation = act;
      for (int c = 0; c < s.out_c; ++c) e.scale.push_back(0.5f + 0.01f * c), e.shift.push_back(0.3f - 0.007f * c);
      std::vector<float> want(s.output_count());
      conv_reference(s, x.data(), w.data(), want.data());
      e.apply(want.data(), 0, size_t(s.batch) * s.out_c, s.out_c, size_t(s.out_h()) * s.out_w());
      for (int threads : {1, 2, 3}) {
        const Convolution op(s, Algorithm::huge2, w.data(), e, threads);
        INFO(s.describe() << ", " << activation_name(act) << ", " << threads << " threads: " << op.method());
        REQUIRE((op.runs_panel_gemm() || op.runs_window_gemv()));
        std::vector<float> ws(op.workspace_bytes() / sizeof(float) + 1), y(s.output_count(), -7.f);
        ThreadPool pool(threads);
        op.forward(x.data(), y.data(), ws.data(), ws.size() * sizeof(float), &pool);
        CHECK(compare(y, want) == "");
      }
    }
}

TEST_CASE("conv: impossible geometries are refused with the field named", "[conv][errors]") {
  const std::vector<float> w(1000, 1.f);
  auto refused = [&](ConvShape s, const char* needle) {
    INFO(s.describe());
    for (Algorithm a : {Algorithm::reference, Algorithm::darknet, Algorithm::huge2})
      CHECK_THROWS_WITH(Convolution(s, a, w.data()), Catch::Contains(needle));
  };
  ConvShape ok;
  ok.in_c = 2, ok.out_c = 2, ok.in_h = ok.in_w = 8, ok.ksize = 3, ok.pad = 1, ok.dilation = 2;
  { auto s = ok; s.batch = -3; refused(s, "batch"); }
  { auto s = ok; s.in_c = 0; refused(s, "in_c"); }
  { auto s = ok; s.in_h = 0; refused(s, "in_h"); }
  { auto s = ok; s.in_w = -1; refused(s, "in_w"); }
  { auto s = ok; s.out_c = 0; refused(s, "filters"); }
  { auto s = ok; s.ksize = 0; refused(s, "size"); }
  { auto s = ok; s.stride = 0; refused(s, "stride"); }
  { auto s = ok; s.dilation = 0; refused(s, "dilation"); }
  { auto s = ok; s.pad = -2; refused(s, "padding"); }
  // 3x3 at dilation 6 spans 13 pixels; 8 + 2*0 is too small: empty output.
  { auto s = ok; s.pad = 0, s.dilation = 6; refused(s, "empty"); }
  { auto s = ok; s.in_c = 1 << 14, s.out_c = 1 << 14, s.ksize = 5; refused(s, "2^31-1"); }
  CHECK_THROWS_AS(Convolution(ok, Algorithm::darknet, nullptr), ShapeError);

  for (Algorithm a : {Algorithm::darknet, Algorithm::huge2}) {
    Convolution op(ok, a, w.data());
    std::vector<float> x(ok.input_count()), y(ok.output_count()), ws(op.workspace_bytes() / 4 + 1);
    CHECK_THROWS_WITH(op.forward(nullptr, y.data(), ws.data(), op.workspace_bytes()), Catch::Contains("input"));
    CHECK_THROWS_WITH(op.forward(x.data(), nullptr, ws.data(), op.workspace_bytes()), Catch::Contains("output"));
    if (op.workspace_bytes() > 4)  // huge2's exact tiling needs none
      CHECK_THROWS_WITH(op.forward(x.data(), y.data(), ws.data(), 4), Catch::Contains("workspace"));
  }
}
