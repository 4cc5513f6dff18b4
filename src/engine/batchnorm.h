// Inference batch-norm with Darknet's CPU formula, shared by the layers that
// carry it (convolutional, deconvolutional, connected, batchnorm):
//   y = (x - rolling_mean) / (sqrt(rolling_variance) + 0.000001) * scale + bias
// Darknet's GPU code uses sqrt(var + 0.00001); huge2 uses the CPU formula on
// every backend.
#pragma once
#include <cstddef>
#include <vector>

#include "runtime/thread_pool.h"

namespace huge2 {

class WeightReader;
class WeightWriter;

struct BatchNorm {
  std::vector<float> scales, mean, variance;

  explicit BatchNorm(int channels = 0) : scales(channels, 1.f), mean(channels, 0.f), variance(channels, 1.f) {}
  int channels() const { return int(scales.size()); }
  // Normalises x (batch x channels x spatial) in place; does not add biases.
  void normalize(float* x, int batch, size_t spatial, ThreadPool* pool = nullptr) const;
  // The three arrays in Darknet's record order: scales, mean, variance.
  void load(WeightReader& r);
  void save(WeightWriter& w) const;
  void randomize(unsigned seed);
};

}  // namespace huge2
