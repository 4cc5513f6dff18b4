// The CUDA kernels' index math, checked on the CPU: the huge2 phase kernel
// is run block by block and thread by thread (the same functions the CUDA
// kernel calls, from cuda/phase_tiling.h), as are the darknet-method element
// kernels (cuda/column_math.h), against the naive reference over random
// geometries. Runs without a GPU; says nothing about CUDA itself (launch
// configuration, synchronisation, cuBLAS, cuDNN): tests/cuda/test_cuda.cpp does.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "column_math.h"
#include "gpu_test_helpers.h"
#include "phase_plan.h"
#include "reference/reference.h"

using namespace huge2;
using namespace huge2::cuda::detail;
using huge2::test::compare;
using huge2::test::random_tensor;
using huge2::test::random_conv_case;
using huge2::test::random_deconv_case;

namespace {

constexpr float kUnwritten = std::numeric_limits<float>::quiet_NaN();

// Runs the phase kernel of `plan` like the GPU would: every block, its
// channel stages (all threads stage, then all threads accumulate), then
// every thread stores. Shared memory is two exact-size vectors, so an
// out-of-range index trips AddressSanitizer (the sanitizer build) or the
// explicit bound checks here.
template <class T>
void emulate_phase_kernel(const LaunchPlan& plan, const float* x, const float* w, float* y,
                          const std::vector<PhaseDesc>& phases) {
  PhaseParams P = plan.params;
  P.x = x, P.w = w, P.y = y, P.phases = phases.data();
  REQUIRE(P.tile_r * P.tile_c == T::kTp);
  REQUIRE(smem_floats(P, T::kTn) <= kSmemBudgetFloats);
  REQUIRE(plan.smem_bytes == size_t(smem_floats(P, T::kTn)) * sizeof(float));
  REQUIRE(smem_weight_offset(P) % 4 == 0);  // float4 weight loads on the device
  REQUIRE(plan.blocks_y == (P.out_c + T::kTn - 1) / T::kTn);
  std::vector<float> sx(size_t(P.cc) * P.max_patch), sw(size_t(P.cc) * P.max_taps * T::kTn);
  struct Acc {
    float v[T::kRn][T::kRp];
  };
  struct Off {
    int v[T::kRp];
  };
  std::vector<Acc> acc(kThreads);
  std::vector<Off> off(kThreads);
  for (int by = 0; by < plan.blocks_y; ++by)
    for (long long bx = 0; bx < plan.blocks_x; ++bx) {
      const BlockGeom g = block_geom(P, T::kTn, bx, by);
      if (!g.active) continue;
      for (Acc& a : acc)
        for (auto& row : a.v)
          for (float& f : row) f = 0.f;
      if (has_taps(g)) {
        const int per = g.pr * g.pc, taps = g.ph.taps_h * g.ph.taps_w;
        REQUIRE(per <= P.max_patch);
        REQUIRE(taps <= P.max_taps);
        for (int t = 0; t < kThreads; ++t) {
          pixel_offsets<T>(P, g, t, off[t].v);
          for (int r = 0; r < T::kRp; ++r)  // the farthest tap of the pixel stays in the patch
            REQUIRE(off[t].v[r] + (g.ph.taps_h - 1) * g.pc + g.ph.taps_w - 1 < per);
        }
        for (int c0 = 0; c0 < P.in_c; c0 += P.cc) {
          const int cn = std::min(P.cc, P.in_c - c0);
          for (int t = 0; t < kThreads; ++t)
            for (int e = t; e < cn * per; e += kThreads) sx.at(e) = patch_element(P, g, c0, e);
          for (int t = 0; t < kThreads; ++t)
            for (int e = t; e < cn * taps * T::kTn; e += kThreads) sw.at(e) = weight_element(P, g, T::kTn, c0, e);
          for (int t = 0; t < kThreads; ++t) accumulate<T>(sx.data(), sw.data(), g, cn, t, off[t].v, acc[t].v);
        }
      }
      for (int t = 0; t < kThreads; ++t) store<T>(P, g, t, acc[t].v);
    }
}

void emulate(const LaunchPlan& plan, const float* x, const float* w, float* y, const std::vector<PhaseDesc>& phases) {
  switch (plan.tile) {
    case 0: return emulate_phase_kernel<Tile64x64>(plan, x, w, y, phases);
    case 1: return emulate_phase_kernel<Tile32x32>(plan, x, w, y, phases);
    case 2: return emulate_phase_kernel<Tile4x256>(plan, x, w, y, phases);
    case 3: return emulate_phase_kernel<Tile4x64>(plan, x, w, y, phases);
  }
  FAIL("no tile shape planned");
}

std::vector<float> huge2_deconv(const DeconvShape& s, const std::vector<float>& w, const std::vector<float>& x,
                                int tile, int* used_tile = nullptr) {
  const auto phases = deconv_phases(s);
  const auto plan = plan_phase_launch(phases, s.batch, s.in_c, s.in_h, s.in_w, s.out_c, s.out_h(), s.out_w(), 1,
                                      s.stride, tile, 132);
  if (used_tile) *used_tile = plan.tile;
  const auto packed = pack_deconv_host(s, phases, w.data());
  REQUIRE(packed.size() == s.weight_count());  // every tap belongs to exactly one phase
  std::vector<float> y(s.output_count(), kUnwritten);
  emulate(plan, x.data(), packed.data(), y.data(), phases);
  return y;
}

std::vector<float> huge2_conv(const ConvShape& s, const std::vector<float>& w, const std::vector<float>& x, int tile,
                              int* used_tile = nullptr) {
  const auto phases = conv_phases(s);
  const auto plan = plan_phase_launch(phases, s.batch, s.in_c, s.in_h, s.in_w, s.out_c, s.out_h(), s.out_w(),
                                      s.dilation, s.dilation, tile, 132);
  if (used_tile) *used_tile = plan.tile;
  const auto packed = pack_conv_host(s, w.data());
  std::vector<float> y(s.output_count(), kUnwritten);
  emulate(plan, x.data(), packed.data(), y.data(), phases);
  return y;
}

// Row-major C (m x n) = A^T (A: k x m) * B (k x n), or A (m x k) * B: what
// the cuBLAS calls compute.
void gemm(bool a_transposed, int m, int n, int k, const float* a, const float* b, float* c) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double sum = 0;
      for (int p = 0; p < k; ++p) sum += double(a_transposed ? a[p * m + i] : a[i * k + p]) * b[p * n + j];
      c[i * n + j] = float(sum);
    }
}

std::vector<float> darknet_deconv(const DeconvShape& s, const std::vector<float>& w, const std::vector<float>& x) {
  const int hw = s.in_h * s.in_w, rows = s.out_c * s.ksize * s.ksize;
  const Col2imParams cp{s.out_c, s.in_h, s.in_w, s.out_h(), s.out_w(), s.ksize, s.stride, s.pad};
  const int outs = s.out_c * s.out_h() * s.out_w();
  std::vector<float> col(size_t(rows) * hw), y(s.output_count(), kUnwritten);
  for (int b = 0; b < s.batch; ++b) {
    gemm(true, rows, hw, s.in_c, w.data(), x.data() + size_t(b) * s.in_c * hw, col.data());
    for (int e = 0; e < outs; ++e) y[size_t(b) * outs + e] = col2im_gather(cp, col.data(), e);
  }
  return y;
}

std::vector<float> darknet_conv(const ConvShape& s, const std::vector<float>& w, const std::vector<float>& x) {
  const int pixels = s.out_h() * s.out_w(), kdim = s.in_c * s.ksize * s.ksize;
  const Im2colParams ip{s.in_c, s.in_h, s.in_w, s.out_h(), s.out_w(), s.ksize, s.stride, s.applied_pad(), s.dilation};
  std::vector<float> col(size_t(kdim) * pixels), y(s.output_count(), kUnwritten);
  for (int b = 0; b < s.batch; ++b) {
    const float* xb = x.data() + size_t(b) * s.in_c * s.in_h * s.in_w;
    for (int e = 0; e < kdim * pixels; ++e) col[e] = im2col_element(ip, xb, e);
    gemm(false, s.out_c, pixels, kdim, w.data(), col.data(), y.data() + size_t(b) * s.out_c * pixels);
  }
  return y;
}

}  // namespace

TEST_CASE("emulation: deconv phases cover every output once and every tap once", "[emulation]") {
  for (int s = 1; s <= 4; ++s)
    for (int k = 1; k <= 7; ++k)
      for (int p = 0; p < k; ++p) {
        DeconvShape sh;
        sh.in_h = 5, sh.in_w = 3, sh.ksize = k, sh.stride = s, sh.pad = p;
        if (sh.out_h() < 1 || sh.out_w() < 1) continue;
        INFO(sh.describe());
        std::vector<int> hits(size_t(sh.out_h()) * sh.out_w(), 0);
        int taps = 0;
        for (const PhaseDesc& q : deconv_phases(sh)) {
          taps += q.taps_h * q.taps_w;
          for (int u = 0; u < q.rows; ++u)
            for (int v = 0; v < q.cols; ++v) {
              const int oy = q.oy0 + s * u, ox = q.ox0 + s * v;
              REQUIRE(oy < sh.out_h());
              REQUIRE(ox < sh.out_w());
              ++hits[oy * sh.out_w() + ox];
              // Output (oy, ox), reversed tap j, reads input iy0 + u + j, and
              // by definition oy + p = iy*s + ky with ky = ky0 + s*(taps_h-1-j).
              for (int j = 0; j < q.taps_h; ++j) {
                const int iy = q.iy0 + u + j, ky = q.ky0 + s * (q.taps_h - 1 - j);
                REQUIRE(oy + p == iy * s + ky);
              }
            }
        }
        for (int h : hits) REQUIRE(h == 1);
        CHECK(taps == k * k);
      }
}

TEST_CASE("emulation: 1x1 transposed layer with stride 3 (phases without taps)", "[emulation]") {
  DeconvShape s;  // the CPU test's hand-computed case
  s.in_c = 2, s.out_c = 1, s.in_h = 2, s.in_w = 1, s.ksize = 1, s.stride = 3;
  const std::vector<float> x = {1, 2, 10, 20}, w = {0.5f, 2.f};
  const std::vector<float> want = {0.5f * 1 + 2 * 10, 0, 0, 0.5f * 2 + 2 * 20};
  for (int tile = 0; tile < 4; ++tile) CHECK(huge2_deconv(s, w, x, tile) == want);
  CHECK(darknet_deconv(s, w, x) == want);
}

TEST_CASE("emulation: huge2 and darknet GPU kernels equal the definition, random transposed layers",
          "[emulation][random]") {
  const unsigned seed = 7117;
  std::mt19937 rng(seed);
  int tested = 0, tiles_used[4] = {0, 0, 0, 0};
  for (int trial = 0; tested < 120; ++trial) {
    const auto c = random_deconv_case(rng, 600000);
    if (!c) continue;
    const auto& [s, w, x, want] = *c;
    ++tested;
    const int tile = trial % 5 - 1;  // automatic, then each tile shape in turn
    int used = -1;
    INFO("seed " << seed << " trial " << trial << " tile " << tile << ": " << s.describe());
    REQUIRE(compare(huge2_deconv(s, w, x, tile, &used), want) == "");
    REQUIRE(used >= 0);
    ++tiles_used[used];
    if (trial % 3 == 0) REQUIRE(compare(darknet_deconv(s, w, x), want) == "");
  }
  for (int t = 0; t < 4; ++t) CHECK(tiles_used[t] >= 20);
}

TEST_CASE("emulation: huge2 and darknet GPU kernels equal the definition, random dilated layers",
          "[emulation][random]") {
  const unsigned seed = 8228;
  std::mt19937 rng(seed);
  int tested = 0, strided = 0;
  for (int trial = 0; tested < 120; ++trial) {
    const auto c = random_conv_case(rng, 600000);
    if (!c) continue;  // empty output: tested elsewhere
    const auto& [s, w, x, want] = *c;
    ++tested;
    INFO("seed " << seed << " trial " << trial << ": " << s.describe());
    REQUIRE(compare(darknet_conv(s, w, x), want) == "");
    if (s.stride > 1) {  // huge2 runs darknet there
      ++strided;
      continue;
    }
    const int tile = trial % 5 - 1;
    REQUIRE(compare(huge2_conv(s, w, x, tile), want) == "");
  }
  CHECK(strided > 30);
}

TEST_CASE("emulation: DCGAN and segmentation layers (auto tiles) equal the definition", "[emulation]") {
  std::mt19937 rng(3);
  {
    DeconvShape s;  // a DCGAN layer, scaled down in channels
    s.batch = 2, s.in_c = 24, s.out_c = 40, s.in_h = s.in_w = 16, s.ksize = 4, s.stride = 2, s.pad = 1;
    const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
    std::vector<float> want(s.output_count());
    deconv_reference(s, x.data(), w.data(), want.data());
    CHECK(compare(huge2_deconv(s, w, x, -1), want) == "");
  }
  for (int d : {2, 4, 8, 12}) {
    ConvShape s;  // the seg suite's 3x3 "same" dilated layer, fewer channels
    s.in_c = 8, s.out_c = 70, s.in_h = 40, s.in_w = 37, s.ksize = 3, s.pad = 1, s.dilation = d;
    const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
    std::vector<float> want(s.output_count());
    conv_reference(s, x.data(), w.data(), want.data());
    INFO("dilation " << d);
    CHECK(compare(huge2_conv(s, w, x, -1), want) == "");
  }
}

TEST_CASE("emulation: the planner", "[emulation]") {
  DeconvShape s;
  s.in_c = 512, s.out_c = 256, s.in_h = s.in_w = 8, s.ksize = 4, s.stride = 2, s.pad = 1;
  const auto phases = deconv_phases(s);
  for (int t = 0; t < 4; ++t) {
    const auto plan = plan_phase_launch(phases, 1, s.in_c, 8, 8, s.out_c, 16, 16, 1, 2, t, 132);
    INFO("tile " << t);
    CHECK(plan.tile == t);
    CHECK(plan.params.cc >= 1);
    CHECK(plan.smem_bytes <= size_t(kSmemBudgetFloats) * sizeof(float));
  }
  // A 40x40 stride-1 sub-kernel fits no tile shape: the operator falls back to darknet.
  DeconvShape big;
  big.in_h = big.in_w = 3, big.ksize = 40, big.stride = 1;
  CHECK(plan_phase_launch(deconv_phases(big), 1, 1, 3, 3, 1, big.out_h(), big.out_w(), 1, 1, -1, 132).tile == -1);
  // 13x13 still fits (the small-channel tile shapes).
  big.ksize = 13;
  CHECK(plan_phase_launch(deconv_phases(big), 1, 1, 3, 3, 1, big.out_h(), big.out_w(), 1, 1, -1, 132).tile >= 0);
  // An RGB output layer gets a few-channel tile shape.
  DeconvShape rgb;
  rgb.in_c = 128, rgb.out_c = 3, rgb.in_h = rgb.in_w = 32, rgb.ksize = 4, rgb.stride = 2, rgb.pad = 1;
  const int t = plan_phase_launch(deconv_phases(rgb), 8, 128, 32, 32, 3, 64, 64, 1, 2, -1, 132).tile;
  CHECK(kTileInfos[t].tn() == 4);
}

TEST_CASE("emulation: epilogue activations", "[emulation]") {
  // Hand-computed values of Darknet's formulas.
  using A = Activation;
  struct Case {
    A act;
    float x, want;
  };
  const Case cases[] = {
      {A::logistic, 0.f, .5f}, {A::relu, -2.f, 0.f},     {A::relu, 3.f, 3.f},       {A::relie, -2.f, -.02f},
      {A::linear, -7.f, -7.f}, {A::ramp, -2.f, -.2f},    {A::ramp, 2.f, 2.2f},      {A::tanh, 0.f, 0.f},
      {A::tanh, 100.f, 1.f},   {A::plse, -6.f, -.02f},   {A::plse, 0.f, .5f},       {A::plse, 6.f, 1.02f},
      {A::leaky, -2.f, -.2f},  {A::elu, 0.f, 0.f},       {A::loggy, 0.f, 0.f},      {A::stair, 2.5f, 1.f},
      {A::stair, 3.5f, 1.5f},  {A::hardtan, -3.f, -1.f}, {A::hardtan, .5f, .5f},    {A::lhtan, -1.f, -.001f},
      {A::lhtan, 3.f, 1.002f}, {A::selu, 1.f, 1.0507f},  {A::selu, 0.f, 0.f},
  };
  for (const Case& c : cases) {
    INFO("activation " << activation_name(c.act) << " at " << c.x);
    CHECK(activation_formula(c.x, c.act) == Approx(c.want).margin(1e-6));
  }
  CHECK(activation_formula(-1.f, A::elu) == Approx(std::exp(-1.f) - 1));
  CHECK(activation_formula(1.f, A::logistic) == Approx(1 / (1 + std::exp(-1.f))));
}

TEST_CASE("emulation: the device activations equal the CPU kernels' for every Activation", "[emulation]") {
  for (int a = int(Activation::logistic); a <= int(Activation::selu); ++a) {
    const Activation act = Activation(a);
    INFO(activation_name(act));
    for (float x : {-50.f, -4.5f, -3.f, -1.f, -.25f, 0.f, .3f, 1.f, 2.5f, 3.5f, 4.5f, 50.f})
      CHECK(activation_formula(x, act) == Approx(activate(x, act)).margin(1e-6));
  }
}
