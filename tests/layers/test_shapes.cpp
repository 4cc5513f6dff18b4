// Output-size formulas and algorithm names, checked against hand-worked
// values; the phase geometry (phase_geometry.h), against an enumeration of
// the definition.
#include <catch2/catch.hpp>

#include <algorithm>
#include <climits>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "core/algorithm.h"
#include "core/phase_geometry.h"
#include "core/shapes.h"
#include "operators/deconvolution.h"

using namespace huge2;

TEST_CASE("shapes: Darknet's deconvolutional output size", "[shapes]") {
  DeconvShape s;
  s.in_h = 4, s.in_w = 6, s.ksize = 4, s.stride = 2, s.pad = 1;  // DCGAN: doubles
  CHECK(s.out_h() == 8);
  CHECK(s.out_w() == 12);
  s.pad = 2;  // pad=1 in a cfg means padding = size/2 = 2: 2h - 2
  CHECK(s.out_h() == 6);
  s.in_h = 1, s.ksize = 4, s.stride = 1, s.pad = 0;  // 1x1 latent -> 4x4
  CHECK(s.out_h() == 4);
}

TEST_CASE("shapes: dilated convolution pads pad*dilation", "[shapes]") {
  ConvShape s;
  s.in_h = 64, s.in_w = 128, s.ksize = 3, s.pad = 1;
  for (int d : {1, 2, 4, 8, 16}) {
    s.dilation = d;
    CHECK(s.applied_pad() == d);
    CHECK(s.out_h() == 64);  // "same" for every dilation
    CHECK(s.out_w() == 128);
  }
  s.dilation = 2, s.pad = 0, s.stride = 2;  // (64 - 2*2 - 1)/2 + 1 = 30
  CHECK(s.out_h() == 30);
}

TEST_CASE("shapes: algorithm names round-trip and unknown names are refused", "[shapes]") {
  for (Algorithm a : {Algorithm::reference, Algorithm::darknet, Algorithm::huge2, Algorithm::cudnn})
    CHECK(parse_algorithm(algorithm_name(a)) == a);
  CHECK_THROWS_WITH(parse_algorithm("fast"),
                    Catch::Contains("unknown algorithm 'fast' (known: reference, darknet, huge2, cudnn)"));
  // One enum for CPU and GPU: the CPU operators refuse the GPU-only one by name.
  DeconvShape d;
  const float w[1] = {1.f};
  CHECK_THROWS_WITH(Deconvolution(d, Algorithm::cudnn, w), Catch::Contains("cudnn is a GPU algorithm"));
}

TEST_CASE("shapes: phase geometry of transposed convolutions equals the enumerated definition", "[shapes]") {
  for (int s = 1; s <= 5; ++s)
    for (int k = 1; k <= 8; ++k)
      for (int p = 0; p <= k + 1; ++p)
        for (int in = 1; in <= 6; ++in) {
          const int out = (in - 1) * s + k - 2 * p;
          if (out < 1) continue;
          INFO("in " << in << " k " << k << " stride " << s << " pad " << p);
          // By definition output o receives input i through tap t when o + p == i*s + t.
          std::vector<std::set<std::pair<int, int>>> want(out);  // (i, t)
          for (int i = 0; i < in; ++i)
            for (int t = 0; t < k; ++t)
              if (i * s + t - p >= 0 && i * s + t - p < out) want[i * s + t - p].insert({i, t});
          std::vector<int> hits(out, 0);
          for (int out0 = 0; out0 < std::min(s, out); ++out0) {
            const TransposedAxisPhase a = transposed_phase_at_output(out, k, s, p, out0);
            INFO("phase at output " << out0);
            REQUIRE(a.out0 == out0);
            int count = 0, taps = 0;
            for (int o = out0; o < out; o += s) ++count;
            for (int t = a.tap0; t < k; t += s) ++taps;
            REQUIRE(a.count == count);
            REQUIRE(a.taps == taps);
            for (int u = 0; u < a.count; ++u) {
              const int o = out0 + s * u;
              ++hits[o];
              std::set<std::pair<int, int>> got;  // the phase's taps that land in the input
              for (int j = 0; j < a.taps; ++j) {
                REQUIRE(a.tap(j) == a.tap0 + s * j);
                if (a.input(u, j) >= 0 && a.input(u, j) < in) got.insert({a.input(u, j), a.tap(j)});
              }
              REQUIRE(got == want[o]);
            }
            // The same phase, found by its first tap.
            const TransposedAxisPhase b = transposed_phase_at_tap(out, k, s, p, a.tap0);
            CHECK(std::make_tuple(b.out0, b.count, b.tap0, b.taps, b.in0) ==
                  std::make_tuple(a.out0, a.count, a.tap0, a.taps, a.in0));
          }
          for (int h : hits) REQUIRE(h == 1);
          // By tap residue: every tap in exactly one phase, including the
          // phases of outputs that do not exist (out < s).
          int all_taps = 0;
          for (int r = 0; r < s; ++r) {
            const TransposedAxisPhase a = transposed_phase_at_tap(out, k, s, p, r);
            REQUIRE(a.tap0 == r);
            REQUIRE(a.out0 >= 0);
            REQUIRE(a.out0 < s);
            if (a.out0 >= out) REQUIRE(a.count == 0);
            all_taps += a.taps;
          }
          CHECK(all_taps == k);
        }
  // A stride near INT_MAX (a 1x1 input): nothing wraps.
  for (int out0 = 0; out0 < 3; ++out0) {
    const TransposedAxisPhase a = transposed_phase_at_output(3, 5, INT_MAX, 1, out0);
    CHECK(a.count == 1);
    CHECK(a.taps == 1);
    CHECK(a.tap(0) == out0 + 1);
    CHECK(a.in0 == 0);
  }
}

TEST_CASE("shapes: phase geometry of dilated convolutions equals the enumerated definition", "[shapes]") {
  for (int d = 1; d <= 5; ++d)
    for (int out = 1; out <= 12; ++out)
      for (int a = 0; a < d; ++a) {
        int count = 0;
        for (int o = 0; o < out; ++o) count += o % d == a;
        CHECK(strided_count(out, a, d) == count);
      }
  // Output o reads input o*stride - P + d*j through tap j (P = pad * dilation).
  ConvShape c;
  c.in_h = c.in_w = 11, c.ksize = 3, c.pad = 1;
  for (int stride : {1, 2, 3})
    for (int d : {1, 2, 3}) {
      c.stride = stride, c.dilation = d;
      for (int o = 0; o < c.out_h(); ++o)
        for (int j = 0; j < c.ksize; ++j) {
          // The padded input's row o*stride + d*j, less the padding.
          const int padded_row = o * stride + d * j;
          CHECK(dilated_input(o, j, stride, d, c.applied_pad()) == padded_row - c.pad * d);
        }
    }
}
