// DirectPlan's phase-row scheme (direct_plan.h, row_kernel_impl.h): the row
// problem of a stride = kernel transposed convolution and its tiles.
#include <algorithm>

#include "core/errors.h"
#include "planning/direct_plan.h"
#include "planning/tile_cost.h"

namespace huge2 {
namespace {
// A tap set of every tap of the row problem's phase q (its s column phases,
// in order), added to `sets` (DirectPlan's, whose element type is private);
// returns its index.
template <class Sets>
int add_all_taps(const DirectPhase& q, Sets& sets) {
  std::vector<int> all(q.tap_entry.size());
  for (int t = 0; t < int(all.size()); ++t) all[t] = t;
  sets.push_back({{}, all, {}});
  return int(sets.size()) - 1;
}
}  // namespace

std::optional<DirectProblem> phase_row_problem(const DirectProblem& p) {
  const int s = p.sx;
  if (p.sy != s || (s != 2 && s != 4 && s != 8) || p.ystep != 1 || p.xstep != 1) return std::nullopt;
  if (int(p.phases.size()) != s * s) return std::nullopt;
  // Every phase one tap reading input (u, v) itself, over the whole input.
  std::vector<int> entry(size_t(s) * s, -1);
  for (const DirectPhase& q : p.phases) {
    if (q.tap_y.size() != 1 || q.tap_y[0] != 0 || q.tap_x[0] != 0) return std::nullopt;
    if (q.rows != p.in_h || q.cols != p.in_w || q.oy0 >= s || q.ox0 >= s) return std::nullopt;
    entry[size_t(q.oy0) * s + q.ox0] = q.tap_entry[0];
  }
  if (std::find(entry.begin(), entry.end(), -1) != entry.end()) return std::nullopt;
  DirectProblem r = p;
  r.phases.clear();
  for (int py = 0; py < s; ++py) {
    DirectPhase q;
    q.oy0 = py, q.ox0 = 0, q.rows = p.in_h, q.cols = p.in_w;
    for (int px = 0; px < s; ++px) {  // the s column phases, in order: the kernel's tap px
      q.tap_y.push_back(0);
      q.tap_x.push_back(0);
      q.tap_entry.push_back(entry[size_t(py) * s + px]);
    }
    r.phases.push_back(std::move(q));
  }
  return r;
}

// Tiles of the row problem (p_): per kernel row, the ISA's rows of input by
// VL input columns (the last vector of a row partial), every tap.
void DirectPlan::plan_row_tiles(std::vector<Tile>& tiles, std::vector<TapSet>& sets, double& cost) {
  const int vl = k_->vl, s = p_.sx, level = phase_row_level(s);
  const int rmax = k_->row_rows[level];
  for (const Block& b : blocks_)
    for (int r = 1; r <= rmax; ++r)
      if (!k_->row_lookup(s, b.valid, r))
        throw ShapeError("direct kernels: no phase-row kernel for " + std::to_string(b.valid) + " channels");
  cost = 0;
  for (int ph = 0; ph < int(p_.phases.size()); ++ph) {
    const DirectPhase& q = p_.phases[ph];
    const int set = add_all_taps(q, sets);
    for (int u0 = 0; u0 < q.rows; u0 += rmax) {
      const int rn = std::min(rmax, q.rows - u0);
      for (int v0 = 0; v0 < q.cols; v0 += vl) {
        Tile t{};
        t.phase = ph, t.rows = rn, t.cols = std::min(vl, q.cols - v0), t.taps = set, t.u0 = u0, t.v0 = v0;
        tiles.push_back(t);
        for (const Block& b : blocks_) cost += row_tile_cycles(double(p_.in_c), rn, t.cols, b.valid, s, vl);
      }
    }
  }
  cost += double(p_.in_c) * p_.in_h * p_.in_w * cpu_tuning().copy_cycles_per_float;
}

// Tiles of the row problem with channels in the vector: per kernel row,
// each input row cut into tiles of the ISA's row_channel_cols input pixels
// (the last ones narrower, each with a kernel of its own width), every
// column phase; the input read in place (its one tap is at offset 0).
void DirectPlan::plan_row_channel_tiles(std::vector<Tile>& tiles, std::vector<TapSet>& sets, double& cost) {
  const int s = p_.sx, cmax = k_->row_channel_cols[phase_row_level(s)];
  cost = 0;
  for (int ph = 0; ph < int(p_.phases.size()); ++ph) {
    const DirectPhase& q = p_.phases[ph];
    const int set = add_all_taps(q, sets);
    // A row's cut: whole tiles, and a remainder narrower than half a tile
    // shared with the last whole one (19 pixels: 8 + 6 + 5, not 8 + 8 + 3):
    // a 3-pixel tile's 6 accumulators wait on the FMA latency, and ran at
    // half the rate of the 8-pixel ones (YOLO's 19x19 2x2/2 neck, perf,
    // Zen 4; the layer 2.02-2.08 -> 1.75-1.77 ms with the shared cut).
    std::vector<int> cut(size_t(q.cols / cmax), cmax);
    const int rest = q.cols % cmax;
    if (rest > 0 && 2 * rest < cmax && !cut.empty()) {
      cut.back() = (cmax + rest + 1) / 2;
      cut.push_back((cmax + rest) / 2);
    } else if (rest > 0) {
      cut.push_back(rest);
    }
    for (int u0 = 0; u0 < q.rows; ++u0)
      for (int i = 0, v0 = 0; i < int(cut.size()); v0 += cut[size_t(i)], ++i) {
        Tile t{};
        t.phase = ph, t.rows = 1, t.cols = cut[size_t(i)], t.taps = set, t.u0 = u0, t.v0 = v0;
        t.fn[0] = k_->row_channel_lookup(s, t.cols);
        if (!t.fn[0])
          throw ShapeError("direct kernels: no phase-row channel kernel of " + std::to_string(t.cols) + " pixels");
        tiles.push_back(t);
        cost += double(blocks_.size()) *
                row_channel_tile_cycles(double(p_.in_c), t.cols, s, k_->vl, k_->rows_transposed);
      }
  }
}

}  // namespace huge2
