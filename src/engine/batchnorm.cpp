#include "batchnorm.h"

#include <cmath>
#include <random>

#include "weights_file.h"

namespace huge2 {

void BatchNorm::normalize(float* x, int batch, size_t spatial, ThreadPool* pool) const {
  const size_t c = size_t(channels());
  parallel_for(pool, size_t(batch) * c, [&](size_t q0, size_t q1) {
    for (size_t q = q0; q < q1; ++q) {
      const size_t k = q % c;
      float* p = x + q * spatial;
      const float inv = 1.f / (std::sqrt(variance[k]) + .000001f);
      const float m = mean[k], s = scales[k];
      for (size_t i = 0; i < spatial; ++i) p[i] = (p[i] - m) * inv * s;
    }
  });
}

void BatchNorm::load(WeightReader& r) {
  r.read(scales.data(), scales.size(), "batch-norm scales");
  r.read(mean.data(), mean.size(), "batch-norm rolling mean");
  r.read(variance.data(), variance.size(), "batch-norm rolling variance");
}

void BatchNorm::save(WeightWriter& w) const {
  w.write(scales.data(), scales.size());
  w.write(mean.data(), mean.size());
  w.write(variance.data(), variance.size());
}

void BatchNorm::randomize(unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> scale(0.8f, 1.2f), mu(-0.1f, 0.1f), var(0.5f, 1.5f);
  for (float& v : scales) v = scale(rng);
  for (float& v : mean) v = mu(rng);
  for (float& v : variance) v = var(rng);
}

}  // namespace huge2
