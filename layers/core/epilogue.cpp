#include "core/epilogue.h"

#include <string>

#include "core/errors.h"

namespace huge2 {

void Epilogue::check(int channels, const char* op) const {
  auto bad = [&](const std::vector<float>& v) { return !v.empty() && v.size() != size_t(channels); };
  if (bad(scale) || bad(shift))
    throw ShapeError(std::string(op) + ": epilogue has " + std::to_string(scale.size()) + " scales and " +
                     std::to_string(shift.size()) + " shifts for " + std::to_string(channels) + " channels");
}

void Epilogue::apply(float* y, size_t plane_begin, size_t plane_end, int channels, size_t spatial) const {
  if (is_identity()) return;
  for (size_t q = plane_begin; q < plane_end; ++q) {
    const int k = int(q % size_t(channels));
    float* p = y + q * spatial;
    const float s = scale.empty() ? 1.f : scale[k], t = shift.empty() ? 0.f : shift[k];
    for (size_t i = 0; i < spatial; ++i) p[i] = activate(p[i] * s + t, activation);
  }
}

}  // namespace huge2
