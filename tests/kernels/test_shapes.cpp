// Output-size formulas and algorithm names, checked against hand-worked values.
#include <catch2/catch.hpp>

#include "algorithm.h"
#include "shapes.h"

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
  for (Algorithm a : {Algorithm::reference, Algorithm::darknet, Algorithm::huge2})
    CHECK(parse_algorithm(algorithm_name(a)) == a);
  CHECK_THROWS_WITH(parse_algorithm("fast"), Catch::Contains("unknown algorithm 'fast'"));
}
