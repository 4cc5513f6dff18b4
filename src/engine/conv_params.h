// Parameters of the conv-like layers ([convolutional], [deconvolutional]),
// their .weights record and their epilogue, shared by both.
#pragma once
#include <cstddef>
#include <vector>

#include "activation.h"
#include "batchnorm.h"
#include "epilogue.h"

namespace huge2 {

struct ConvParams {
  std::vector<float> weights, biases;
  bool bn = false;
  BatchNorm norm;
  Activation activation = Activation::logistic;

  ConvParams() = default;
  ConvParams(size_t weight_count, int filters, bool batch_normalize, Activation act);
  size_t count() const { return weights.size() + biases.size() + (bn ? 3 * biases.size() : 0); }
  // Darknet's record: biases, [scales, rolling mean, rolling variance], weights.
  void load(WeightReader& r);
  void save(WeightWriter& w) const;
  // He-scaled weights for fan_in inputs per output, small biases.
  void randomize(unsigned seed, int fan_in);
  // After the convolution, in place: [batch-norm], bias, activation.
  void finish(float* y, int batch, size_t spatial) const;
  // The same as one per-channel scale and shift + activation, for the
  // operators to fuse: channels [first, first + count).
  Epilogue epilogue(int first, int count) const;
};

}  // namespace huge2
