#include "measure.h"

#include <algorithm>
#include <cmath>

namespace huge2 {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

double median_ms(const std::function<void()>& f, int repeats, double min_total_ms) {
  const auto w0 = std::chrono::steady_clock::now();
  do f();  // warm-up
  while (ms_since(w0) < min_total_ms / 5);
  std::vector<double> t;
  double total = 0;
  constexpr size_t kMostSamples = 1 << 20;
  while ((int(t.size()) < repeats || total < min_total_ms) && t.size() < kMostSamples) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(ms_since(t0));
    total += t.back();
  }
  return median(t);
}

double max_abs_diff(const float* a, const float* b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) continue;  // equal, infinities included
    const double d = std::fabs(double(a[i]) - double(b[i]));
    if (std::isnan(d)) return d;  // a NaN on one side (or Inf against -Inf) is the answer
    m = std::max(m, d);
  }
  return m;
}

}  // namespace huge2
