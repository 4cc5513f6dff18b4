#include "core/activation.h"

#include <cmath>
#include <stdexcept>

namespace huge2 {
namespace {

struct Named {
  const char* name;
  Activation act;
};
constexpr Named kNames[] = {
    {"logistic", Activation::logistic}, {"relu", Activation::relu},   {"relie", Activation::relie},
    {"linear", Activation::linear},     {"ramp", Activation::ramp},   {"tanh", Activation::tanh},
    {"plse", Activation::plse},         {"leaky", Activation::leaky}, {"elu", Activation::elu},
    {"loggy", Activation::loggy},       {"stair", Activation::stair}, {"hardtan", Activation::hardtan},
    {"lhtan", Activation::lhtan},       {"selu", Activation::selu},
};

}  // namespace

Activation parse_activation(const std::string& name) {
  for (const Named& n : kNames)
    if (name == n.name) return n.act;
  std::string all;
  for (const Named& n : kNames) all += std::string(all.empty() ? "" : ", ") + n.name;
  throw std::invalid_argument("unknown activation '" + name + "' (known: " + all + ")");
}

const char* activation_name(Activation a) {
  for (const Named& n : kNames)
    if (n.act == a) return n.name;
  return "?";
}

// Darknet's formulas (activations.h), except tanh: Darknet's
// (e^2x - 1)/(e^2x + 1) gives NaN for x > ~44; std::tanh is the definition.
float activate(float x, Activation a) {
  switch (a) {
    case Activation::logistic: return 1.f / (1.f + std::exp(-x));
    case Activation::relu: return x > 0 ? x : 0.f;
    case Activation::relie: return x > 0 ? x : .01f * x;
    case Activation::linear: return x;
    case Activation::ramp: return (x > 0 ? x : 0.f) + .1f * x;
    case Activation::tanh: return std::tanh(x);
    case Activation::plse:
      if (x < -4) return .01f * (x + 4);
      if (x > 4) return .01f * (x - 4) + 1;
      return .125f * x + .5f;
    case Activation::leaky: return x > 0 ? x : .1f * x;
    case Activation::elu: return x >= 0 ? x : std::exp(x) - 1;
    case Activation::loggy: return 2.f / (1.f + std::exp(-x)) - 1;
    case Activation::stair: {
      const int n = int(std::floor(x));
      return n % 2 == 0 ? float(std::floor(x / 2.)) : float((x - n) + std::floor(x / 2.));
    }
    case Activation::hardtan: return x < -1 ? -1.f : x > 1 ? 1.f : x;
    case Activation::lhtan:
      if (x < 0) return .001f * x;
      if (x > 1) return .001f * (x - 1) + 1;
      return x;
    case Activation::selu: return x >= 0 ? 1.0507f * x : 1.0507f * 1.6732f * (std::exp(x) - 1);
  }
  return x;
}

void activate_array(float* x, size_t n, Activation a) {
  if (a == Activation::linear) return;
  for (size_t i = 0; i < n; ++i) x[i] = activate(x[i], a);
}

}  // namespace huge2
