#include "phase_correlation.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>

#include "gemm.h"

namespace huge2 {
namespace {

using RowItem = PhaseSet::RowItem;


// Valid tap rows [lo, hi) for output row u: y0 + u + ty*j must lie in [0, in_h).
std::pair<int, int> tap_range(const PhaseSet& s, const Phase& q, int u) {
  const int first = q.y0 + u;
  const int lo = first >= 0 ? 0 : (-first + s.ty - 1) / s.ty;
  const int hi = first >= q.in_h ? 0 : std::min(s.taps_h, (q.in_h - first + s.ty - 1) / s.ty);
  return {lo, hi};
}

// Column matrix for a group of row items sharing the tap range [lo, hi):
// rows (j, i, c), columns (item, v).
void fill_columns(const PhaseSet& s, const float* x, int lo, int hi, const RowItem* items, int n,
                  const size_t* col_start, size_t ncols, float* col) {
  const int krows = (hi - lo) * s.taps_w * s.in_c;
#pragma omp parallel for schedule(static)
  for (int r = 0; r < krows; ++r) {
    const int c = r % s.in_c;
    const int i = (r / s.in_c) % s.taps_w;
    const int j = lo + r / (s.in_c * s.taps_w);
    float* out = col + size_t(r) * ncols;
    for (int t = 0; t < n; ++t) {
      const RowItem& it = items[t];
      const Phase& q = s.phases[it.phase];
      float* dst = out + col_start[t];
      const int xs = q.x0 + s.tx * i;  // input column of v = 0
      const int iy = q.y0 + it.u + s.ty * j;
      int v_lo = std::clamp(-xs, 0, q.cols), v_hi = std::clamp(q.in_w - xs, v_lo, q.cols);
      if (iy < 0 || iy >= q.in_h) v_lo = v_hi = 0;  // a merged border row: this tap reads padding
      std::fill(dst, dst + v_lo, 0.f);
      if (v_hi > v_lo) {
        const float* src = x + q.in_offset + it.b * q.in_image_stride + (size_t(c) * q.in_h + iy) * q.in_w;
        std::memcpy(dst + v_lo, src + xs + v_lo, sizeof(float) * (v_hi - v_lo));
      }
      std::fill(dst + v_hi, dst + q.cols, 0.f);
    }
  }
}

// Writes results to their interleaved positions. res is out_c x ncols, or
// ncols x out_c when `transposed`, or null for rows no tap reaches (zeros).
void scatter(const PhaseSet& s, const float* res, bool transposed, const RowItem* items, int n,
             const size_t* col_start, size_t ncols, float* y) {
  const size_t plane = size_t(s.out_h) * s.out_w, image = plane * s.out_c;
#pragma omp parallel for schedule(static)
  for (int k = 0; k < s.out_c; ++k) {
    for (int t = 0; t < n; ++t) {
      const RowItem& it = items[t];
      const Phase& q = s.phases[it.phase];
      float* dst = y + it.b * image + k * plane + size_t(q.oy0 + s.sy * it.u) * s.out_w + q.ox0;
      if (!res) {
        for (int v = 0; v < q.cols; ++v) dst[size_t(s.sx) * v] = 0.f;
      } else if (transposed) {
        const float* src = res + col_start[t] * s.out_c + k;
        for (int v = 0; v < q.cols; ++v) dst[size_t(s.sx) * v] = src[size_t(v) * s.out_c];
      } else if (s.sx == 1) {
        std::memcpy(dst, res + k * ncols + col_start[t], sizeof(float) * q.cols);
      } else {
        const float* src = res + k * ncols + col_start[t];
        for (int v = 0; v < q.cols; ++v) dst[size_t(s.sx) * v] = src[v];
      }
    }
  }
}

}  // namespace

// A border band saves its zero taps but costs a GEMM of its own (and another
// pass over A). Bands narrower than this many columns rejoin the full tap
// range and multiply their few zeros instead.
void PhaseSet::merge_small_bands(BandMap& groups) const {
  constexpr size_t kMinBandCols = 512;
  const std::pair<int, int> full{0, taps_h};
  for (auto g = groups.begin(); g != groups.end();) {
    size_t cols = 0;
    for (const RowItem& it : g->second) cols += phases[it.phase].cols;
    // ... unless most of its taps are zeros (a 1x1 input under a 4x4 kernel):
    // then multiplying them would cost more than the extra GEMM.
    const bool mostly_zero = 2 * (g->first.second - g->first.first) < taps_h;
    if (g->first == full || g->first.second <= g->first.first || cols >= kMinBandCols || mostly_zero) {
      ++g;
      continue;
    }
    auto& dst = groups[full];
    dst.insert(dst.end(), g->second.begin(), g->second.end());
    g = groups.erase(g);
  }
}

int PhaseSet::max_cols() const {
  int m = 1;
  for (const Phase& q : phases) m = std::max(m, q.cols);
  return m;
}

size_t PhaseSet::total_cols() const {
  size_t total = 0;
  for (const Phase& q : phases) total += size_t(batch) * q.rows * q.cols;
  return total;
}

// Columns per GEMM: as many as fit the bounds, but at least one whole row.
size_t PhaseSet::chunk_cols() const {
  size_t limit = max_chunk_floats / size_t(std::max(1, k_full()));
  if (max_chunk_cols) limit = std::min(limit, max_chunk_cols);
  return std::max<size_t>(max_cols(), limit);
}

size_t PhaseSet::workspace_floats() const {
  if (taps_h <= 0 || taps_w <= 0) return 0;
  const size_t ncols = std::min(total_cols(), chunk_cols());
  return ncols * (size_t(k_full()) + out_c);
}

void PhaseSet::run(const float* a, const float* x, float* y, float* ws) const {
  // Group every output row by its valid tap range; the group order is fixed
  // by the map, so runs are deterministic.
  BandMap groups;
  for (int p = 0; p < int(phases.size()); ++p) {
    const Phase& q = phases[p];
    if (q.cols <= 0) continue;
    for (int b = 0; b < batch; ++b)
      for (int u = 0; u < q.rows; ++u) {
        auto r = (taps_h > 0 && taps_w > 0) ? tap_range(*this, q, u) : std::make_pair(0, 0);
        if (r.second <= r.first) r = {0, 0};  // no tap reaches: zeros
        groups[r].push_back({p, b, u});
      }
  }
  merge_small_bands(groups);
  const int kf = k_full(), rowk = taps_w * in_c;
  const size_t limit = chunk_cols();
  // GEMMs with few output channels run transposed, pixels as M: OpenBLAS is
  // far better at tall-skinny than at a 3-row M.
  const bool transposed = out_c < 16;
  std::vector<size_t> start;
  for (const auto& [range, items] : groups) {
    const auto [lo, hi] = range;
    for (size_t t0 = 0; t0 < items.size();) {
      // Take items while their columns fit the chunk.
      start.clear();
      size_t ncols = 0, t1 = t0;
      while (t1 < items.size() && (t1 == t0 || ncols + phases[items[t1].phase].cols <= limit)) {
        start.push_back(ncols);
        ncols += phases[items[t1++].phase].cols;
      }
      const RowItem* it = items.data() + t0;
      const int n = int(t1 - t0);
      if (hi <= lo) {
        scatter(*this, nullptr, false, it, n, start.data(), ncols, y);
      } else {
        float* col = ws;
        float* res = ws + size_t(kf) * ncols;
        fill_columns(*this, x, lo, hi, it, n, start.data(), ncols, col);
        const int k = (hi - lo) * rowk;
        const float* ak = a + size_t(lo) * rowk;
        if (transposed)
          sgemm(true, true, int(ncols), out_c, k, 1.f, col, int(ncols), ak, kf, 0.f, res, out_c);
        else
          sgemm(false, false, out_c, int(ncols), k, 1.f, ak, kf, col, int(ncols), 0.f, res, int(ncols));
        scatter(*this, res, transposed, it, n, start.data(), ncols, y);
      }
      t0 = t1;
    }
  }
}

}  // namespace huge2
