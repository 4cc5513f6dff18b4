// DirectPlan's tiling: output channel blocks and the tiles of each phase,
// exact (grouped by usable taps) or padded, with their estimated cost.
#include <algorithm>
#include <map>

#include "core/errors.h"
#include "planning/direct_plan.h"
#include "planning/tile_cost.h"

namespace huge2 {
namespace {
// Runs of equal values: [(start, length)].
std::vector<std::pair<int, int>> runs(const std::vector<std::vector<char>>& sig) {
  std::vector<std::pair<int, int>> out;
  for (int i = 0; i < int(sig.size()); ++i) {
    if (!out.empty() && sig[i] == sig[out.back().first]) ++out.back().second;
    else out.push_back({i, 1});
  }
  return out;
}

// Splits n into k near-equal parts.
std::vector<std::pair<int, int>> split(int n, int k) {
  std::vector<std::pair<int, int>> out;
  for (int i = 0, start = 0; i < k; ++i) {
    const int len = n / k + (i < n % k ? 1 : 0);
    out.push_back({start, len});
    start += len;
  }
  return out;
}


}  // namespace

// Output channel blocks of nb vectors each, the last one as narrow as it can be.
void DirectPlan::make_blocks(int nb) {
  blocks_.clear();
  const int vl = k_->vl, widest = nb * vl;
  size_t ep_off = 0;
  for (int oc0 = 0; oc0 < p_.out_c; oc0 += widest) {
    const int valid = std::min(widest, p_.out_c - oc0);
    const int nb = (valid + vl - 1) / vl;
    blocks_.push_back({oc0, nb, valid, nb * vl, ep_off});
    ep_off += size_t(nb) * vl;
  }
}

void DirectPlan::plan_tiles(Tiling mode, std::vector<Tile>& tiles, std::vector<TapSet>& sets, double& cost) {
  const int nbm = blocks_.front().nb, xs = p_.xstep;
  const int mmax = k_->max_pixels[nbm], rmax = k_->max_rows, cmax = std::min(k_->max_cols, mmax);
  std::map<std::pair<int, std::vector<int>>, int> set_of;
  cost = 0;
  // The weight stream: a phase's block of weights from L2 when it stays
  // there, else from beyond (bytes per cycle).
  double phase_block_bytes = 0;
  auto per_tile = [&](int taps, int m) {
    const CpuTuning& c = cpu_tuning();
    const double bw = phase_block_bytes <= c.l2_weight_bytes ? c.l2_bytes_per_cycle : c.far_bytes_per_cycle;
    return tile_cycles(double(taps) * p_.in_c, m, nbm, k_->vl, bw);
  };
  auto add_tile = [&](int ph, int u0, int r, int v0, int c, std::vector<int> taps) {
    auto key = std::make_pair(ph, taps);
    auto it = set_of.find(key);
    if (it == set_of.end()) {
      it = set_of.emplace(key, int(sets.size())).first;
      sets.push_back({{}, taps});
    }
    Tile t{};
    t.phase = ph, t.rows = r, t.cols = c, t.taps = it->second;
    t.u0 = u0, t.v0 = v0;
    // Every width up to the widest: the last block of channels may be narrower.
    for (int nb = 1; nb <= nbm; ++nb) t.fn[nb - 1] = k_->lookup(nb, xs, r, c);
    if (std::find(t.fn, t.fn + nbm, nullptr) != t.fn + nbm) throw ShapeError("direct kernels: no " + std::to_string(r) + "x" +
                                                     std::to_string(c) + " tile kernel");
    tiles.push_back(t);
    cost += per_tile(int(taps.size()), r * c);
  };
  for (int ph = 0; ph < int(p_.phases.size()); ++ph) {
    const DirectPhase& q = p_.phases[ph];
    const int ntaps = int(q.tap_y.size());
    phase_block_bytes = 4.0 * ntaps * p_.in_c * nbm * k_->vl;
    auto row_ok = [&](int t, int u) {
      const int iy = q.tap_y[t] + p_.ystep * u;
      return iy >= 0 && iy < p_.in_h;
    };
    auto col_ok = [&](int t, int v) {
      const int ix = q.tap_x[t] + p_.xstep * v;
      return ix >= 0 && ix < p_.in_w;
    };
    // Tiles of a region: one-row tiles when rows are wide, else whole rows stacked.
    auto tile_region = [&](int u0, int rows, int v0, int cols, const std::vector<int>* fixed_taps) {
      std::vector<std::pair<int, int>> rsplit, csplit;
      if (cols > mmax / 2) {
        rsplit = split(rows, rows);
        csplit = split(cols, (cols + cmax - 1) / cmax);
      } else {
        const int per = std::max(1, std::min(rmax, mmax / cols));
        rsplit = split(rows, (rows + per - 1) / per);
        csplit = split(cols, 1);
      }
      for (auto [ru, rn] : rsplit)
        for (auto [cv, cn] : csplit) {
          std::vector<int> taps;
          if (fixed_taps) {
            taps = *fixed_taps;
          } else {  // padded: keep the taps that reach the tile at all
            for (int t = 0; t < ntaps; ++t) {
              bool r = false, c = false;
              for (int u = u0 + ru; u < u0 + ru + rn && !r; ++u) r = row_ok(t, u);
              for (int v = v0 + cv; v < v0 + cv + cn && !c; ++v) c = col_ok(t, v);
              if (r && c) taps.push_back(t);
            }
          }
          add_tile(ph, u0 + ru, rn, v0 + cv, cn, std::move(taps));
        }
    };
    if (mode == Tiling::padded) {
      tile_region(0, q.rows, 0, q.cols, nullptr);
      continue;
    }
    std::vector<std::vector<char>> rsig(q.rows, std::vector<char>(ntaps)), csig(q.cols, std::vector<char>(ntaps));
    for (int u = 0; u < q.rows; ++u)
      for (int t = 0; t < ntaps; ++t) rsig[u][t] = row_ok(t, u);
    for (int v = 0; v < q.cols; ++v)
      for (int t = 0; t < ntaps; ++t) csig[v][t] = col_ok(t, v);
    for (auto [u0, rn] : runs(rsig))
      for (auto [v0, cn] : runs(csig)) {
        std::vector<int> taps;
        for (int t = 0; t < ntaps; ++t)
          if (rsig[u0][t] && csig[v0][t]) taps.push_back(t);
        tile_region(u0, rn, v0, cn, &taps);
      }
  }
  cost *= double(blocks_.size());
  if (mode == Tiling::padded)  // the copy
    cost += double(p_.in_c) * (p_.in_h + 4) * (p_.in_w + 4) * cpu_tuning().copy_cycles_per_float;
}

}  // namespace huge2
