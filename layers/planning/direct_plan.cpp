#include "planning/direct_plan.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <map>
#include <sstream>
#include <tuple>

#include "core/errors.h"

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

// Cycles of one tile, roughly: FMAs or loads (2 per cycle) of its k = taps
// x in_c inputs through m pixels and nb vectors of vl channels, or the
// weight stream at weight_bw bytes per cycle when the weights do not stay in
// cache (0: no such bound); plus the store. The one estimate of the plan.
double tile_cycles(double k, int m, int nb, int vl, double weight_bw) {
  const double compute = k * std::max(m * nb, m + nb) / 2.0;
  const double stream = weight_bw > 0 ? k * nb * vl * 4.0 / weight_bw : 0.0;
  return std::max(compute, stream) + 30.0 + m * nb * vl * 0.25;
}

}  // namespace

DirectPlan::DirectPlan(const DirectProblem& problem, const WeightAt& weight, const Epilogue& epilogue, int threads,
                       Isa isa, const Options& opt)
    : p_(problem), isa_(isa), k_(&tile_kernels(isa)), threads_(std::max(1, threads)), exact_threads_(opt.exact_threads) {
  if (p_.xstep < 1 || p_.xstep > 2) throw ShapeError("direct kernels: input step " + std::to_string(p_.xstep));
  if (opt.block_vectors && (*opt.block_vectors < 1 || *opt.block_vectors > k_->max_nb))
    throw ShapeError("direct kernels: " + std::to_string(*opt.block_vectors) + " vectors per channel block (" +
                     isa_name(isa) + " has 1 to " + std::to_string(k_->max_nb) + ")");
  epilogue.check(p_.out_c, "direct kernels");
  // Candidates: channel blocks of the ISA's widest tile, of two vectors or of
  // one (narrower blocks allow more pixels per tile: fewer passes over weight-bound layers'
  // weights), each tiled exactly or padded; the cheapest by the estimate wins,
  // exact unless padding clearly pays.
  std::vector<int> widths = {k_->max_nb};
  for (int nb : {2, 1})
    if (nb < k_->max_nb) widths.push_back(nb);
  if (opt.block_vectors) widths = {*opt.block_vectors};
  double best = -1;
  int best_nb = widths.front();
  for (int nb : widths) {
    make_blocks(nb);
    for (Tiling t : {Tiling::exact, Tiling::padded}) {
      if (opt.tiling && t != *opt.tiling) continue;
      std::vector<Tile> tiles;
      std::vector<TapSet> sets;
      double cost = 0;
      plan_tiles(t, tiles, sets, cost);
      if (t == Tiling::padded) cost /= 0.9;
      if (best < 0 || cost < best) {
        best = cost, best_nb = nb, tiling_ = t;
        tiles_ = std::move(tiles);
        tap_sets_ = std::move(sets);
      }
    }
  }
  make_blocks(best_nb);
  // Raster order within each phase: neighbouring tiles share input and output lines.
  std::stable_sort(tiles_.begin(), tiles_.end(), [](const Tile& a, const Tile& b) {
    return std::tie(a.phase, a.u0, a.v0) < std::tie(b.phase, b.u0, b.v0);
  });

  // The input frame the tap offsets are taken in.
  if (tiling_ == Tiling::exact) {
    pad_top_ = pad_left_ = 0, pad_h_ = p_.in_h, pad_w_ = p_.in_w;
  } else {
    int lo_y = 0, hi_y = p_.in_h - 1, lo_x = 0, hi_x = p_.in_w - 1;
    for (const Tile& t : tiles_) {
      const DirectPhase& ph = p_.phases[t.phase];
      const int u0 = t.u0, v0 = t.v0;
      for (int i : tap_sets_[t.taps].idx) {
        lo_y = std::min(lo_y, ph.tap_y[i] + p_.ystep * u0);
        hi_y = std::max(hi_y, ph.tap_y[i] + p_.ystep * (u0 + t.rows - 1));
        lo_x = std::min(lo_x, ph.tap_x[i] + p_.xstep * v0);
        hi_x = std::max(hi_x, ph.tap_x[i] + p_.xstep * (v0 + t.cols - 1));
      }
    }
    pad_top_ = -lo_y, pad_left_ = -lo_x, pad_h_ = hi_y - lo_y + 1, pad_w_ = hi_x - lo_x + 1;
  }
  pitch_ = pad_w_, plane_ = ptrdiff_t(pad_h_) * pad_w_;
  for (Tile& t : tiles_) {  // (u0, v0) -> offsets
    const DirectPhase& ph = p_.phases[t.phase];
    const ptrdiff_t u0 = t.u0, v0 = t.v0;
    t.in_off = u0 * p_.ystep * pitch_ + v0 * p_.xstep;
    t.y_off = (ph.oy0 + p_.sy * u0) * ptrdiff_t(p_.out_w) + ph.ox0 + p_.sx * v0;
  }
  // Tap offsets in that frame (a set belongs to one phase: take it from its first tile).
  for (const Tile& t : tiles_) {
    TapSet& set = tap_sets_[t.taps];
    if (!set.in_off.empty() || set.idx.empty()) continue;
    const DirectPhase& ph = p_.phases[t.phase];
    for (int i : set.idx) set.in_off.push_back(ptrdiff_t(ph.tap_y[i]) * pitch_ + ph.tap_x[i]);
  }
  pack(weight, epilogue);
  partition();
}

// Output channel blocks of nb vectors each, the last one as narrow as it can be.
void DirectPlan::make_blocks(int nb) {
  blocks_.clear();
  const int vl = k_->vl, widest = nb * vl;
  size_t ep_off = 0;
  for (int oc0 = 0; oc0 < p_.out_c; oc0 += widest) {
    const int valid = std::min(widest, p_.out_c - oc0);
    blocks_.push_back({oc0, (valid + vl - 1) / vl, valid, ep_off});
    ep_off += size_t(blocks_.back().nb) * vl;
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
    const double bw = phase_block_bytes <= 768.0 * 1024 ? 48.0 : 16.0;
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
  if (mode == Tiling::padded) cost += double(p_.in_c) * (p_.in_h + 4) * (p_.in_w + 4) * 0.5;  // the copy
}

bool DirectPlan::covers(int entries) const {
  std::vector<char> seen(entries, 0);
  for (const DirectPhase& q : p_.phases)
    for (int e : q.tap_entry)
      if (e >= 0 && e < entries) seen[e] = 1;
  return std::find(seen.begin(), seen.end(), 0) == seen.end();
}

bool DirectPlan::unpack(int entries, const std::function<void(int, int, int, float)>& put) const {
  if (!has_weights_ || !covers(entries)) return false;
  const int vl = k_->vl;
  for (size_t ph = 0; ph < p_.phases.size(); ++ph)
    for (size_t b = 0; b < blocks_.size(); ++b) {
      const Block& bl = blocks_[b];
      const float* w = packed_.data() + w_off_[ph * blocks_.size() + b];
      const int width = bl.nb * vl;
      for (int e : p_.phases[ph].tap_entry)
        for (int ic = 0; ic < p_.in_c; ++ic, w += width)
          for (int j = 0; j < bl.valid; ++j) put(ic, bl.oc0 + j, e, w[j]);
    }
  return true;
}

// Packed weights: for each phase and block, [tap][in_c][nb*vl], zero lanes
// past the last channel. The epilogue's scale and shift padded the same way.
void DirectPlan::set_weights(const WeightAt& weight, const Epilogue& epilogue) {
  epilogue.check(p_.out_c, "direct kernels");
  pack(weight, epilogue);
}

void DirectPlan::pack(const WeightAt& weight, const Epilogue& ep) {
  const int vl = k_->vl;
  // The old copy goes first: never two packed copies at once.
  std::vector<float>().swap(packed_);
  w_off_.clear(), scale_.clear(), shift_.clear();
  size_t total = 0;  // exactly: no reallocation, no transient second copy
  for (const DirectPhase& q : p_.phases)
    for (const Block& b : blocks_) {
      w_off_.push_back(total);
      total += q.tap_entry.size() * p_.in_c * b.nb * vl;
    }
  has_weights_ = bool(weight);
  if (has_weights_) packed_.reserve(total);
  for (const DirectPhase& q : p_.phases)
    for (const Block& b : blocks_) {
      if (!has_weights_) break;  // a plan for the shapes only
      const int width = b.nb * vl, ntaps = int(q.tap_entry.size());
      const size_t start = packed_.size();
      packed_.resize(start + size_t(ntaps) * p_.in_c * width, 0.f);
      float* w = packed_.data() + start;
      for (int t = 0; t < ntaps; ++t)
        for (int ic = 0; ic < p_.in_c; ++ic, w += width)
          for (int j = 0; j < b.valid; ++j) w[j] = weight(ic, b.oc0 + j, q.tap_entry[t]);
    }
  act_ = ep.activation;
  if (ep.scale.empty() && ep.shift.empty()) return;
  const size_t padded = blocks_.back().ep_off + size_t(blocks_.back().nb) * vl;
  scale_.assign(padded, 1.f);
  shift_.assign(padded, 0.f);
  for (const Block& b : blocks_)
    for (int j = 0; j < b.valid; ++j) {
      if (!ep.scale.empty()) scale_[b.ep_off + j] = ep.scale[b.oc0 + j];
      if (!ep.shift.empty()) shift_[b.ep_off + j] = ep.shift[b.oc0 + j];
    }
}

// Work items: runs of a few tiles of one phase through one channel block.
// Item order decides what stays in cache: phase by phase when a block's
// weights for all phases are too big for half of L2 (DCGAN's 1024- and
// 512-channel layers: each phase's block then streams once); otherwise the
// phases take turns over the same output rows, so that each output line is
// completed while it is in cache instead of being fetched once per phase
// (YOLO's 2x2/2 necks, the large-image deconvolutions of segmentation nets).
// A thread's share is a contiguous run of items, split by estimated cost.
void DirectPlan::partition() {
  // The split weighs compute and stores only (no weight-stream bound, unlike
  // the tiling choice): as it always has; the bound would shift the split.
  auto tile_cost = [&](const Tile& t, int nb) {
    return tile_cycles(double(tap_sets_[t.taps].idx.size()) * p_.in_c, t.rows * t.cols, nb, k_->vl, 0.0);
  };
  std::vector<std::pair<size_t, size_t>> phase_tiles;  // [first, last) of each phase in tiles_
  for (size_t first = 0; first < tiles_.size();) {
    size_t last = first;
    while (last < tiles_.size() && tiles_[last].phase == tiles_[first].phase) ++last;
    phase_tiles.push_back({first, last});
    first = last;
  }
  double block_weight_bytes = 0;
  for (const DirectPhase& q : p_.phases)
    block_weight_bytes += 4.0 * q.tap_entry.size() * p_.in_c * blocks_.front().nb * k_->vl;
  interleave_ = block_weight_bytes <= 512.0 * 1024;
  constexpr size_t kRun = 4;  // tiles per item: fine enough to balance
  auto add = [&](int b, size_t from, size_t to) {
    Item it{b, from, to, 0.0};
    for (size_t j = from; j < to; ++j) it.cost += tile_cost(tiles_[j], blocks_[b].nb);
    items_.push_back(it);
  };
  for (int b = 0; b < int(blocks_.size()); ++b) {
    if (interleave_) {
      size_t most = 0;
      for (auto [f, l] : phase_tiles) most = std::max(most, l - f);
      for (size_t r = 0; r < most; r += kRun)
        for (auto [f, l] : phase_tiles)
          if (f + r < l) add(b, f + r, std::min(l, f + r + kRun));
    } else {
      for (auto [f, l] : phase_tiles)
        for (size_t r = f; r < l; r += kRun) add(b, r, std::min(l, r + kRun));
    }
  }
  double total = 0;
  for (const Item& it : items_) total += it.cost * p_.batch;
  // A thread must get enough work to pay for waking it (a few microseconds):
  // tiny layers run on fewer threads than asked, never slower than on one.
  constexpr double kMinCyclesPerThread = 100000;
  if (!exact_threads_) threads_ = std::max(1, std::min(threads_, int(std::min(1e6, total / kMinCyclesPerThread))));
  split_.assign(1, 0);
  double acc = 0;
  for (size_t i = 0; i < items_.size() && int(split_.size()) < threads_; ++i) {
    acc += items_[i].cost;
    if (acc >= total * double(split_.size()) / threads_) split_.push_back(i + 1);
  }
  while (int(split_.size()) <= threads_) split_.push_back(items_.size());
}

std::string DirectPlan::describe() const {
  std::ostringstream d;
  d << "direct " << isa_name(isa_) << ", " << (tiling_ == Tiling::exact ? "exact" : "padded") << " tiling, "
    << p_.phases.size() << (p_.phases.size() == 1 ? " phase, " : " phases, ") << tiles_.size() << " tiles x "
    << blocks_.size() << " channel blocks of " << blocks_.front().nb * k_->vl << (interleave_ && p_.phases.size() > 1 ? " (phases interleaved)" : "")
    << ", " << threads_ << (threads_ == 1 ? " thread" : " threads");
  return d.str();
}

// Channels [c0, c1) of one image into the zero-bordered frame of the padded tiling.
void DirectPlan::pad_input(const float* x, float* ws, int c0, int c1) const {
  for (int c = c0; c < c1; ++c) {
    float* dst = ws + c * plane_;
    const float* src = x + size_t(c) * p_.in_h * p_.in_w;
    std::fill(dst, dst + pad_top_ * pitch_, 0.f);
    for (int r = 0; r < p_.in_h; ++r) {
      float* row = dst + (pad_top_ + r) * pitch_;
      std::fill(row, row + pad_left_, 0.f);
      std::memcpy(row + pad_left_, src + size_t(r) * p_.in_w, sizeof(float) * p_.in_w);
      std::fill(row + pad_left_ + p_.in_w, row + pitch_, 0.f);
    }
    std::fill(dst + (pad_top_ + p_.in_h) * pitch_, dst + plane_, 0.f);
  }
}

// Work items [begin, end) of one image: origin is its input (in the tiling's
// frame), y its output.
void DirectPlan::run_items(size_t begin, size_t end, const float* origin, float* y) const {
  const size_t out_plane = size_t(p_.out_h) * p_.out_w;
  const int vl = k_->vl;
  TileCall call{};
  call.in_c = p_.in_c;
  call.ic_stride = plane_;
  call.row_step = p_.ystep * pitch_;
  call.y_oc_stride = ptrdiff_t(out_plane);
  call.y_row_step = ptrdiff_t(p_.sy) * p_.out_w;
  call.y_col_step = p_.sx;
  call.act = act_;
  for (size_t i = begin; i < end; ++i) {
    const Item& it = items_[i];
    const Block& bl = blocks_[it.block];
    call.w_tap_stride = ptrdiff_t(p_.in_c) * bl.nb * vl;
    call.oc_valid = bl.valid;
    call.scale = scale_.empty() ? nullptr : scale_.data() + bl.ep_off;
    call.shift = shift_.empty() ? nullptr : shift_.data() + bl.ep_off;
    for (size_t j = it.tile_begin; j < it.tile_end; ++j) {
      const Tile& t = tiles_[j];
      const TapSet& set = tap_sets_[t.taps];
      call.x = origin + t.in_off;
      call.tap_in = set.in_off.data();
      call.tap_idx = set.idx.data();
      call.ntaps = int(set.idx.size());
      call.w = packed_.data() + w_off_[size_t(t.phase) * blocks_.size() + it.block];
      call.y = y + size_t(bl.oc0) * out_plane + t.y_off;
      t.fn[bl.nb - 1](call);
    }
  }
}

void DirectPlan::run(const float* x, float* y, float* ws, ThreadPool* pool) const {
  if (!has_weights_) throw ShapeError("direct kernels: this plan was made for the shapes only, without weights");
  const size_t in_img = size_t(p_.in_c) * p_.in_h * p_.in_w;
  const size_t out_img = size_t(p_.out_h) * p_.out_w * p_.out_c;
  // The planned per-thread ranges, merged when the pool has fewer threads.
  const int parts = pool ? std::min(threads_, pool->threads()) : 1;
  auto range = [&](int part) {
    return std::make_pair(split_[size_t(threads_) * part / parts], split_[size_t(threads_) * (part + 1) / parts]);
  };
  if (tiling_ == Tiling::exact) {  // one job for the whole batch: no frame to fill
    auto share = [&](int part) {
      const auto [begin, end] = range(part);
      for (int b = 0; b < p_.batch; ++b) run_items(begin, end, x + b * in_img, y + b * out_img);
    };
    if (parts > 1) pool->run(parts, share);
    else share(0);
    return;
  }
  // Padded: per image, fill the one frame, then run the tiles over it.
  const float* origin = ws + pad_top_ * pitch_ + pad_left_;
  for (int b = 0; b < p_.batch; ++b) {
    const float* xb = x + b * in_img;
    if (parts > 1) {
      pool->parallel_for(size_t(p_.in_c), [&](size_t c0, size_t c1) { pad_input(xb, ws, int(c0), int(c1)); });
      pool->run(parts, [&](int part) {
        const auto [begin, end] = range(part);
        run_items(begin, end, origin, y + b * out_img);
      });
    } else {
      pad_input(xb, ws, 0, p_.in_c);
      run_items(0, items_.size(), origin, y + b * out_img);
    }
  }
}

}  // namespace huge2
