// Transposed convolution: hand-computed cases, and darknet/huge2 against the
// naive definition over hundreds of random geometries.
#include <catch2/catch.hpp>

#include "operators/convolution.h"
#include "operators/deconvolution.h"
#include "core/errors.h"
#include "helpers.h"
#include "runtime/thread_pool.h"
#include "reference/reference.h"

using namespace huge2;
using huge2::test::compare;
using huge2::test::random_tensor;
using huge2::test::random_deconv_shape;

namespace {

std::vector<float> run(const DeconvShape& s, Algorithm algo, const std::vector<float>& w,
                       const std::vector<float>& x) {
  return huge2::test::run_operator<Deconvolution>(s, algo, w, x);
}

}  // namespace

TEST_CASE("deconv: hand-computed 2x2 input, 3x3 kernel, stride 2, padding 1", "[deconv]") {
  // One channel in and out. x = [[1,2],[3,4]], w = 1..9 row-major.
  // Output (2-1)*2+3-2 = 3x3; output (oy,ox) gets x[iy][ix]*w[ky][kx] with
  // oy+1 = 2*iy+ky, ox+1 = 2*ix+kx. Worked out by hand:
  //   (0,0): x00*w11 = 1*5 = 5        (0,1): x00*w12 + x01*w10 = 6 + 8 = 14   (0,2): x01*w11 = 10
  //   (1,0): x00*w21 + x10*w01 = 8+6 = 14
  //   (1,1): x00*w22 + x01*w20 + x10*w02 + x11*w00 = 9 + 14 + 9 + 4 = 36
  //   (1,2): x01*w21 + x11*w01 = 16 + 8 = 24
  //   (2,0): x10*w11 = 15   (2,1): x10*w12 + x11*w10 = 18 + 16 = 34   (2,2): x11*w11 = 20
  DeconvShape s;
  s.in_h = s.in_w = 2, s.ksize = 3, s.stride = 2, s.pad = 1;
  const std::vector<float> x = {1, 2, 3, 4}, w = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<float> want = {5, 14, 10, 14, 36, 24, 15, 34, 20};
  for (Algorithm a : {Algorithm::reference, Algorithm::darknet, Algorithm::huge2}) {
    INFO(algorithm_name(a));
    CHECK(run(s, a, w, x) == want);
  }
}

TEST_CASE("deconv: kernel smaller than stride leaves bias-only holes", "[deconv]") {
  // k=1, s=3: only outputs at multiples of 3 get input; the rest are exactly 0.
  DeconvShape s;
  s.in_c = 2, s.out_c = 1, s.in_h = 2, s.in_w = 1, s.ksize = 1, s.stride = 3;
  const std::vector<float> x = {1, 2, 10, 20}, w = {0.5f, 2.f};  // w[c][n]
  // out 4x1: rows 0 and 3 get 0.5*x0 + 2*x1 for input rows 0 and 1.
  const std::vector<float> want = {0.5f * 1 + 2 * 10, 0, 0, 0.5f * 2 + 2 * 20};
  for (Algorithm a : {Algorithm::reference, Algorithm::darknet, Algorithm::huge2}) {
    INFO(algorithm_name(a));
    CHECK(run(s, a, w, x) == want);
  }
}

TEST_CASE("deconv: DCGAN geometry 4x4 stride 2 padding 1 doubles the size", "[deconv]") {
  DeconvShape s;
  s.in_c = 3, s.out_c = 2, s.in_h = 5, s.in_w = 7, s.ksize = 4, s.stride = 2, s.pad = 1;
  REQUIRE(s.out_h() == 10);
  REQUIRE(s.out_w() == 14);
  std::mt19937 rng(7);
  const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
  const auto want = run(s, Algorithm::reference, w, x);
  CHECK(compare(run(s, Algorithm::darknet, w, x), want) == "");
  CHECK(compare(run(s, Algorithm::huge2, w, x), want) == "");
}

TEST_CASE("deconv: 300+ random geometries, darknet and huge2 equal the definition", "[deconv][random]") {
  const unsigned seed = 20261125;
  std::mt19937 rng(seed);
  int tested = 0;
  for (int trial = 0; tested < 320; ++trial) {
    // Channels bounded to keep the double-precision reference's work bounded.
    const std::optional<DeconvShape> shape = random_deconv_shape(rng, 3000000);
    if (!shape) continue;  // impossible geometry: tested elsewhere
    const DeconvShape& s = *shape;
    ++tested;
    const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
    const auto want = run(s, Algorithm::reference, w, x);
    INFO("seed " << seed << " trial " << trial << ": " << s.describe());
    REQUIRE(compare(run(s, Algorithm::darknet, w, x), want) == "");
    REQUIRE(compare(run(s, Algorithm::huge2, w, x), want) == "");
  }
}

TEST_CASE("deconv: impossible geometries are refused with the field named", "[deconv][errors]") {
  const std::vector<float> w(1000, 1.f);
  auto refused = [&](DeconvShape s, const char* needle) {
    INFO(s.describe());
    for (Algorithm a : {Algorithm::reference, Algorithm::darknet, Algorithm::huge2})
      CHECK_THROWS_WITH(Deconvolution(s, a, w.data()), Catch::Contains(needle));
  };
  DeconvShape ok;
  ok.in_c = 2, ok.out_c = 2, ok.in_h = ok.in_w = 3, ok.ksize = 3, ok.stride = 2, ok.pad = 1;
  { auto s = ok; s.batch = 0; refused(s, "batch"); }
  { auto s = ok; s.in_c = 0; refused(s, "in_c"); }
  { auto s = ok; s.in_h = -1; refused(s, "in_h"); }
  { auto s = ok; s.in_w = 0; refused(s, "in_w"); }
  { auto s = ok; s.out_c = 0; refused(s, "filters"); }
  { auto s = ok; s.ksize = 0; refused(s, "size"); }
  { auto s = ok; s.stride = 0; refused(s, "stride"); }
  { auto s = ok; s.pad = -1; refused(s, "padding"); }
  { auto s = ok; s.in_h = s.in_w = 1, s.ksize = 2, s.pad = 1; refused(s, "output size"); }
  { auto s = ok; s.in_c = 1 << 16, s.out_c = 1 << 16; refused(s, "2^31-1"); }
  CHECK_THROWS_AS(Deconvolution(ok, Algorithm::huge2, nullptr), ShapeError);

  Deconvolution op(ok, Algorithm::darknet, w.data());
  std::vector<float> x(ok.input_count()), y(ok.output_count()), ws(op.workspace_bytes() / 4);
  CHECK_THROWS_WITH(op.forward(nullptr, y.data(), ws.data(), op.workspace_bytes()), Catch::Contains("input"));
  CHECK_THROWS_WITH(op.forward(x.data(), nullptr, ws.data(), op.workspace_bytes()), Catch::Contains("output"));
  CHECK_THROWS_WITH(op.forward(x.data(), y.data(), ws.data(), op.workspace_bytes() - 4),
                    Catch::Contains("workspace"));
  CHECK_THROWS_WITH(op.forward(x.data(), y.data(), nullptr, op.workspace_bytes()), Catch::Contains("workspace"));
}

TEST_CASE("deconv: huge2 needs no k*k*out_c*h*w column buffer", "[deconv]") {
  DeconvShape s;  // DCGAN 256 -> 128, 16x16 -> 32x32
  s.in_c = 256, s.out_c = 128, s.in_h = s.in_w = 16, s.ksize = 4, s.stride = 2, s.pad = 1;
  std::vector<float> w(s.weight_count(), 0.f);
  const size_t stock = Deconvolution(s, Algorithm::darknet, w.data()).workspace_bytes();
  const size_t ours = Deconvolution(s, Algorithm::huge2, w.data()).workspace_bytes();
  CHECK(stock == size_t(128) * 16 * 256 * 4);
  CHECK(ours < stock);
}

TEST_CASE("deconv: one padless input pixel runs as a matrix-vector product and equals the definition", "[deconv]") {
  // DCGAN's latent projection (100 -> 1024, 1x1 -> 4x4) in small: sizes around
  // the kernels' blocks, any stride (it does not matter for one pixel).
  std::mt19937 rng(19);
  ThreadPool pool(2);
  for (int k : {1, 2, 4, 5})
    for (int stride : {1, 2})
      for (int in_c : {1, 9, 100})
        for (int out_c : {1, 3, 33}) {
          DeconvShape s;
          s.batch = 2, s.in_c = in_c, s.out_c = out_c, s.in_h = s.in_w = 1, s.ksize = k, s.stride = stride;
          INFO(s.describe());
          const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
          Epilogue ep;
          ep.scale = random_tensor(size_t(out_c), rng), ep.shift = random_tensor(size_t(out_c), rng);
          ep.activation = Activation::leaky;
          const Deconvolution op(s, Algorithm::huge2, w.data(), ep), ref(s, Algorithm::reference, w.data(), ep);
          CHECK(op.runs_window_gemv());
          CHECK(op.method().find("one window") == 0);
          CHECK(op.workspace_bytes() == 0);
          CHECK(huge2::test::compare_to_reference(op, ref, s, x, &pool) == "");
        }
  DeconvShape s;
  s.in_h = s.in_w = 1, s.ksize = 4, s.stride = 2, s.pad = 1;  // padded: a crop of the kernel, the direct kernels
  std::vector<float> w(s.weight_count(), 1.f);
  CHECK_FALSE(Deconvolution(s, Algorithm::huge2, w.data()).runs_window_gemv());
  s.pad = 0, s.in_w = 2;
  CHECK_FALSE(Deconvolution(s, Algorithm::huge2, w.data()).runs_window_gemv());
}

TEST_CASE("deconv: a batch runs inside each block only when the kernel is too large to stay cached", "[deconv]") {
  // DCGAN's 1024 -> 512 4x4 layer has a 32 MB kernel (CpuTuning::batch_weight_bytes:
  // 16 MB): at a batch, each segment of tiles takes every image before the
  // next, so the weights stream from memory once a batch (planning/direct_plan.h).
  DeconvShape s;
  s.in_c = 1024, s.out_c = 512, s.in_h = s.in_w = 4, s.ksize = 4, s.stride = 2, s.pad = 1;
  const std::string inside = "the batch inside each block";
  s.batch = 8;
  CHECK(Deconvolution(s, Algorithm::huge2, Deconvolution::PlanOnly{}, 1).method().find(inside) != std::string::npos);
  s.batch = 1;
  CHECK(Deconvolution(s, Algorithm::huge2, Deconvolution::PlanOnly{}, 1).method().find(inside) == std::string::npos);
  s.batch = 8, s.in_c = 512, s.out_c = 256, s.in_h = s.in_w = 8;  // 8 MB: image by image
  CHECK(Deconvolution(s, Algorithm::huge2, Deconvolution::PlanOnly{}, 1).method().find(inside) == std::string::npos);
}

TEST_CASE("operators: the one-window and panel-GEMM paths run the ISA the operator was built for", "[deconv]") {
  // The direct plan always took the operator's ISA; these paths took
  // active_isa() whatever the operator was built for.
  std::mt19937 rng(41);
  ThreadPool pool(2);
  DeconvShape d;
  d.batch = 3, d.in_c = 9, d.out_c = 5, d.in_h = d.in_w = 1, d.ksize = 4, d.stride = 2;
  ConvShape panel;  // stride 5: no tile kernels of that input step
  panel.batch = 2, panel.in_c = 3, panel.out_c = 7, panel.in_h = panel.in_w = 11, panel.ksize = 3, panel.stride = 5;
  const auto wd = random_tensor(d.weight_count(), rng), xd = random_tensor(d.input_count(), rng);
  const auto wp = random_tensor(panel.weight_count(), rng), xp = random_tensor(panel.input_count(), rng);
  const Deconvolution op(d, Algorithm::huge2, wd.data(), {}, 0, Isa::scalar), ref(d, Algorithm::reference, wd.data());
  REQUIRE(op.runs_window_gemv());
  CHECK(op.method().find("scalar") != std::string::npos);
  CHECK(huge2::test::compare_to_reference(op, ref, d, xd, &pool) == "");
  const Convolution pc(panel, Algorithm::huge2, wp.data(), {}, 0, Isa::scalar), pref(panel, Algorithm::reference, wp.data());
  REQUIRE(pc.runs_panel_gemm());
  CHECK(pc.method().find("scalar") != std::string::npos);
  std::vector<float> ws(pc.workspace_bytes() / sizeof(float) + 1), want(panel.output_count()), got(panel.output_count());
  pref.forward(xp.data(), want.data(), nullptr, 0);
  pc.forward(xp.data(), got.data(), ws.data(), ws.size() * sizeof(float), &pool);
  CHECK(huge2::test::compare(got, want) == "");
}
