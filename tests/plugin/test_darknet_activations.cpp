// The plugin's activation loops (src/plugin/darknet_activations.cpp) against
// libdarknet.so's own activate_array and gradient_array, bit for bit, on
// special values (signed zeros, infinities, NaN, subnormals, the largest
// floats) and seeded random ones, for each activation they run themselves
// and one they hand to the library.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "darknet_activations.h"

using namespace huge2::plugin;

namespace {

std::vector<float> values() {
  using L = std::numeric_limits<float>;
  std::vector<float> v = {0.f, -0.f, 1.f, -1.f, 0.1f, -0.1f, 3.3e-8f, -3.3e-8f, L::denorm_min(), -L::denorm_min(),
                          L::min(), -L::min(), L::max(), -L::max(), L::infinity(), -L::infinity(), L::quiet_NaN()};
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-20.f, 20.f);
  for (int i = 0; i < 1000; ++i) v.push_back(u(rng));
  return v;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("plugin: activations and their gradients equal libdarknet's bit for bit", "[plugin]") {
  for (ACTIVATION a : {LINEAR, RELU, LEAKY, LOGISTIC}) {
    INFO("activation " << int(a));
    std::vector<float> mine = values(), darknet = values();
    activate_like_darknet(mine.data(), mine.size(), a);
    activate_array(darknet.data(), int(darknet.size()), a);
    CHECK(same_bits(mine, darknet));

    // Gradients at the activated outputs (as the backward pass has them).
    std::vector<float> delta_mine = values(), delta_darknet = values();
    gradient_like_darknet(darknet.data(), darknet.size(), a, delta_mine.data());
    gradient_array(darknet.data(), int(darknet.size()), a, delta_darknet.data());
    CHECK(same_bits(delta_mine, delta_darknet));
  }
}
