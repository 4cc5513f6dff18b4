#include "gemm_plan.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <vector>

#include "core/errors.h"
#include "phase_plan.h"

namespace huge2::cuda::detail {
namespace {

long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }

// Appends a phase's table rows: kk = c*taps + j*taps_w + i, padded to
// kGemmKPad; wsrc(c, j, i): the unpacked weight of that row at m = 0.
template <class Wsrc>
void add_rows(GemmLayout& L, GemmPhase& ph, int in_c, int in_h, int in_w, int taps_h, int taps_w, int dy_step,
              int dx_step, Wsrc&& wsrc) {
  // Table entries are 32-bit: an image's input (plus the farthest tap) and
  // the table itself must stay below 2^31.
  const long long reach = (long long)in_c * in_h * in_w + (long long)dy_step * taps_h * in_w + dx_step * taps_w;
  const long long rows = (long long)L.taps.size() + (long long)in_c * taps_h * taps_w + kGemmKPad;
  if (reach > INT_MAX || rows > INT_MAX)
    throw ShapeError("huge2 GEMM kernel: an image of " + std::to_string((long long)in_c * in_h * in_w) +
                     " input values or " + std::to_string(rows) + " tap-table rows is beyond its 32-bit offsets");
  ph.t_offset = int(L.taps.size());
  ph.k_real = in_c * taps_h * taps_w;
  ph.k_len = int(ceil_div(ph.k_real, kGemmKPad) * kGemmKPad);
  for (int c = 0; c < in_c; ++c)
    for (int j = 0; j < taps_h; ++j)
      for (int i = 0; i < taps_w; ++i) {
        GemmTap t;
        t.dy = dy_step * j, t.dx = dx_step * i;
        t.off = (c * in_h + t.dy) * in_w + t.dx;
        t.wsrc = wsrc(c, j, i);
        L.taps.push_back(t);
      }
  L.taps.resize(size_t(ph.t_offset) + ph.k_len);  // padding rows: kNoTap, wsrc -1
  ph.w_offset = (long long)L.packed_floats;
  L.packed_floats += size_t(ph.k_len) * L.m_pad;
}

// The unpacked weights' indices (wsrc) are 32-bit too.
void require_int_weights(size_t count) {
  if (count > size_t(INT_MAX))
    throw ShapeError("huge2 GEMM kernel: " + std::to_string(count) + " weights are beyond its 32-bit offsets");
}

}  // namespace

GemmLayout deconv_gemm_layout(const DeconvShape& s) {
  require_int_weights(s.weight_count());
  GemmLayout L;
  L.in_step = 1, L.out_step = s.stride;
  L.m_pad = int(ceil_div(s.out_c, kGemmMPad) * kGemmMPad);
  L.m_stride = s.ksize * s.ksize;
  const int k = s.ksize, st = s.stride;
  for (const PhaseDesc& q : deconv_phases(s)) {
    GemmPhase ph;
    ph.rows = q.rows, ph.cols = q.cols, ph.oy0 = q.oy0, ph.ox0 = q.ox0, ph.iy0 = q.iy0, ph.ix0 = q.ix0;
    // Reversed taps (phase_plan.cpp): row j reads kernel tap ky0 + s*(taps_h-1-j).
    add_rows(L, ph, s.in_c, s.in_h, s.in_w, q.taps_h, q.taps_w, 1, 1, [&](int c, int j, int i) {
      const int ky = q.ky0 + st * (q.taps_h - 1 - j), kx = q.kx0 + st * (q.taps_w - 1 - i);
      return (c * s.out_c * k + ky) * k + kx;  // W[c][m = 0][ky][kx]
    });
    L.phases.push_back(ph);
  }
  return L;
}

GemmLayout conv_gemm_layout(const ConvShape& s) {
  require_int_weights(s.weight_count());
  GemmLayout L;
  L.in_step = s.stride, L.out_step = 1;
  L.m_pad = int(ceil_div(s.out_c, kGemmMPad) * kGemmMPad);
  L.m_stride = s.in_c * s.ksize * s.ksize;
  GemmPhase ph;
  ph.rows = s.out_h(), ph.cols = s.out_w();
  ph.iy0 = ph.ix0 = -s.applied_pad();
  const int k = s.ksize;
  add_rows(L, ph, s.in_c, s.in_h, s.in_w, k, k, s.dilation, s.dilation,
           [&](int c, int j, int i) { return (c * k + j) * k + i; });  // W[m = 0][c][j][i]
  L.phases.push_back(ph);
  return L;
}

GemmPlan plan_gemm(const GemmLayout& L, int batch, int in_c, int in_h, int in_w, int out_c, int out_h, int out_w,
                   int forced_tile, int forced_splits, int sm_count) {
  sm_count = std::max(1, sm_count);
  long long max_n = 1;
  int max_k = 0;
  for (const GemmPhase& ph : L.phases) {
    max_n = std::max(max_n, (long long)ph.rows * ph.cols * batch);
    max_k = std::max(max_k, ph.k_len);
  }
  const double count = double(batch) * out_c * out_h * out_w;
  // Rough per-tile figures: share of an SM's FMA rate a tile shape reaches,
  // and resident blocks it needs to get there.
  // Fitted to huge2-bench-gpu on an H100 (DCGAN and segmentation suites,
  // batch 1 and 8, every tile forced): the 16-K tiles are not measured yet,
  // so they sit just under their 8-K twins.
  const double eff[kGemmTiles] = {0.41, 0.41, 0.40, 0.25, 0.40, 0.40};
  const double need[kGemmTiles] = {1, 2, 1, 1, 1, 2};

  GemmPlan best;
  double best_cost = -1;
  for (int t = 0; t < kGemmTiles; ++t) {
    if (forced_tile >= 0 && forced_tile < kGemmTiles && t != forced_tile) continue;
    const GemmTileInfo& T = kGemmTileInfos[t];
    std::vector<int> tries = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32};
    if (forced_splits >= 1) tries = {forced_splits};
    for (int want : tries) {
      const int k_split = int(std::max<long long>(kGemmKPad, ceil_div(ceil_div(max_k, want), kGemmKPad) * kGemmKPad));
      const int splits = max_k > 0 ? int(ceil_div(max_k, k_split)) : 1;
      if (splits != want && forced_splits < 1) continue;  // that split is the same as a smaller one
      if (splits > 1 && k_split < 4 * kGemmKPad && forced_splits < 1) continue;
      double blocks = 0;
      for (const GemmPhase& ph : L.phases)
        blocks += double(ceil_div((long long)ph.rows * ph.cols * batch, T.bn)) * ceil_div(out_c, T.bm) * splits;
      const double per_sm = std::ceil(blocks / sm_count);
      const double work = double(T.bm) * T.bn * k_split;  // FMAs per block, padding included
      double cost = per_sm * work / (128 * eff[t] * std::min(1.0, per_sm / need[t]));
      cost += per_sm * 2000;  // a block's prologue and stores
      if (splits > 1) cost += (splits + 1) * count * 4 / 2000 + 3000;  // the reduction kernel
      if (best_cost < 0 || cost < best_cost) {
        best_cost = cost;
        best.tile = t;
        GemmParams& P = best.params;
        P.batch = batch, P.in_c = in_c, P.in_h = in_h, P.in_w = in_w;
        P.out_c = out_c, P.out_h = out_h, P.out_w = out_w;
        P.in_step = L.in_step, P.out_step = L.out_step;
        P.m_pad = L.m_pad;
        P.nphases = int(L.phases.size());
        P.splits = splits, P.k_split = k_split;
        P.slice = splits > 1 ? (long long)count : 0;
        best.grid.x = ceil_div(max_n, T.bn);
        best.grid.y = int(ceil_div(out_c, T.bm));
        best.grid.z = P.nphases * splits;
        best.workspace_bytes = splits > 1 ? size_t(count) * splits * sizeof(float) : 0;
      }
    }
  }
  return best;
}

std::vector<float> pack_gemm_host(const GemmLayout& L, int out_c, const float* w) {
  std::vector<float> packed(L.packed_floats, 0.f);
  for (const GemmPhase& ph : L.phases)
    for (int kk = 0; kk < ph.k_len; ++kk) {
      const GemmTap& t = L.taps[size_t(ph.t_offset) + kk];
      if (t.wsrc < 0) continue;
      for (int m = 0; m < out_c; ++m)
        packed[size_t(ph.w_offset) + size_t(kk) * L.m_pad + m] = w[size_t(t.wsrc) + size_t(m) * L.m_stride];
    }
  return packed;
}

}  // namespace huge2::cuda::detail
