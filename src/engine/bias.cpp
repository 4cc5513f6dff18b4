#include "bias.h"

namespace huge2 {

void add_bias(float* y, const float* bias, int batch, int channels, size_t spatial, ThreadPool* pool) {
  parallel_for(pool, size_t(batch) * channels, [&](size_t q0, size_t q1) {
    for (size_t q = q0; q < q1; ++q) {
      float* p = y + q * spatial;
      const float v = bias[q % size_t(channels)];
      for (size_t i = 0; i < spatial; ++i) p[i] += v;
    }
  });
}

}  // namespace huge2
