#include "phase_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/phase_geometry.h"

namespace huge2::cuda::detail {
namespace {

int ceil_div(int a, int b) { return (a + b - 1) / b; }

}  // namespace

// The geometry is the kernel library's (phase_geometry.h); here it is laid
// out for the phase kernel: phases by kernel residue, and taps reversed.
std::vector<PhaseDesc> deconv_phases(const DeconvShape& sh) {
  const int s = sh.stride, k = sh.ksize, p = sh.pad;
  const int oh = sh.out_h(), ow = sh.out_w();
  std::vector<PhaseDesc> out;
  int offset = 0;
  for (int ry = 0; ry < s; ++ry)
    for (int rx = 0; rx < s; ++rx) {
      const TransposedAxisPhase ay = transposed_phase_at_tap(oh, k, s, p, ry);
      const TransposedAxisPhase ax = transposed_phase_at_tap(ow, k, s, p, rx);
      PhaseDesc q;
      q.ky0 = ay.tap0, q.kx0 = ax.tap0;
      q.taps_h = ay.taps, q.taps_w = ax.taps;
      q.oy0 = ay.out0, q.ox0 = ax.out0;
      q.rows = ay.count, q.cols = ax.count;
      // Output oy0 + s*u reads input in0 + u - j through tap ky0 + s*j;
      // with the taps reversed (j' = taps_h-1-j) that is iy0 + u + j'.
      q.iy0 = ay.input(0, std::max(q.taps_h - 1, 0));
      q.ix0 = ax.input(0, std::max(q.taps_w - 1, 0));
      q.w_offset = offset;
      offset += sh.in_c * q.taps_h * q.taps_w * sh.out_c;
      out.push_back(q);
    }
  return out;
}

std::vector<PhaseDesc> conv_phases(const ConvShape& sh) {
  const int d = sh.dilation, P = sh.applied_pad();
  const int oh = sh.out_h(), ow = sh.out_w();
  std::vector<PhaseDesc> out;
  for (int ay = 0; ay < d; ++ay)
    for (int ax = 0; ax < d; ++ax) {
      PhaseDesc q;
      q.taps_h = q.taps_w = sh.ksize;
      q.oy0 = ay, q.ox0 = ax;
      q.rows = strided_count(oh, ay, d);
      q.cols = strided_count(ow, ax, d);
      // Output ay + d*u reads input ay + d*u - P + d*j (stride 1).
      q.iy0 = dilated_input(ay, 0, 1, d, P), q.ix0 = dilated_input(ax, 0, 1, d, P);
      q.w_offset = 0;  // all sub-images share the dense kernel
      out.push_back(q);
    }
  return out;
}

LaunchPlan plan_phase_launch(const std::vector<PhaseDesc>& phases, int batch, int in_c, int in_h, int in_w, int out_c,
                             int out_h, int out_w, int in_step, int out_step, int forced_tile, int sm_count) {
  int max_rows = 1, max_cols = 1, max_th = 0, max_tw = 0, max_taps = 0;
  double useful_pixels = 0;
  for (const PhaseDesc& q : phases) {
    max_rows = std::max(max_rows, q.rows), max_cols = std::max(max_cols, q.cols);
    max_th = std::max(max_th, q.taps_h), max_tw = std::max(max_tw, q.taps_w);
    max_taps = std::max(max_taps, q.taps_h * q.taps_w);
    useful_pixels += double(q.rows) * q.cols;
  }

  struct Candidate {
    LaunchPlan plan;
    double score = -1;
  };
  auto evaluate = [&](int t) {
    Candidate cand;
    const TileInfo info = kTileInfos[t];
    const int tn = info.tn(), tp = info.tp();
    // The tile's columns: a power of two dividing tp. Fewest pixels computed
    // in active blocks first; among equals, columns closest to 16 (a half
    // warp of consecutive pixels, square-ish halos).
    int best_tc = 1;
    double best_cost = -1;
    for (int tc = 1; tc <= tp; tc *= 2) {
      const int tr = tp / tc;
      double covered = 0;
      for (const PhaseDesc& q : phases)
        if (q.rows > 0 && q.cols > 0) covered += double(ceil_div(q.rows, tr)) * ceil_div(q.cols, tc) * tp;
      const double cost = covered * 64 + std::abs(std::log2(double(tc)) - 4);
      if (best_cost < 0 || cost < best_cost) best_cost = cost, best_tc = tc;
    }
    PhaseParams& P = cand.plan.params;
    P.batch = batch, P.in_c = in_c, P.in_h = in_h, P.in_w = in_w;
    P.out_c = out_c, P.out_h = out_h, P.out_w = out_w;
    P.in_step = in_step, P.out_step = out_step;
    P.nphases = int(phases.size());
    P.tile_c = best_tc, P.tile_r = tp / best_tc;
    P.tiles_y = ceil_div(max_rows, P.tile_r), P.tiles_x = ceil_div(max_cols, P.tile_c);
    P.max_taps = max_taps;
    P.max_patch = max_taps > 0 ? (P.tile_r + max_th - 1) * (P.tile_c + max_tw - 1) : 0;
    const int per_channel = P.max_patch + max_taps * tn;
    P.cc = std::min({in_c, kMaxStageChannels, kSmemBudgetFloats / per_channel});
    while (P.cc >= 1 && smem_floats(P, tn) > kSmemBudgetFloats) --P.cc;  // the 16-byte padding
    if (P.cc < 1) return cand;  // one channel's patch and sub-kernel do not fit
    cand.plan.tile = t;
    cand.plan.blocks_x = (long long)batch * P.nphases * P.tiles_y * P.tiles_x;
    cand.plan.blocks_y = ceil_div(out_c, tn);
    cand.plan.smem_bytes = size_t(smem_floats(P, tn)) * sizeof(float);
    // The model: useful share of the computed outputs, how well the active
    // blocks fill the GPU (two per SM), outputs per shared-memory load.
    double active_blocks = 0, covered = 0;
    for (const PhaseDesc& q : phases)
      if (q.rows > 0 && q.cols > 0) {
        const double tiles = double(ceil_div(q.rows, P.tile_r)) * ceil_div(q.cols, P.tile_c);
        active_blocks += tiles * batch * cand.plan.blocks_y;
        covered += tiles * tp;
      }
    const double eff_n = double(out_c) / (double(cand.plan.blocks_y) * tn);
    const double eff_p = covered > 0 ? useful_pixels / covered : 1;
    const double fill = std::min(1.0, active_blocks / (2.0 * std::max(1, sm_count)));
    const double intensity = double(info.rn * info.rp) / (info.rn + info.rp);
    cand.score = eff_n * eff_p * fill * intensity;
    return cand;
  };

  if (forced_tile >= 0 && forced_tile < int(std::size(kTileInfos))) {
    Candidate c = evaluate(forced_tile);
    if (c.plan.tile >= 0) return c.plan;
  }
  Candidate best;
  for (int t = 0; t < int(std::size(kTileInfos)); ++t) {
    Candidate c = evaluate(t);
    if (c.plan.tile >= 0 && c.score > best.score) best = c;
  }
  return best.plan;
}

size_t packed_deconv_floats(const DeconvShape& s, const std::vector<PhaseDesc>& phases) {
  size_t n = 0;
  for (const PhaseDesc& q : phases) n += size_t(s.in_c) * q.taps_h * q.taps_w * s.out_c;
  return n;
}

std::vector<float> pack_deconv_host(const DeconvShape& s, const std::vector<PhaseDesc>& phases, const float* w) {
  std::vector<float> packed(packed_deconv_floats(s, phases));
  for (const PhaseDesc& q : phases) {
    const int count = s.in_c * q.taps_h * q.taps_w * s.out_c;
    for (int e = 0; e < count; ++e) packed[q.w_offset + e] = w[deconv_pack_source(e, s.out_c, s.ksize, s.stride, q)];
  }
  return packed;
}

std::vector<float> pack_conv_host(const ConvShape& s, const float* w) {
  std::vector<float> packed(s.weight_count());
  for (int e = 0; e < int(packed.size()); ++e) packed[e] = w[conv_pack_source(e, s.in_c, s.out_c, s.ksize)];
  return packed;
}

}  // namespace huge2::cuda::detail
