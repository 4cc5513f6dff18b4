// The per-pixel softmax operator (ChannelSoftmax), for the ISA this run is
// for (HUGE2_ISA, as the kernel tests): against the definition in double,
// its NaN and underflow rules, in place, and the same bits at 1-3 threads.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "operators/channel_softmax.h"

using namespace huge2;

namespace {

// The definition, in double: e^((x - max) / T) / sum over the channels;
// sums[i]: the sum that y[i] was divided by.
std::vector<double> softmax_definition(const std::vector<float>& x, int batch, int channels, size_t spatial,
                                       double temperature, std::vector<double>& sums) {
  std::vector<double> y(x.size());
  sums.assign(x.size(), 0.);
  for (int b = 0; b < batch; ++b)
    for (size_t p = 0; p < spatial; ++p) {
      const size_t at = size_t(b) * channels * spatial + p;
      double top = -INFINITY, sum = 0;
      for (int c = 0; c < channels; ++c) top = std::max(top, double(x[at + c * spatial]));
      for (int c = 0; c < channels; ++c) sum += y[at + c * spatial] = std::exp((x[at + c * spatial] - top) / temperature);
      for (int c = 0; c < channels; ++c) y[at + c * spatial] /= sum, sums[at + c * spatial] = sum;
    }
  return y;
}

}  // namespace

TEST_CASE("channel softmax: every probability within 1e-6 of the definition in double, on any thread count",
          "[softmax]") {
  const Isa isa = active_isa();
  INFO("ISA " << isa_name(isa));
  std::mt19937 rng(5);
  // Pixel counts around the kernel's 256-pixel blocks and the pool's
  // 4096-pixel grain (a partial block in a partial range), 1-40 channels.
  const struct { int batch, channels; size_t spatial; float temperature, spread; } shapes[] = {
      {1, 1, 7, 1.f, 5.f},       {2, 19, 37 * 29, 1.5f, 60.f}, {1, 3, 256, 1.f, 10.f},
      {3, 5, 257, .5f, 20.f},    {1, 40, 9000, 1.f, 30.f},     {2, 2, 4097, 3.f, 100.f},
  };
  for (const auto& s : shapes) {
    INFO(s.batch << " x " << s.channels << " x " << s.spatial << " pixels, T " << s.temperature);
    std::uniform_real_distribution<float> u(-s.spread, s.spread);
    std::vector<float> x(size_t(s.batch) * s.channels * s.spatial);
    for (float& v : x) v = u(rng);
    std::vector<double> sums;
    const std::vector<double> want = softmax_definition(x, s.batch, s.channels, s.spatial, s.temperature, sums);
    const ChannelSoftmax op(s.channels, s.spatial, s.temperature);
    CHECK(op.isa() == isa);
    std::vector<float> one(x.size());
    op.run(x.data(), one.data(), s.batch, nullptr);
    double worst = 0;  // in units of the allowed error
    for (size_t i = 0; i < x.size(); ++i) {
      // Float arithmetic rounds the exponent itself (x - max, / T): e^arg
      // comes with a relative error of up to ~2 roundings of |arg|, on top
      // of the 1e-6 allowed. Terms below e^-87.33 are flushed to 0 (the
      // definition keeps them as subnormals): an absolute 1e-37 covers those.
      const double arg = std::log(want[i] * sums[i]), err = std::abs(one[i] - want[i]);
      worst = std::max(worst, err > 1e-37 ? err / want[i] / (1e-6 + 2 * std::abs(arg) * 0x1p-24) : 0.);
    }
    CHECK(worst < 1);
    for (int threads = 2; threads <= 3; ++threads) {
      ThreadPool pool(threads);
      std::vector<float> y(x.size());
      op.run(x.data(), y.data(), s.batch, &pool);
      CHECK(std::memcmp(y.data(), one.data(), y.size() * sizeof(float)) == 0);
    }
    std::vector<float> in_place = x;  // y may be x
    op.run(in_place.data(), in_place.data(), s.batch, nullptr);
    CHECK(std::memcmp(in_place.data(), one.data(), one.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("channel softmax: a NaN makes its pixel NaN, infinities and ties follow the definition", "[softmax]") {
  // 3 channels x 5 pixels: pixel 0 has a NaN; 1 has -inf in one channel
  // (probability 0); 2 is a tie (1/3 each); 3 has one very large logit
  // (1 and two zeros); 4 is ordinary.
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {nan, -inf, 7, 1e30f, 0, 1, 0, 7, 0, std::log(2.f), 2, 0, 7, 0, std::log(5.f)};
  const ChannelSoftmax op(3, 5);
  std::vector<float> y(x.size());
  op.run(x.data(), y.data(), 1, nullptr);
  for (int c = 0; c < 3; ++c) CHECK(std::isnan(y[c * 5]));
  CHECK(y[1] == 0.f);
  CHECK(std::abs(y[5 + 1] - 0.5f) < 1e-7f);
  CHECK(std::abs(y[10 + 1] - 0.5f) < 1e-7f);
  for (int c = 0; c < 3; ++c) CHECK(std::abs(y[c * 5 + 2] - 1 / 3.f) < 1e-7f);
  CHECK(y[3] == 1.f);
  CHECK(y[5 + 3] == 0.f);
  CHECK(y[10 + 3] == 0.f);
  CHECK(std::abs(y[4] - .125f) < 1e-7f);
  CHECK(std::abs(y[5 + 4] - .25f) < 1e-7f);
  CHECK(std::abs(y[10 + 4] - .625f) < 1e-7f);
}

TEST_CASE("channel softmax: bad shapes and temperatures are refused with what is wrong", "[softmax]") {
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(ChannelSoftmax(0, 4), Contains("channels must be >= 1"));
  CHECK_THROWS_WITH(ChannelSoftmax(3, 0), Contains("at least one pixel"));
  CHECK_THROWS_WITH(ChannelSoftmax(3, 4, 0.f), Contains("temperature must be > 0"));
  CHECK_THROWS_WITH(ChannelSoftmax(3, 4, -1.f), Contains("temperature must be > 0"));
  CHECK_THROWS_WITH(ChannelSoftmax(3, 4, std::numeric_limits<float>::infinity()), Contains("finite"));
  CHECK_THROWS_WITH(ChannelSoftmax(3, 4, std::numeric_limits<float>::quiet_NaN()), Contains("temperature"));
}
