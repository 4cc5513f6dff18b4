// DirectPlan's tiling: output channel blocks and the tiles of each phase,
// exact (grouped by usable taps) or padded, with their estimated cost.
#include <algorithm>
#include <map>

#include "core/errors.h"
#include "planning/direct_plan.h"
#include "planning/ranges.h"
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

}  // namespace

int DirectPlan::tap_set(TapSetIndex& index, std::vector<TapSet>& sets, int phase, std::vector<int> taps) {
  auto it = index.find({phase, taps});
  if (it == index.end()) {
    it = index.emplace(std::make_pair(phase, taps), int(sets.size())).first;
    sets.push_back({{}, std::move(taps), {}});
  }
  return it->second;
}

std::vector<int> DirectPlan::taps_reaching(const DirectPhase& q, int u0, int rows, int v0, int cols) const {
  std::vector<int> taps;
  for (int t = 0; t < int(q.tap_y.size()); ++t) {
    bool r = false, c = false;
    for (int u = u0; u < u0 + rows && !r; ++u) r = q.tap_y[t] + p_.ystep * u >= 0 && q.tap_y[t] + p_.ystep * u < p_.in_h;
    for (int v = v0; v < v0 + cols && !c; ++v) c = q.tap_x[t] + p_.xstep * v >= 0 && q.tap_x[t] + p_.xstep * v < p_.in_w;
    if (r && c) taps.push_back(t);
  }
  return taps;
}

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

void DirectPlan::plan_tiles(Tiling mode, bool aligned, std::vector<Tile>& tiles, std::vector<TapSet>& sets, double& cost) {
  const int nbm = blocks_.front().nb, xs = p_.xstep;
  const int mmax = k_->max_pixels[nbm], cmax = std::min(k_->max_cols, mmax);
  TapSetIndex set_of;
  cost = 0;
  // The weight stream: a phase's block of weights from L2 when it stays
  // there, else from L3, where this call's first pass left it, while the
  // kernel is small enough to stay there (CpuTuning::batch_weight_bytes;
  // the 5x5 DCGAN's 52 MB 1024->512 kernel read 1.2 MB blocks twice at
  // memory speed: 3.0 -> 4.8 ms), else from memory (bytes per cycle); and
  // when the whole kernel does not fit in L2 it cannot still be there from
  // the last call, so each tap's weights come from memory on their first
  // pass in a phase and block, whichever tile that is. (Without that first
  // pass, one 16-pixel tile per 16-channel block looked dearer than two
  // 8-pixel tiles per 32-channel block on the 1024->512 data gradient,
  // whose 32 MB kernel the two tiles then read twice from memory: 4.9
  // against 2.3 ms. Charged to the first tile alone, it favoured exact
  // tilings, whose first tile is a corner of few taps, over padded ones,
  // though both read every tap once.)
  double phase_block_bytes = 0;
  std::vector<char> tap_seen;
  const double kernel_bytes = this->kernel_bytes();
  const bool cold_kernel = kernel_bytes > cpu_tuning().l2_weight_bytes;
  const bool kernel_in_l3 = kernel_bytes <= cpu_tuning().batch_weight_bytes;
  auto per_tile = [&](const std::vector<int>& taps, int r, int c) {
    const CpuTuning& t = cpu_tuning();
    const double bw = phase_block_bytes <= t.l2_weight_bytes ? t.l2_bytes_per_cycle
                      : kernel_in_l3                         ? t.l3_bytes_per_cycle
                                                             : t.far_bytes_per_cycle;
    int fresh = 0;
    for (int i : taps) {
      fresh += !tap_seen[size_t(i)];
      tap_seen[size_t(i)] = 1;
    }
    // The input lines a step reads (a row of c pixels xs apart spans
    // (c-1)*xs+1 floats: on average (c-1)*xs/16 + 1 lines of 64 bytes),
    // from L2 when a tap's pass over all channels outgrows L1. Input steps
    // above 2 run channels outside (tile_kernel_impl.h): their window stays.
    double input_bytes = 0;
    if (xs <= 2) {
      const double lines = r * ((c - 1) * xs / 16.0 + 1.0);
      if (lines * 64.0 * p_.in_c > t.l1_input_bytes) input_bytes = lines * 64.0;
    }
    TileTraffic traffic;
    traffic.weight_bw = bw, traffic.input_bytes = input_bytes;
    traffic.cold_k = cold_kernel ? double(fresh) * p_.in_c : 0.0;
    traffic.rows_transposed = k_->rows_transposed && p_.sx == 1 && c % k_->vl == 0;  // tile_kernel_impl.h's test
    traffic.passes = r * c > mmax ? 2 : 1;
    return tile_cycles(double(taps.size()) * p_.in_c, r * c, nbm, k_->vl, traffic);
  };
  auto add_tile = [&](int ph, int u0, int r, int v0, int c, std::vector<int> taps) {
    cost += per_tile(taps, r, c);
    Tile t{};
    t.phase = ph, t.rows = r, t.cols = c, t.taps = tap_set(set_of, sets, ph, std::move(taps));
    t.u0 = u0, t.v0 = v0;
    // Every width up to the widest: the last block of channels may be narrower.
    for (int nb = 1; nb <= nbm; ++nb) t.fn[nb - 1] = k_->lookup(nb, xs, r, c);
    if (std::find(t.fn, t.fn + nbm, nullptr) != t.fn + nbm) throw ShapeError("direct kernels: no " + std::to_string(r) + "x" +
                                                     std::to_string(c) + " tile kernel");
    tiles.push_back(t);
  };
  for (int ph = 0; ph < int(p_.phases.size()); ++ph) {
    const DirectPhase& q = p_.phases[ph];
    const int ntaps = int(q.tap_y.size());
    phase_block_bytes = 4.0 * ntaps * p_.in_c * nbm * k_->vl;
    tap_seen.assign(size_t(ntaps), 0);
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
        // Aligned: cut at the output columns that are multiples of the
        // widest transposed row; whole rows are one tile, the pieces between
        // are cut evenly (a 32-pixel row of 32 channels on AVX-512: two
        // 16-pixel tiles in two passes each, where the even cut's 11+11+10
        // store float by float). Cut anywhere else, a transposed row would
        // write parts of two 64-byte lines per channel, the rest of each
        // from the next tile: erfnet's 64->64 exact tiling (rows from
        // column 1) ran 15% slower so.
        const int two_pass = xs <= 2 ? k_->two_pass_cols : 0;
        const int widest = k_->rows_transposed ? std::max(cmax / k_->vl * k_->vl, two_pass) : 0;
        if (aligned && widest > 0) {
          csplit.clear();
          const int x0 = q.ox0 + v0;  // sx == 1: output column of v0
          for (int v = 0; v < cols;) {
            const int len = std::min(cols - v, widest - (x0 + v) % widest);
            if (len == widest) csplit.push_back({v, len});
            else
              for (auto [s, n] : split(len, (len + cmax - 1) / cmax)) csplit.push_back({v + s, n});
            v += len;
          }
        }
      } else {
        const int per = std::max(1, std::min(tile_max_rows(k_->max_rows, xs, cols), mmax / cols));
        rsplit = split(rows, (rows + per - 1) / per);
        csplit = split(cols, 1);
      }
      for (auto [ru, rn] : rsplit)
        for (auto [cv, cn] : csplit) {
          // Padded: keep the taps that reach the tile at all.
          add_tile(ph, u0 + ru, rn, v0 + cv, cn, fixed_taps ? *fixed_taps : taps_reaching(q, u0 + ru, rn, v0 + cv, cn));
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
