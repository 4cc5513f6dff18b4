// What runs on a convolution's output before it leaves the operator:
// a per-channel scale and shift (bias, and inference batch-norm folded into
// them once) and an activation. The direct kernels apply it while the tile is
// still in registers; the other algorithms apply it as one pass afterwards.
#pragma once
#include <cstddef>
#include <vector>

#include "core/activation.h"

namespace huge2 {

struct Epilogue {
  std::vector<float> scale;  // per output channel; empty means 1
  std::vector<float> shift;  // per output channel; empty means 0
  Activation activation = Activation::linear;

  bool is_identity() const { return scale.empty() && shift.empty() && activation == Activation::linear; }
  // Throws ShapeError unless scale and shift are empty or `channels` long.
  void check(int channels, const char* op) const;
  // y: batch x channels x spatial, in place; planes (image b, channel k) =
  // b * channels + k in [plane_begin, plane_end) only, so that a caller
  // (the operators, on their thread pool) can split the work.
  void apply(float* y, size_t plane_begin, size_t plane_end, int channels, size_t spatial) const;
};

}  // namespace huge2
