#include "phase_correlation.h"

#include <algorithm>
#include <cstring>

#include "gemm.h"

namespace huge2 {
namespace {

// Valid tap rows [lo, hi) for output row u: y0 + u + j must lie in [0, in_h).
struct TapRange {
  int lo, hi;
  bool operator==(const TapRange& o) const { return lo == o.lo && hi == o.hi; }
};

TapRange tap_range(const PhasePlan& p, int u) {
  const int first = p.y0 + u;
  return {std::max(0, -first), std::min(p.taps_h, p.in_h - first)};
}

// Copies one band chunk of columns: rows (j in [lo,hi), i, c), columns
// (pair, v) where pair = b * rows + u enumerates images x output rows.
void fill_columns(const PhasePlan& p, const float* x, TapRange t, int pair0, int npairs, float* col) {
  const int ncols = npairs * p.cols;
  const int krows = (t.hi - t.lo) * p.taps_w * p.in_c;
  const size_t plane = size_t(p.in_h) * p.in_w;
#pragma omp parallel for schedule(static)
  for (int r = 0; r < krows; ++r) {
    const int c = r % p.in_c;
    const int i = (r / p.in_c) % p.taps_w;
    const int j = t.lo + r / (p.in_c * p.taps_w);
    const int xs = p.x0 + i;                       // input column of v = 0
    const int v_lo = std::clamp(-xs, 0, p.cols);  // first v inside the input
    const int v_hi = std::clamp(p.in_w - xs, v_lo, p.cols);
    float* dst = col + size_t(r) * ncols;
    for (int q = 0; q < npairs; ++q, dst += p.cols) {
      const int pair = pair0 + q;
      const int b = pair / p.rows, u = pair % p.rows;
      // Row y0 + u + j is inside the input: the band guarantees it.
      const float* src = x + b * p.in_image_stride + c * plane + size_t(p.y0 + u + j) * p.in_w + xs;
      std::fill(dst, dst + v_lo, 0.f);
      if (v_hi > v_lo) std::memcpy(dst + v_lo, src + v_lo, sizeof(float) * (v_hi - v_lo));
      std::fill(dst + v_hi, dst + p.cols, 0.f);
    }
  }
}

// Writes GEMM results (out_c x npairs*cols) to their interleaved positions.
void scatter(const PhasePlan& p, const float* res, int pair0, int npairs, float* y) {
  const size_t plane = size_t(p.out_h) * p.out_w;
  const size_t image = plane * p.out_c;
  const int ncols = npairs * p.cols;
#pragma omp parallel for schedule(static)
  for (int n = 0; n < p.out_c; ++n) {
    const float* src = res ? res + size_t(n) * ncols : nullptr;
    for (int q = 0; q < npairs; ++q) {
      const int pair = pair0 + q;
      const int b = pair / p.rows, u = pair % p.rows;
      float* dst = y + b * image + n * plane + size_t(p.oy0 + p.sy * u) * p.out_w + p.ox0;
      if (!src) {
        for (int v = 0; v < p.cols; ++v) dst[size_t(p.sx) * v] = 0.f;
      } else if (p.sx == 1) {
        std::memcpy(dst, src + size_t(q) * p.cols, sizeof(float) * p.cols);
      } else {
        const float* s = src + size_t(q) * p.cols;
        for (int v = 0; v < p.cols; ++v) dst[size_t(p.sx) * v] = s[v];
      }
    }
  }
}

}  // namespace

int PhasePlan::chunk_pairs() const {
  const int pairs = batch * rows;
  const size_t per_pair = size_t(std::max(1, k_full())) * std::max(1, cols);
  const size_t fit = std::max<size_t>(1, max_chunk_floats / per_pair);
  return int(std::min<size_t>(fit, size_t(std::max(1, pairs))));
}

size_t PhasePlan::workspace_floats() const {
  if (rows <= 0 || cols <= 0 || taps_h <= 0 || taps_w <= 0) return 0;
  const size_t ncols = size_t(chunk_pairs()) * cols;
  return ncols * (size_t(k_full()) + out_c);
}

void PhasePlan::run(const float* a, const float* x, float* y, float* ws) const {
  if (rows <= 0 || cols <= 0) return;
  if (taps_h <= 0 || taps_w <= 0) {  // no tap reaches this phase (k < stride)
    scatter(*this, nullptr, 0, batch * rows, y);
    return;
  }
  const int kf = k_full();
  const int per_chunk = chunk_pairs();
  const int rowk = taps_w * in_c;  // K elements per tap row j
  for (int b = 0; b < batch; ++b) {
    int u = 0;
    while (u < rows) {
      // A band: maximal run of rows sharing one valid tap range.
      const TapRange t = tap_range(*this, u);
      int end = u + 1;
      while (end < rows && tap_range(*this, end) == t) ++end;
      // Bands of consecutive images fuse into one GEMM when the whole phase
      // is a single band (the common interior-only case for small inputs).
      const bool whole = (u == 0 && end == rows);
      const int first = b * rows + u;
      const int last = whole ? batch * rows : b * rows + end;
      for (int p0 = first; p0 < last; p0 += per_chunk) {
        const int np = std::min(per_chunk, last - p0);
        if (t.hi <= t.lo) {
          scatter(*this, nullptr, p0, np, y);
          continue;
        }
        float* col = ws;
        float* res = ws + size_t(kf) * np * cols;
        fill_columns(*this, x, t, p0, np, col);
        const int ncols = np * cols;
        sgemm(false, false, out_c, ncols, (t.hi - t.lo) * rowk, 1.f, a + size_t(t.lo) * rowk, kf, col,
              ncols, 0.f, res, ncols);
        scatter(*this, res, p0, np, y);
      }
      if (whole) return;
      u = end;
    }
  }
}

}  // namespace huge2
