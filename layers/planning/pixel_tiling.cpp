// DirectPlan's pixel scheme (direct_plan.h): blocks of a few output
// channels, tiles of R phase rows by VL consecutive pixels, on the padded
// frame, with their estimated cost.
#include <algorithm>
#include <optional>

#include "core/errors.h"
#include "planning/direct_plan.h"
#include "planning/ranges.h"
#include "planning/tile_cost.h"

namespace huge2 {

std::optional<DirectProblem> column_phase_problem(const DirectProblem& p) {
  constexpr int S = 2;
  if (p.sx != S || p.xstep != 1 || p.ystep != 1 || p.out_w < S) return std::nullopt;
  // Phases (oy0, 0) and (oy0, 1) side by side, as deconv_phases() makes them.
  if (p.phases.size() % S != 0) return std::nullopt;
  DirectProblem r = p;
  r.phases.clear();
  for (size_t i = 0; i < p.phases.size(); i += S) {
    const DirectPhase& a = p.phases[i];
    const DirectPhase& b = p.phases[i + 1];
    // Column 1's pixels (u, v) must be column 0's rows, and its columns
    // column 0's or one fewer (an odd output width).
    if (a.ox0 != 0 || b.ox0 != 1 || a.oy0 != b.oy0 || a.rows != b.rows || b.cols > a.cols || b.cols < a.cols - 1 ||
        !a.tap_col.empty() || !b.tap_col.empty())
      return std::nullopt;
    DirectPhase q;
    q.oy0 = a.oy0, q.ox0 = 0, q.rows = a.rows, q.cols = a.cols;
    for (int col = 0; col < S; ++col) {
      const DirectPhase& c = col == 0 ? a : b;
      q.tap_y.insert(q.tap_y.end(), c.tap_y.begin(), c.tap_y.end());
      q.tap_x.insert(q.tap_x.end(), c.tap_x.begin(), c.tap_x.end());
      q.tap_entry.insert(q.tap_entry.end(), c.tap_entry.begin(), c.tap_entry.end());
      q.tap_col.insert(q.tap_col.end(), c.tap_y.size(), col);
    }
    r.phases.push_back(std::move(q));
  }
  return r;
}

// Blocks of `oc` output channels, the last one narrower when oc does not
// divide out_c; packed weights and epilogue arrays exactly as wide.
void DirectPlan::make_pixel_blocks(int oc) {
  blocks_.clear();
  size_t ep_off = 0;
  for (int oc0 = 0; oc0 < p_.out_c; oc0 += oc) {
    const int valid = std::min(oc, p_.out_c - oc0);
    blocks_.push_back({oc0, 1, valid, valid, ep_off});
    ep_off += size_t(valid);
  }
}

void DirectPlan::plan_pixel_tiles(std::vector<Tile>& tiles, std::vector<TapSet>& sets, double& cost) {
  const int vl = k_->vl, width = blocks_.front().valid, s = col_phases_;
  const int rmax = k_->pixel_max_rows[s - 1][width];
  if (!pixel_input_steps(p_) || rmax < 1) throw ShapeError("direct kernels: no pixel tiles for this problem");
  TapSetIndex set_of;
  cost = 0;
  for (int ph = 0; ph < int(p_.phases.size()); ++ph) {
    const DirectPhase& q = p_.phases[ph];
    for (auto [u0, rn] : split(q.rows, (q.rows + rmax - 1) / rmax)) {
      for (const Block& b : blocks_)
        if (!k_->pixel_lookup(s, b.valid, rn))
          throw ShapeError("direct kernels: no " + std::to_string(rn) + "-row pixel kernel for " +
                           std::to_string(b.valid) + " channels and " + std::to_string(s) + " column phases");
      for (int v0 = 0; v0 < q.cols; v0 += vl) {
        const int cn = std::min(vl, q.cols - v0);
        std::vector<int> taps = taps_reaching(q, u0, rn, v0, cn);
        for (const Block& b : blocks_)
          cost += pixel_tile_cycles(double(taps.size()) * p_.in_c, rn, cn, b.valid, s, vl, p_.sx == 1,
                                  pixel_tap_cycles(isa_));
        Tile t{};
        t.phase = ph, t.rows = rn, t.cols = cn, t.taps = tap_set(set_of, sets, ph, std::move(taps)), t.u0 = u0, t.v0 = v0;
        tiles.push_back(t);
      }
    }
  }
  cost += double(p_.in_c) * (p_.in_h + 4) * (p_.in_w + 4) * cpu_tuning().copy_cycles_per_float;
}

}  // namespace huge2
