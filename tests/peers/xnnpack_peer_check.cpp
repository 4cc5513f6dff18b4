// Checks the XNNPACK peer against huge2's naive reference (kernels/reference/reference.h)
// on random transposed and dilated convolutions: the peer must compute the
// same layer as Darknet before its timings mean anything. Standalone (no
// Catch2) so that it builds only where XNNPACK is installed.
// Prints one line per case; exits 1 when any case's max |peer - reference|
// exceeds 1e-3 of the reference's largest magnitude.
// Usage: xnnpack_peer_check [--time]   (--time: time the DCGAN layer once)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "reference/reference.h"
#include "xnnpack_peer.h"

namespace {

using huge2::ConvShape;
using huge2::DeconvShape;
using huge2::peers::XnnpackPeer;

std::vector<float> random_vector(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

struct Diff {
  double max_abs = 0, ref_max = 0;
  double relative() const { return ref_max > 0 ? max_abs / ref_max : max_abs; }
};

Diff compare(const std::vector<float>& got, const std::vector<float>& want) {
  Diff d;
  if (got.size() != want.size()) {
    d.max_abs = INFINITY;
    return d;
  }
  for (size_t i = 0; i < got.size(); ++i) {
    d.max_abs = std::max(d.max_abs, std::fabs(double(got[i]) - want[i]));
    d.ref_max = std::max(d.ref_max, std::fabs(double(want[i])));
  }
  return d;
}

constexpr double kTolerance = 1e-3;

// One case: build the peer on random data, run it, compare with the reference.
template <class Shape, class Reference>
bool check_case(const char* label, const Shape& s, int threads, Reference reference, std::mt19937& rng) {
  const std::vector<float> w = random_vector(s.weight_count(), rng);
  const std::vector<float> x = random_vector(s.input_count(), rng);
  std::vector<float> want(s.output_count());
  reference(s, x.data(), w.data(), want.data());
  try {
    XnnpackPeer peer(s, w.data(), x.data(), threads);
    peer.run();
    const Diff d = compare(peer.output_nchw(), want);
    const bool ok = d.relative() <= kTolerance;
    std::printf("%-4s %-28s %-52s t=%d  max|diff| %.3g  rel %.3g  [%s]\n", ok ? "ok" : "FAIL", label,
                s.describe().c_str(), threads, d.max_abs, d.relative(), peer.impl_name().c_str());
    return ok;
  } catch (const std::exception& e) {
    std::printf("FAIL %-28s %s: %s\n", label, s.describe().c_str(), e.what());
    return false;
  }
}

DeconvShape deconv(int batch, int in_c, int in_h, int in_w, int out_c, int k, int stride, int pad) {
  DeconvShape s;
  s.batch = batch, s.in_c = in_c, s.in_h = in_h, s.in_w = in_w, s.out_c = out_c;
  s.ksize = k, s.stride = stride, s.pad = pad;
  return s;
}

ConvShape conv(int batch, int in_c, int in_h, int in_w, int out_c, int k, int stride, int pad, int dilation) {
  ConvShape s;
  s.batch = batch, s.in_c = in_c, s.in_h = in_h, s.in_w = in_w, s.out_c = out_c;
  s.ksize = k, s.stride = stride, s.pad = pad, s.dilation = dilation;
  return s;
}

// Quick single-layer timing (best of a few runs), not a benchmark.
void time_dcgan(int threads, std::mt19937& rng) {
  const DeconvShape s = deconv(1, 512, 8, 8, 256, 4, 2, 1);
  const std::vector<float> w = random_vector(s.weight_count(), rng);
  const std::vector<float> x = random_vector(s.input_count(), rng);
  XnnpackPeer peer(s, w.data(), x.data(), threads);
  peer.run();  // warm-up
  double best = INFINITY;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    peer.run();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::printf("time DCGAN %s, %d thread(s): best of 5 %.3f ms, %.2f GFLOP/s\n", s.describe().c_str(), threads, best,
              s.flops() / (best * 1e6));
}

}  // namespace

int main(int argc, char** argv) {
  const bool timing = argc > 1 && std::strcmp(argv[1], "--time") == 0;
  std::mt19937 rng(20260101);
  int failures = 0;
  auto dc = [&](const char* label, const DeconvShape& s, int threads = 1) {
    failures += !check_case(label, s, threads, huge2::deconv_reference, rng);
  };
  auto cv = [&](const char* label, const ConvShape& s, int threads = 1) {
    failures += !check_case(label, s, threads, huge2::conv_reference, rng);
  };

  // Transposed convolutions.
  dc("DCGAN 4x4/2 p1", deconv(1, 512, 8, 8, 256, 4, 2, 1));
  dc("DCGAN 4x4/2 p1, 2 threads", deconv(1, 512, 8, 8, 256, 4, 2, 1), 2);
  dc("2x2/2 p0", deconv(1, 64, 7, 9, 32, 2, 2, 0));
  dc("3x3/3 p1", deconv(1, 17, 6, 5, 13, 3, 3, 1));
  dc("4x4/4 p0 non-square", deconv(1, 8, 5, 11, 5, 4, 4, 0));
  dc("3x3/1 p1 (igemm)", deconv(1, 16, 9, 7, 24, 3, 1, 1));
  dc("2x2/3 p0 stride > k", deconv(1, 6, 5, 4, 7, 2, 3, 0));
  dc("3x3/1 p2 pad > k/2", deconv(1, 5, 6, 6, 4, 3, 1, 2));
  dc("5x5/2 p2 odd channels", deconv(1, 3, 9, 7, 7, 5, 2, 2));
  dc("4x4/2 p1 batch 3, 2 threads", deconv(3, 13, 6, 10, 5, 4, 2, 1), 2);
  dc("1x1/1 p0", deconv(1, 11, 5, 4, 9, 1, 1, 0));

  // Convolutions (pad is Darknet's, applied as pad * dilation).
  cv("3x3 d2 same", conv(1, 32, 17, 13, 24, 3, 1, 1, 2));
  cv("3x3 d4 same", conv(1, 16, 20, 20, 16, 3, 1, 1, 4));
  cv("3x3 d4 same, 2 threads", conv(2, 9, 21, 15, 7, 3, 1, 1, 4), 2);
  cv("3x3/2 p1", conv(1, 24, 15, 16, 40, 3, 2, 1, 1));
  cv("5x5 d2 p2 odd channels", conv(1, 3, 19, 17, 5, 5, 1, 2, 2));
  cv("3x3/2 d3 p0", conv(1, 7, 23, 18, 11, 3, 2, 0, 3));
  cv("1x1/1 p0 (gemm)", conv(1, 13, 6, 7, 17, 1, 1, 0, 1));
  cv("3x3 d2 1->1 channel", conv(1, 1, 12, 10, 1, 3, 1, 1, 2));

  // A bad geometry is refused with huge2's error, before XNNPACK sees it.
  try {
    XnnpackPeer bad(deconv(1, 4, 4, 4, 4, 0, 2, 1), nullptr, nullptr, 1);
    std::printf("FAIL size 0 accepted\n");
    ++failures;
  } catch (const std::exception& e) {
    std::printf("ok   size 0 refused: %s\n", e.what());
  }

  if (timing) {
    time_dcgan(1, rng);
    time_dcgan(2, rng);
  }
  std::printf("%s: %d failure(s)\n", failures ? "FAILED" : "passed", failures);
  return failures ? 1 : 0;
}
