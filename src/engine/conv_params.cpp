#include "conv_params.h"

#include <cmath>
#include <random>

#include "layer_common.h"
#include "weights_file.h"

namespace huge2 {

ConvParams::ConvParams(size_t weight_count, int filters, bool batch_normalize, Activation act)
    : biases(filters, 0.f), weight_count(weight_count), bn(batch_normalize),
      activation(act) {
  if (bn) norm = BatchNorm(filters);
}

void ConvParams::load(WeightReader& r) {
  r.read(biases.data(), biases.size(), "biases");
  if (bn) norm.load(r);
  weights.resize(weight_count);
  r.read(weights.data(), weights.size(), "weights");
}

void ConvParams::save(WeightWriter& w, const float* weights_from) const {
  w.write(biases.data(), biases.size());
  if (bn) norm.save(w);
  w.write(weights.empty() ? weights_from : weights.data(), weight_count);
}

void ConvParams::randomize(unsigned seed, int fan_in) {
  std::mt19937 rng(seed);
  weights.resize(weight_count);
  fill_he(weights, fan_in, rng);
  std::uniform_real_distribution<float> b(-0.1f, 0.1f);
  for (float& v : biases) v = b(rng);
  if (bn) norm.randomize(seed + 1);
}

// Darknet's inference batch-norm, (x - mean) / (sqrt(var) + 1e-6) * scale,
// then + bias, folded into x * a + b.
Epilogue ConvParams::epilogue(int first, int count) const {
  Epilogue e;
  e.activation = activation;
  e.shift.assign(biases.begin() + first, biases.begin() + first + count);
  if (!bn) return e;
  e.scale.resize(count);
  for (int i = 0; i < count; ++i) {
    const int k = first + i;
    const float a = norm.scales[k] / (std::sqrt(norm.variance[k]) + .000001f);
    e.scale[i] = a;
    e.shift[i] = biases[k] - norm.mean[k] * a;
  }
  return e;
}

}  // namespace huge2
