// Darknet's activate_array and gradient_array for the managed layers'
// epilogue, bit for bit: the library's call Darknet's per-element
// activate()/gradient() (a call and a switch per value: in a training
// iteration of a decoder, 17% of the time went there). The activations
// most cfgs use (linear, relu, leaky) run here as plain loops with
// Darknet's own formulas and types, the others through the library.
#pragma once
#include <cstddef>

#include "darknet_abi.h"

namespace huge2::plugin {

// x[i] = activation(x[i]), as activate_array(x, n, a).
void activate_like_darknet(float* x, size_t n, ACTIVATION a);
// delta[i] *= activation'(x[i]) (x: the activated output), as gradient_array(x, n, a, delta).
void gradient_like_darknet(const float* x, size_t n, ACTIVATION a, float* delta);

}  // namespace huge2::plugin
