// Darknet's activation functions, by their cfg names.
#pragma once
#include <cstddef>
#include <string>

namespace huge2 {

enum class Activation { logistic, relu, relie, linear, ramp, tanh, plse, leaky, elu, loggy, stair, hardtan, lhtan, selu };

// Throws std::invalid_argument naming the unknown name (Darknet would warn
// and silently run relu instead).
Activation parse_activation(const std::string& name);
const char* activation_name(Activation a);
float activate(float x, Activation a);
void activate_array(float* x, size_t n, Activation a);

}  // namespace huge2
