// Parameters of the conv-like layers ([convolutional], [deconvolutional]),
// their .weights record and their epilogue, shared by both.
#pragma once
#include <cstddef>
#include <vector>

#include "core/activation.h"
#include "batchnorm.h"
#include "core/epilogue.h"

namespace huge2 {

struct ConvParams {
  // weights are allocated by allocate_weights() (after the network's memory
  // check), load() or randomize(); they may be released once an operator
  // holds them (release_weights): weight_count keeps their number and save()
  // then needs them handed back.
  std::vector<float> weights, biases;
  size_t weight_count = 0;
  bool bn = false;
  BatchNorm norm;
  Activation activation = Activation::logistic;

  ConvParams() = default;
  ConvParams(size_t weight_count, int filters, bool batch_normalize, Activation act);
  size_t count() const { return weight_count + biases.size() + (bn ? 3 * biases.size() : 0); }
  // Darknet's record: biases, [scales, rolling mean, rolling variance], weights.
  void load(WeightReader& r);
  // `weights_from`: the weights when this object released its own.
  void save(WeightWriter& w, const float* weights_from = nullptr) const;
  // Frees the weights (an operator keeps the one copy); load() and
  // randomize() bring them back.
  void release_weights() { std::vector<float>().swap(weights); }
  void allocate_weights() { weights.assign(weight_count, 0.f); }
  // He-scaled weights for fan_in inputs per output, small biases.
  void randomize(unsigned seed, int fan_in);
  // After the convolution: [batch-norm], bias, activation, as one
  // per-channel scale and shift + activation, for the operators to fuse:
  // channels [first, first + count).
  Epilogue epilogue(int first, int count) const;
};

}  // namespace huge2
