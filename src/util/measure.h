// Timing and output comparison, shared by the huge2 command line and
// huge2-bench so that both report the same statistic and the same difference.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

namespace huge2 {

// The median of v (the mean of the middle two for an even count); 0 when empty.
double median(std::vector<double> v);

// Milliseconds since t0 (steady clock).
double ms_since(std::chrono::steady_clock::time_point t0);

// One warm-up call of f, then the median of `repeats` timed calls, in ms.
// With min_total_ms > 0: warm-up calls for at least a fifth of that time,
// then timed calls until there are `repeats` of them and they took at
// least min_total_ms together (a 5 us layer gets thousands of samples, not
// a handful taken while the caches, the clock and a woken thread settle).
double median_ms(const std::function<void()>& f, int repeats, double min_total_ms = 0);

// The largest |a[i] - b[i]|, in double. Equal values (infinities included)
// count 0; a NaN on one side, or Inf against -Inf, is returned as NaN.
double max_abs_diff(const float* a, const float* b, size_t n);

}  // namespace huge2
