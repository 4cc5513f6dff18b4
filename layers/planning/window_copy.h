// The gather both panel GEMMs pack with (correlation_plan.cpp, conv_gemm.cpp):
// for `count` consecutive pixels i of one row and the n taps q of one run
// (consecutive kx of one (c, ky)), the input float row[x0 + step*i + d*q],
// 0 where that column is outside [0, width). Pixels whose whole run lies
// inside the row take a loop without bounds checks.
//
// Where it goes: kPixelRows, out[i*stride + q] (the weight gradient's panel
// rows are pixels, its columns the run: whole runs of n floats); else
// out[q*stride + i] (im2col's panel rows are taps, its columns the pixels).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>

namespace huge2 {

// Pixels [first, last) of a segment: those whose whole run lies inside the
// row (two divisions, which cost more than the copy of a short segment:
// the weight gradient's gather finds the span of a whole row once per run).
struct WindowSpan {
  int first, last;
};
inline WindowSpan window_span(int x0, int count, int step, int d, int n, int width) {
  const int first = x0 >= 0 ? 0 : std::min(count, (-x0 + step - 1) / step);
  const int reach = width - 1 - x0 - d * (n - 1);
  return {first, reach < 0 ? 0 : std::max(first, std::min(count, reach / step + 1))};
}

// L: the run length when known at compile time (the common whole kernel
// rows), else 0 and `len` says. `span`: window_span of the same arguments.
template <int L, bool kPixelRows>
void copy_window_span(const float* row, int x0, WindowSpan span, int count, int step, int d, int len, int width,
                      float* out, int stride) {
  const int n = L ? L : len;
  auto at = [stride](int i, int q) { return kPixelRows ? size_t(i) * stride + q : size_t(q) * stride + i; };
  auto edge = [&](int i) {
    for (int q = 0; q < n; ++q) {
      const int xx = x0 + step * i + d * q;
      out[at(i, q)] = xx >= 0 && xx < width ? row[xx] : 0.f;
    }
  };
  for (int i = 0; i < span.first; ++i) edge(i);
  const float* src = row + x0;
  // Consecutive floats to consecutive floats: one small move per pixel, not
  // L scalar ones (the SSE2 baseline does not vectorise the loop below):
  // DCGAN's 512->256 weight gradient 1.202-1.208 ms, 1.213-1.215 without it.
  if (d == 1 && kPixelRows && L)
    for (int i = span.first; i < span.last; ++i)
      std::memcpy(out + size_t(i) * stride, src + step * i, sizeof(float) * L);
  else if (d == 1)
    for (int i = span.first; i < span.last; ++i)
      for (int q = 0; q < n; ++q) out[at(i, q)] = src[step * i + q];
  else
    for (int i = span.first; i < span.last; ++i)
      for (int q = 0; q < n; ++q) out[at(i, q)] = src[step * i + d * q];
  for (int i = span.last; i < count; ++i) edge(i);
}

using CopyWindowSpan = void (*)(const float*, int, WindowSpan, int, int, int, int, int, float*, int);

// The weight gradient's gather over `rows` whole rows at once (the same
// span in each): row r reads row + r * row_step and writes out + r * out_step.
// One call per run and K block instead of one per row: the calls and their
// set-up were 60% of the gather of DCGAN's 256->128 weight gradient (16-pixel
// rows: 14 moves and two edge pixels a call).
template <int L>
void copy_window_rows(const float* row, ptrdiff_t row_step, int rows, int x0, WindowSpan span, int count, int step,
                      int d, int len, int width, float* out, int stride, ptrdiff_t out_step) {
  for (int r = 0; r < rows; ++r)
    copy_window_span<L, true>(row + r * row_step, x0, span, count, step, d, len, width, out + r * out_step, stride);
}

using CopyWindowRows = void (*)(const float*, ptrdiff_t, int, int, WindowSpan, int, int, int, int, int, float*, int,
                                ptrdiff_t);

// f(std::integral_constant<int, L>{}) for a run of `len` taps: whole kernel
// rows of 1-5, 7 and 8 taps copy with a move of known size, other lengths
// take L = 0. (Runs of 5 went through the loop of runtime length before: the
// 5x5 DCGAN's 128->3 weight gradient 0.106-0.108 -> 0.099-0.100 ms at 1
// thread, 256->128 1.96-2.00 -> 1.88-1.90.)
template <class F>
auto by_run_length(int len, F f) {
  switch (len) {
    case 1: return f(std::integral_constant<int, 1>{});
    case 2: return f(std::integral_constant<int, 2>{});
    case 3: return f(std::integral_constant<int, 3>{});
    case 4: return f(std::integral_constant<int, 4>{});
    case 5: return f(std::integral_constant<int, 5>{});
    case 7: return f(std::integral_constant<int, 7>{});
    case 8: return f(std::integral_constant<int, 8>{});
    default: return f(std::integral_constant<int, 0>{});
  }
}

// im2col's instance (tap rows).
inline CopyWindowSpan copy_window_columns_for(int len) {
  return by_run_length(len, [](auto l) -> CopyWindowSpan { return &copy_window_span<decltype(l)::value, false>; });
}

// The weight gradient's instance (pixel rows, whole rows at once).
inline CopyWindowRows copy_window_rows_for(int len) {
  return by_run_length(len, [](auto l) -> CopyWindowRows { return &copy_window_rows<decltype(l)::value>; });
}

}  // namespace huge2
