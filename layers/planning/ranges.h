// Index ranges the tilings cut phases into.
#pragma once
#include <utility>
#include <vector>

namespace huge2 {

inline long ceil_div(long a, long b) { return (a + b - 1) / b; }

// Splits n into k near-equal parts: [(start, length)], the longer ones first.
inline std::vector<std::pair<int, int>> split(int n, int k) {
  std::vector<std::pair<int, int>> out;
  for (int i = 0, start = 0; i < k; ++i) {
    const int len = n / k + (i < n % k ? 1 : 0);
    out.push_back({start, len});
    start += len;
  }
  return out;
}

}  // namespace huge2
