// Per-channel biases, added after the convolution or matrix product (and
// after batch-norm, which adds none), as Darknet's add_bias does.
#pragma once
#include <cstddef>

#include "runtime/thread_pool.h"

namespace huge2 {

// y[b][c][i] += bias[c]
void add_bias(float* y, const float* bias, int batch, int channels, size_t spatial, ThreadPool* pool = nullptr);

}  // namespace huge2
