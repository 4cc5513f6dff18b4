// What the GPU tests share: test_cuda.cpp (the operators on a device) and
// test_emulation.cpp (the kernels' index math on the CPU) check the same
// random geometries against the naive definition.
#pragma once
#include <optional>
#include <random>
#include <vector>

#include "helpers.h"
#include "reference/reference.h"

namespace huge2::test {

template <class Shape>
struct RandomCase {
  Shape s;
  std::vector<float> w, x;  // weights and input, uniform in [-1, 1]
  std::vector<float> want;  // the naive definition's output
};

// A random geometry (random_deconv_shape, random_conv_shape), then its
// weights and input, and the reference output; nullopt when the geometry is
// impossible (the caller draws again). The draws keep that order, so a seed
// names a sequence.
template <class Shape>
std::optional<RandomCase<Shape>> random_case(std::mt19937& rng, int work,
                                             std::optional<Shape> (*draw)(std::mt19937&, int),
                                             void (*reference)(const Shape&, const float*, const float*, float*)) {
  const std::optional<Shape> shape = draw(rng, work);
  if (!shape) return std::nullopt;
  RandomCase<Shape> c;
  c.s = *shape;
  c.w = random_tensor(c.s.weight_count(), rng);
  c.x = random_tensor(c.s.input_count(), rng);
  c.want.resize(c.s.output_count());
  reference(c.s, c.x.data(), c.w.data(), c.want.data());
  return c;
}

inline std::optional<RandomCase<DeconvShape>> random_deconv_case(std::mt19937& rng, int work) {
  return random_case<DeconvShape>(rng, work, random_deconv_shape, deconv_reference);
}
inline std::optional<RandomCase<ConvShape>> random_conv_case(std::mt19937& rng, int work) {
  return random_case<ConvShape>(rng, work, random_conv_shape, conv_reference);
}

}  // namespace huge2::test
