// The huge2 GEMM kernel's index math (cuda/gemm_tiling.h, cuda/gemm_plan.cpp),
// checked on the CPU: every block of a plan is run like the GPU would run it
// (its K stages over the split's range, each thread's TM x TN outputs through
// the same fragment indices, the B elements through the same tap table and
// pixel functions, the split slices then summed), against the naive
// reference. Says nothing about CUDA itself: tests/cuda/test_cuda.cpp does.
#include <catch2/catch.hpp>

#include <limits>
#include <set>

#include "gemm_plan.h"
#include "gpu_test_helpers.h"
#include "reference/reference.h"

using namespace huge2;
using namespace huge2::cuda::detail;
using huge2::test::compare;
using huge2::test::random_conv_case;
using huge2::test::random_deconv_case;
using huge2::test::random_tensor;

namespace {

std::vector<float> emulate_gemm(const GemmLayout& L, const GemmPlan& plan, const std::vector<float>& w_unpacked,
                                const std::vector<float>& x, size_t out_count, int out_c) {
  REQUIRE(plan.tile >= 0);
  const GemmTileInfo T = kGemmTileInfos[plan.tile];
  REQUIRE(T.bm / T.tm == 16);
  REQUIRE(T.bn / T.tn == 16);
  REQUIRE(L.m_pad % T.bm == 0);
  const std::vector<float> packed = pack_gemm_host(L, out_c, w_unpacked.data());
  GemmParams P = plan.params;
  REQUIRE(P.k_split % kGemmKPad == 0);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> slices(out_count * P.splits, nan), y(out_count, nan);
  P.x = x.data(), P.w = packed.data(), P.taps = L.taps.data(), P.phases = L.phases.data();
  P.y = P.splits > 1 ? slices.data() : y.data();
  REQUIRE(plan.grid.z == P.nphases * P.splits);
  for (int z = 0; z < plan.grid.z; ++z)
    for (int by = 0; by < plan.grid.y; ++by)
      for (long long bx = 0; bx < plan.grid.x; ++bx) {
        const int q = z % P.nphases, split = z / P.nphases;
        const GemmPhase& ph = L.phases[q];
        const long long p0 = bx * T.bn;
        if (p0 >= (long long)ph.rows * ph.cols * P.batch) continue;
        REQUIRE(ph.k_len % kGemmKPad == 0);
        const int m0 = by * T.bm, k_begin = split * P.k_split, k_end = std::min(ph.k_len, k_begin + P.k_split);
        float* Y = P.y + split * P.slice;
        const long long plane = (long long)P.out_h * P.out_w;
        for (int tid = 0; tid < kGemmThreads; ++tid) {
          const int tx = tid % 16, ty = tid / 16;
          for (int j = 0; j < T.tn; ++j) {
            // The loader's view of column c (each thread loads one column).
            const int col = gemm_frag_index(T.bn, T.tn, tx, j);
            REQUIRE(col < T.bn);
            const GemmPixel in = gemm_pixel(P, ph, p0 + col);
            for (int i = 0; i < T.tm; ++i) {
              const int row = gemm_frag_index(T.bm, T.tm, ty, i);
              REQUIRE(row < T.bm);
              double acc = 0;
              for (int kk = k_begin; kk < k_end; ++kk) {
                const GemmTap& t = L.taps.at(size_t(ph.t_offset) + kk);
                const float a = packed.at(size_t(ph.w_offset) + size_t(kk) * P.m_pad + m0 + row);
                acc += double(a) * gemm_b_element(P, in, t);
              }
              const GemmPixel o = gemm_pixel(P, ph, p0 + col);
              const int m = m0 + row;
              if (!o.valid || m >= P.out_c) continue;
              const long long e = o.out_base + m * plane;
              REQUIRE(e >= 0);
              REQUIRE(size_t(e) < out_count);
              Y[e] = float(acc);
            }
          }
        }
      }
  if (P.splits > 1)
    for (size_t e = 0; e < out_count; ++e) {
      float s = slices[e];
      for (int k = 1; k < P.splits; ++k) s += slices[e + k * out_count];
      y[e] = s;
    }
  return y;
}

}  // namespace

TEST_CASE("gemm emulation: each thread's fragments cover its block's tile once", "[emulation][gemm]") {
  for (const GemmTileInfo& T : kGemmTileInfos) {
    std::set<std::pair<int, int>> seen;
    for (int tid = 0; tid < kGemmThreads; ++tid)
      for (int i = 0; i < T.tm; ++i)
        for (int j = 0; j < T.tn; ++j)
          seen.insert({gemm_frag_index(T.bm, T.tm, tid / 16, i), gemm_frag_index(T.bn, T.tn, tid % 16, j)});
    CHECK(seen.size() == size_t(T.bm) * T.bn);
    CHECK(seen.rbegin()->first == T.bm - 1);
  }
}

TEST_CASE("gemm emulation: random transposed layers, every tile and K split, equal the definition",
          "[emulation][gemm][random]") {
  const unsigned seed = 9339;
  std::mt19937 rng(seed);
  int tested = 0, split_runs = 0;
  for (int trial = 0; tested < 100; ++trial) {
    const auto c = random_deconv_case(rng, 300000);
    if (!c) continue;
    const auto& [s, w, x, want] = *c;
    ++tested;
    const int tile = trial % (kGemmTiles + 1) - 1, splits = trial % 3 == 0 ? 1 + trial % 5 : 0;
    const GemmLayout L = deconv_gemm_layout(s);
    const GemmPlan plan = plan_gemm(L, s.batch, s.in_c, s.in_h, s.in_w, s.out_c, s.out_h(), s.out_w(), tile, splits, 8);
    split_runs += plan.params.splits > 1;
    INFO("seed " << seed << " trial " << trial << " tile " << plan.tile << " splits " << plan.params.splits << ": "
                 << s.describe());
    REQUIRE(compare(emulate_gemm(L, plan, w, x, s.output_count(), s.out_c), want) == "");
  }
  CHECK(split_runs >= 10);
}

TEST_CASE("gemm emulation: random convolutions (strided, dilated), every tile and K split, equal the definition",
          "[emulation][gemm][random]") {
  const unsigned seed = 9449;
  std::mt19937 rng(seed);
  int tested = 0, strided = 0, dilated = 0;
  for (int trial = 0; tested < 100; ++trial) {
    const auto c = random_conv_case(rng, 300000);
    if (!c) continue;
    const auto& [s, w, x, want] = *c;
    ++tested;
    strided += s.stride > 1, dilated += s.dilation > 1;
    const int tile = trial % (kGemmTiles + 1) - 1, splits = trial % 3 == 0 ? 1 + trial % 5 : 0;
    const GemmLayout L = conv_gemm_layout(s);
    const GemmPlan plan = plan_gemm(L, s.batch, s.in_c, s.in_h, s.in_w, s.out_c, s.out_h(), s.out_w(), tile, splits, 8);
    INFO("seed " << seed << " trial " << trial << " tile " << plan.tile << " splits " << plan.params.splits << ": "
                 << s.describe());
    REQUIRE(compare(emulate_gemm(L, plan, w, x, s.output_count(), s.out_c), want) == "");
  }
  CHECK(strided > 20);
  CHECK(dilated > 20);
}

TEST_CASE("gemm emulation: the planner splits K where the layer cannot fill the GPU", "[emulation][gemm]") {
  DeconvShape s;  // DCGAN's 1024 -> 512 layer at batch 1: 4 phases of 4x4 pixels, K = 4096
  s.in_c = 1024, s.out_c = 512, s.in_h = s.in_w = 4, s.ksize = 4, s.stride = 2, s.pad = 1;
  const GemmLayout L = deconv_gemm_layout(s);
  REQUIRE(L.phases.size() == 4);
  for (const GemmPhase& ph : L.phases) CHECK(ph.k_real == 1024 * 4);
  const GemmPlan small = plan_gemm(L, 1, s.in_c, 4, 4, s.out_c, 8, 8, -1, 0, 132);
  CHECK(small.params.splits > 1);
  CHECK(small.workspace_bytes == size_t(small.params.splits) * s.output_count() * sizeof(float));
  ConvShape c;  // a large dilated layer at batch 8 fills the GPU without a split
  c.batch = 8, c.in_c = c.out_c = 512, c.in_h = c.in_w = 64, c.ksize = 3, c.pad = 1, c.dilation = 12;
  const GemmLayout LC = conv_gemm_layout(c);
  const GemmPlan big = plan_gemm(LC, 8, 512, 64, 64, 512, 64, 64, -1, 0, 132);
  CHECK(big.params.splits == 1);
  CHECK(big.workspace_bytes == 0);
  CHECK(big.tile == 0);
}

TEST_CASE("gemm emulation: layers beyond the tap table's 32-bit offsets are refused by name", "[emulation][gemm]") {
  ConvShape c;  // one image of 2.5e9 input values: its offsets would wrap
  c.in_c = 1, c.out_c = 2, c.in_h = c.in_w = 50000, c.ksize = 3, c.pad = 1;
  CHECK_THROWS_WITH(conv_gemm_layout(c), Catch::Contains("32-bit offsets"));
  c.in_h = c.in_w = 4000;  // 1.6e7 values: fine
  CHECK_NOTHROW(conv_gemm_layout(c));
  DeconvShape d;  // 2^31 weights
  d.in_c = 32768, d.out_c = 4096, d.in_h = d.in_w = 1, d.ksize = 4, d.stride = 2;
  CHECK_THROWS_WITH(deconv_gemm_layout(d), Catch::Contains("weights are beyond"));
}
