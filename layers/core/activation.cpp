#include "core/activation.h"

#include "core/activation_formula.h"
#include "core/named.h"

namespace huge2 {
namespace {

constexpr Named<Activation> kNames[] = {
    {"logistic", Activation::logistic}, {"relu", Activation::relu},   {"relie", Activation::relie},
    {"linear", Activation::linear},     {"ramp", Activation::ramp},   {"tanh", Activation::tanh},
    {"plse", Activation::plse},         {"leaky", Activation::leaky}, {"elu", Activation::elu},
    {"loggy", Activation::loggy},       {"stair", Activation::stair}, {"hardtan", Activation::hardtan},
    {"lhtan", Activation::lhtan},       {"selu", Activation::selu},
};

}  // namespace

Activation parse_activation(const std::string& name) { return parse_named(kNames, name, "activation"); }
const char* activation_name(Activation a) { return name_of(kNames, a); }

float activate(float x, Activation a) { return activation_formula(x, a); }

void activate_array(float* x, size_t n, Activation a) {
  if (a == Activation::linear) return;
  for (size_t i = 0; i < n; ++i) x[i] = activation_formula(x[i], a);
}

}  // namespace huge2
