#include "bias.h"

namespace huge2 {

void add_bias(float* y, const float* bias, int batch, int channels, size_t spatial) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int b = 0; b < batch; ++b)
    for (int k = 0; k < channels; ++k) {
      float* p = y + (size_t(b) * channels + k) * spatial;
      for (size_t i = 0; i < spatial; ++i) p[i] += bias[k];
    }
}

}  // namespace huge2
