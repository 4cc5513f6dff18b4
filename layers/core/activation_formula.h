// Darknet's activation formulas (activations.h), written once for the CPU
// (core/activation.cpp, the direct kernels' epilogue) and the GPU
// (cuda/column_kernels.cu, cuda/phase_kernel.cu). Except tanh: Darknet's
// (e^2x - 1)/(e^2x + 1) gives NaN for x > ~44; tanhf is the definition.
// Not named activate: under nvcc, argument-dependent lookup would find the
// host-only huge2::activate too.
#pragma once
#include <math.h>

#include "core/activation.h"
#include "core/host_device.h"

namespace huge2 {

HUGE2_HD float activation_formula(float x, Activation a) {
  switch (a) {
    case Activation::logistic: return 1.f / (1.f + expf(-x));
    case Activation::relu: return x > 0 ? x : 0.f;
    case Activation::relie: return x > 0 ? x : .01f * x;
    case Activation::linear: return x;
    case Activation::ramp: return (x > 0 ? x : 0.f) + .1f * x;
    case Activation::tanh: return tanhf(x);
    case Activation::plse:
      if (x < -4) return .01f * (x + 4);
      if (x > 4) return .01f * (x - 4) + 1;
      return .125f * x + .5f;
    case Activation::leaky: return x > 0 ? x : .1f * x;
    case Activation::elu: return x >= 0 ? x : expf(x) - 1;
    case Activation::loggy: return 2.f / (1.f + expf(-x)) - 1;
    case Activation::stair: {
      // x / 2 and floor are exact in float as in Darknet's double, so the
      // sum rounds once either way.
      const int n = int(floorf(x));
      return n % 2 == 0 ? floorf(x / 2.f) : (x - n) + floorf(x / 2.f);
    }
    case Activation::hardtan: return x < -1 ? -1.f : x > 1 ? 1.f : x;
    case Activation::lhtan:
      if (x < 0) return .001f * x;
      if (x > 1) return .001f * (x - 1) + 1;
      return x;
    case Activation::selu: return x >= 0 ? 1.0507f * x : 1.0507f * 1.6732f * (expf(x) - 1);
  }
  return x;
}

}  // namespace huge2
