// Shared test helpers: seeded random tensors and a tolerance check that
// prints where and by how much two tensors differ.
#pragma once
#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace huge2::test {

inline std::vector<float> random_tensor(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

// Empty string when |got - want| <= rtol * max(1, max|want|) everywhere;
// otherwise a description of the worst element.
inline std::string compare(const std::vector<float>& got, const std::vector<float>& want, double rtol = 1e-4) {
  if (got.size() != want.size())
    return "size " + std::to_string(got.size()) + " != " + std::to_string(want.size());
  double scale = 1.0;
  for (float w : want) scale = std::max(scale, double(std::fabs(w)));
  size_t worst = 0;
  double worst_err = -1;
  for (size_t i = 0; i < got.size(); ++i) {
    const double e = std::isfinite(got[i]) ? std::fabs(double(got[i]) - want[i]) : INFINITY;
    if (e > worst_err) worst_err = e, worst = i;
  }
  if (worst_err <= rtol * scale) return "";
  std::ostringstream s;
  s << "element " << worst << ": got " << got[worst] << ", want " << want[worst] << " (error " << worst_err
    << " > " << rtol << " * " << scale << ")";
  return s.str();
}

}  // namespace huge2::test
