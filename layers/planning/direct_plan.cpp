#include "planning/direct_plan.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <tuple>

#include "core/errors.h"
#include "runtime/tuning.h"

namespace huge2 {
namespace {
int floor_half(int v) { return v >= 0 ? v / 2 : -((1 - v) / 2); }  // floor(v / 2)
ptrdiff_t floor_div(ptrdiff_t v, ptrdiff_t d) { return v >= 0 ? v / d : -((d - 1 - v) / d); }  // floor(v / d), d > 0
}  // namespace

DirectPlan::DirectPlan(const DirectProblem& problem, const WeightAt& weight, const Epilogue& epilogue, int threads,
                       Isa isa, const Options& options)
    : p_(problem), isa_(isa), k_(&tile_kernels(isa)), threads_(std::max(1, threads)),
      exact_threads_(options.exact_threads) {
  Options opt = options;
  if (opt.l1_chunks.value_or(false) && !opt.scheme) opt.scheme = Scheme::channels;  // they are channel tiles
  if (!tile_input_step_supported(p_.xstep))
    throw ShapeError("direct kernels: input step " + std::to_string(p_.xstep));
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
  if (opt.scheme != Scheme::rows && opt.pixel_channels && (*opt.pixel_channels < 1 || *opt.pixel_channels > kMaxPixelOc ||
                             k_->pixel_max_rows[opt.column_phases.value_or(1) - 1][*opt.pixel_channels] < 1))
    throw ShapeError("direct kernels: no " + std::string(isa_name(isa)) + " pixel tiles of " +
                     std::to_string(*opt.pixel_channels) + " channels");
  double best = -1;
  int best_nb = widths.front(), best_oc = 0;
  // Keeps a candidate that beats the best so far (or any, when forced); true if kept.
  auto consider = [&](double cost, Tiling t, int nb, int oc, std::vector<Tile>& tiles, std::vector<TapSet>& sets,
                      bool forced = false) {
    if (!forced && best >= 0 && cost >= best) return false;
    best = cost, best_nb = nb, best_oc = oc, tiling_ = t;
    tiles_ = std::move(tiles);
    tap_sets_ = std::move(sets);
    return true;
  };
  // A forced block width picks its scheme.
  const bool try_channels = (!opt.scheme || opt.scheme == Scheme::channels) && !opt.pixel_channels;
  // L1 blocking (l1_chunks_) takes the channel tiles' padded tiling.
  const bool l1_possible = p_.xstep <= 2 && p_.ystep <= 2 && p_.in_c > 1;
  if (opt.l1_chunks.value_or(false) && (!l1_possible || opt.tiling == Tiling::exact || !try_channels))
    throw ShapeError("direct kernels: L1 chunks need channel tiles of input steps 1 or 2, more than one input "
                     "channel and the padded tiling");
  // By itself (CpuTuning::l1_chunk_max_pixels): narrow tiles, and weights per
  // phase and block of the widest tiles that L1 does not hold.
  const bool l1_pays = k_->max_pixels[k_->max_nb] <= cpu_tuning().l1_chunk_max_pixels &&
                       phase_block_bytes(k_->max_nb * k_->vl) > cpu_tuning().l1_weight_bytes &&
                       opt.tiling != Tiling::exact;
  const bool want_l1 = l1_possible && opt.l1_chunks.value_or(l1_pays);
  if (try_channels) {
    for (int nb : widths) {
      make_blocks(nb);
      // On the estimates alone, exact first so that it wins ties. (Padded
      // ones were charged 1/0.9 more as a hedge until the estimate counted
      // input lines and each tap's first pass from beyond L2; that kept
      // the DCGAN 256->128 data gradient on exact tiles 1.13x slower.)
      for (Tiling t : {Tiling::exact, Tiling::padded}) {
        if ((opt.tiling && t != *opt.tiling) || (want_l1 && t != Tiling::padded)) continue;
        for (bool aligned : {false, true}) {
          if (opt.aligned_columns && aligned != *opt.aligned_columns) continue;
          // Whole transposed rows are a candidate where the output's rows are
          // consecutive floats (a convolution's), on the padded tiling (the
          // exact one's borders leave pieces between whole rows, whose
          // tiles lost to the even cut on five of six layers measured and
          // tied on the sixth) and
          // while the output stays in L2: else its planes go to memory,
          // and the wide tiles' 32 planes at once ran erfnet's 3->32 stem
          // at 1.19x the time of 16-channel tiles (1.04 against 0.88 ms).
          const double out_bytes = 4.0 * p_.out_c * p_.out_h * p_.out_w;
          if (aligned && !opt.aligned_columns &&
              (!k_->rows_transposed || p_.sx != 1 || t != Tiling::padded || out_bytes > cpu_tuning().l2_output_bytes))
            continue;
          std::vector<Tile> tiles;
          std::vector<TapSet> sets;
          double cost = 0;
          plan_tiles(t, aligned, tiles, sets, cost);
          consider(cost, t, nb, 0, tiles, sets);
        }
      }
    }
  }
  // Pixel tiles: input step 1, or 2 on the split frame; padded frame; blocks
  // of every channel width up to the most the registers allow (all of out_c
  // in one block when it fits: the input is then read once).
  const DirectProblem given = p_;  // the candidates below plan on problems of their own
  const bool pixels_possible = pixel_input_steps(p_) && opt.tiling != Tiling::exact && k_->pixel_max_rows[0][1] >= 1;
  const bool split = pixels_possible && p_.xstep == 2;
  if ((opt.scheme == Scheme::pixels || opt.pixel_channels || opt.column_phases) && !pixels_possible)
    throw ShapeError("direct kernels: pixel tiles need input step 1 (or 2 both ways) and the padded frame");
  const std::optional<DirectProblem> col_problem =
      pixels_possible && opt.column_phases != 1 ? column_phase_problem(given) : std::nullopt;
  if (opt.column_phases && *opt.column_phases != 1 && (*opt.column_phases != 2 || !col_problem))
    throw ShapeError("direct kernels: " + std::to_string(*opt.column_phases) +
                     " column phases per pixel tile (2 needs a stride-2 transposed convolution)");
  int best_cols = 1;  // the column phases of the best pixel candidate
  if (pixels_possible && (!opt.scheme || opt.scheme == Scheme::pixels) && !opt.block_vectors) {
    for (int cols = 1; cols <= 2; ++cols) {
      if ((opt.column_phases && cols != *opt.column_phases) || (cols == 2 && !col_problem)) continue;
      // Offered by itself only for out_c <= 8 one phase at a time: with more
      // blocks each reads the whole input again (erfnet's 16->19
      // deconvolution into a 512x512 map: 3 blocks of 8 ran 1.09x slower
      // than 2 channel vectors of 16). Interleaved, up to 6 blocks: the
      // whole-vector stores repay the re-reads there, and the blocks take
      // turns over each run of tiles (partition()).
      std::vector<int> ocs;
      if (opt.pixel_channels) {
        ocs = {*opt.pixel_channels};
      } else if (p_.out_c <= kMaxPixelOc) {
        for (int oc = p_.out_c; oc >= 1 && ocs.size() < 3; --oc)
          if (k_->pixel_max_rows[cols - 1][oc] >= 1) ocs.push_back(oc);
      } else if (split && isa != Isa::scalar &&
                 4.0 * p_.in_c * (p_.in_h + 2) * (p_.in_w + 2) <= cpu_tuning().l2_output_bytes) {
        // Input step 2 into many channels (an RGB-output transposed
        // convolution's data gradient: 3 -> 128): every block reads the whole
        // frame again, from L2 while it stays there; blocks of 2 to 8
        // channels whose tiles have at most kSplitMaxRows rows (more channels
        // per block, fewer rows: the estimate weighs them). Taller tiles ran
        // slower than their FMAs on AVX-512, which the estimate does not see:
        // 3 channels x 8 rows 0.063 ms against 0.058 for 6 x 4 (the estimate
        // put the 8 rows 0.4% ahead), 4 x 6 0.062, 5 x 5 0.059; on AVX2's 16
        // registers 3 channels take 4 rows, its fastest (0.112 ms, against
        // 0.136 for the channel tiles). Not the scalar kernels: their
        // VL-float "vectors" are loops, and the estimate, made for vector
        // FMAs, chose these tiles for the DCGAN data gradients there, which
        // then ran 2-3x slower.
        constexpr int kSplitMaxRows = 4;
        for (int oc = kMaxPixelOc; oc >= 2; --oc)
          if (k_->pixel_max_rows[0][oc] >= 1 && k_->pixel_max_rows[0][oc] <= kSplitMaxRows) ocs.push_back(oc);
      } else if (cols == 2 && p_.out_c <= 3 * kMaxPixelOc) {
        // Block widths that split out_c evenly into 3 .. 6 blocks (19: 7, 5, 4).
        for (int n = (p_.out_c + kMaxPixelOc - 1) / kMaxPixelOc; n <= 6; ++n) {
          const int oc = (p_.out_c + n - 1) / n;
          const bool fits = oc <= kMaxPixelOc && k_->pixel_max_rows[1][oc] >= 1;
          if (fits && (ocs.empty() || ocs.back() != oc)) ocs.push_back(oc);
        }
      }
      if (opt.pixel_channels && k_->pixel_max_rows[cols - 1][*opt.pixel_channels] < 1)
        throw ShapeError("direct kernels: no " + std::string(isa_name(isa)) + " pixel tiles of " +
                         std::to_string(*opt.pixel_channels) + " channels and " + std::to_string(cols) +
                         " column phases");
      p_ = cols == 2 ? *col_problem : given;
      col_phases_ = cols;  // for the estimate
      for (int oc : ocs) {
        make_pixel_blocks(oc);
        std::vector<Tile> tiles;
        std::vector<TapSet> sets;
        double cost = 0;
        plan_pixel_tiles(tiles, sets, cost);
        if (consider(cost, Tiling::padded, 0, oc, tiles, sets)) best_cols = cols;
      }
    }
  }
  // Phase-row tiles: stride = kernel transposed convolutions only; the
  // candidates are planned on the row problem, which replaces p_ if one wins.
  bool rows = false, row_channels = false;
  const std::optional<DirectProblem> row_problem = opt.block_vectors ? std::nullopt : phase_row_problem(given);
  if ((opt.scheme == Scheme::rows || opt.scheme == Scheme::row_channels) && !row_problem)
    throw ShapeError("direct kernels: phase rows need a stride = kernel (2, 4, 8) transposed convolution, pad 0");
  const int s_level = row_problem ? phase_row_level(given.sx) : 0;
  if (row_problem && opt.tiling != Tiling::exact && (!opt.scheme || opt.scheme == Scheme::rows) &&
      k_->row_max_oc[s_level] >= 1) {
    const int most = k_->row_max_oc[s_level];
    if (opt.pixel_channels && (*opt.pixel_channels < 1 || *opt.pixel_channels > most))
      throw ShapeError("direct kernels: no " + std::string(isa_name(isa)) + " phase-row tiles of " +
                       std::to_string(*opt.pixel_channels) + " channels");
    const int oc = opt.pixel_channels ? *opt.pixel_channels : std::min(most, given.out_c);
    p_ = *row_problem;
    scheme_ = Scheme::rows;  // for the estimate
    make_pixel_blocks(oc);
    std::vector<Tile> tiles;
    std::vector<TapSet> sets;
    double cost = 0;
    plan_row_tiles(tiles, sets, cost);
    rows = consider(cost, Tiling::padded, 0, oc, tiles, sets, opt.scheme == Scheme::rows);
  }
  // Phase rows with channels in the vector: blocks of one vector, the input
  // read in place. Offered to the estimate where the ISA transposes in
  // registers (else each float goes out alone, as the channel tiles' do)
  // and a whole tile keeps 16 accumulators: AVX2's 8 (4 pixels x 2 phases
  // of 8 lanes) ran the 2x2/2 38x38 neck 1.2x slower than its channel tiles
  // (2.83 against 2.32 ms, forced, Zen 4), which the estimate does not see.
  // Forced, on any ISA.
  const bool offer_row_channels = k_->rows_transposed && k_->vl >= 16;
  if (row_problem && opt.tiling != Tiling::padded && !opt.pixel_channels &&
      (opt.scheme == Scheme::row_channels || (!opt.scheme && offer_row_channels))) {
    p_ = *row_problem;
    scheme_ = Scheme::row_channels;  // for the estimate
    make_blocks(1);
    std::vector<Tile> tiles;
    std::vector<TapSet> sets;
    double cost = 0;
    plan_row_channel_tiles(tiles, sets, cost);
    if (consider(cost, Tiling::exact, 1, 0, tiles, sets, opt.scheme == Scheme::row_channels))
      row_channels = true, rows = false;
  }
  // A forced choice that no candidate met (pixel tiles of one column phase
  // for more than 8 channels, unless pixel_channels says how many per block).
  if (best < 0) throw ShapeError("direct kernels: the options asked for admit no tiling of this problem");
  // The winner's problem.
  col_phases_ = !rows && !row_channels && best_oc > 0 ? best_cols : 1;
  p_ = rows || row_channels ? *row_problem : col_phases_ == 2 ? *col_problem : given;
  scheme_ = row_channels ? Scheme::row_channels
            : rows       ? Scheme::rows
            : best_oc > 0 ? Scheme::pixels
                          : Scheme::channels;
  split_frame_ = scheme_ == Scheme::pixels && p_.xstep == 2;
  l1_chunks_ = want_l1 && scheme_ == Scheme::channels;
  if (scheme_ == Scheme::channels || scheme_ == Scheme::row_channels) make_blocks(best_nb);
  else make_pixel_blocks(best_oc);
  // Raster order within each phase: neighbouring tiles share input and output lines.
  std::stable_sort(tiles_.begin(), tiles_.end(), [](const Tile& a, const Tile& b) {
    return std::tie(a.phase, a.u0, a.v0) < std::tie(b.phase, b.u0, b.v0);
  });

  // The input frame the tap offsets are taken in.
  if (tiling_ == Tiling::exact) {
    pad_top_ = pad_left_ = 0, pad_h_ = p_.in_h, pad_w_ = p_.in_w;
  } else {
    // Split: in a stride phase's coordinates, and as large as phase (0, 0),
    // the largest.
    const int ys = split_frame_ ? 1 : p_.ystep, xs = split_frame_ ? 1 : p_.xstep;
    auto at = [&](int tap) { return split_frame_ ? floor_half(tap) : tap; };
    const int h = split_frame_ ? (p_.in_h + 1) / 2 : p_.in_h, w = split_frame_ ? (p_.in_w + 1) / 2 : p_.in_w;
    int lo_y = 0, hi_y = h - 1, lo_x = 0, hi_x = w - 1;
    for (const Tile& t : tiles_) {
      const DirectPhase& ph = p_.phases[t.phase];
      const int u0 = t.u0, v0 = t.v0;
      for (int i : tap_sets_[t.taps].idx) {
        lo_y = std::min(lo_y, at(ph.tap_y[i]) + ys * u0);
        hi_y = std::max(hi_y, at(ph.tap_y[i]) + ys * (u0 + t.rows - 1));
        lo_x = std::min(lo_x, at(ph.tap_x[i]) + xs * v0);
        hi_x = std::max(hi_x, at(ph.tap_x[i]) + xs * (v0 + t.cols - 1));
      }
    }
    pad_top_ = -lo_y, pad_left_ = -lo_x, pad_h_ = hi_y - lo_y + 1, pad_w_ = hi_x - lo_x + 1;
  }
  // L1 chunks: each input row of every channel one after another (l1_chunks_).
  pitch_ = l1_chunks_ ? ptrdiff_t(pad_w_) * p_.in_c : pad_w_;
  plane_ = l1_chunks_ ? ptrdiff_t(pad_w_) : ptrdiff_t(padded_plane());
  for (Tile& t : tiles_) {  // (u0, v0) -> offsets
    const DirectPhase& ph = p_.phases[t.phase];
    const ptrdiff_t u0 = t.u0, v0 = t.v0;
    t.in_off = split_frame_ ? u0 * pitch_ + v0 : u0 * p_.ystep * pitch_ + v0 * p_.xstep;
    t.y_off = (ph.oy0 + p_.sy * u0) * ptrdiff_t(p_.out_w) + ph.ox0 + p_.sx * v0;
  }
  // Tap offsets in that frame (a set belongs to one phase: take it from its
  // first tile), and, column phases interleaved, where each one's taps end
  // (the set keeps the phase's tap order, which is column-phase order; an
  // empty set too: its tiles still write their zeros and the epilogue).
  for (const Tile& t : tiles_) {
    TapSet& set = tap_sets_[t.taps];
    const DirectPhase& ph = p_.phases[t.phase];
    if (col_phases_ > 1 && set.col_end.empty()) {
      set.col_end.assign(size_t(col_phases_) + 1, 0);
      for (int i : set.idx) ++set.col_end[size_t(ph.tap_col[size_t(i)]) + 1];
      for (int c = 0; c < col_phases_; ++c) set.col_end[size_t(c) + 1] += set.col_end[size_t(c)];
    }
    if (!set.in_off.empty() || set.idx.empty()) continue;
    for (int i : set.idx) set.in_off.push_back(tap_offset(ph.tap_y[i], ph.tap_x[i]));
  }
  channel_major_ = (scheme_ == Scheme::channels && p_.xstep > 2) || scheme_ == Scheme::rows ||
                   scheme_ == Scheme::row_channels;
  prefetch_input_ = scheme_ == Scheme::channels && p_.xstep > 2 &&
                    double(p_.in_c) * plane_ * sizeof(float) > cpu_tuning().prefetch_input_bytes;
  if (l1_chunks_)
    for (const Tile& t : tiles_)
      tile_floats_ = std::max(tile_floats_, size_t(t.rows) * t.cols * k_->vl * blocks_.front().nb);
  choose_k_chunk(opt.k_chunk);
  pack(weight, epilogue);
  partition();
  cold_weights_ = kernel_bytes() > cpu_tuning().l2_weight_bytes;
  choose_image_order(opt.images_inside, std::max(1, threads));
  row_fills_ = thread_frames_ > 0 && !split_frame_ && !l1_chunks_;
  if (row_fills_) find_item_rows();
}

ptrdiff_t DirectPlan::tap_offset(int ty, int tx) const {
  if (!split_frame_) return ptrdiff_t(ty) * pitch_ + tx;
  const ptrdiff_t phase = 2 * (ty - 2 * floor_half(ty)) + (tx - 2 * floor_half(tx));
  return phase * pad_h_ * pitch_ + ptrdiff_t(floor_half(ty)) * pitch_ + floor_half(tx);
}

std::string DirectPlan::describe() const {
  auto count = [](size_t n, const char* one, const char* many) { return std::to_string(n) + (n == 1 ? one : many); };
  std::ostringstream d;
  d << "direct " << isa_name(isa_) << ", ";
  if (scheme_ == Scheme::row_channels)
    d << "phase rows, channels in the vector (stride = kernel " << p_.sx << ": "
      << k_->row_channel_cols[phase_row_level(p_.sx)] << " columns x " << p_.sx << " phases x "
      << k_->vl << " channels), ";
  else if (scheme_ == Scheme::rows)
    d << "phase rows (stride = kernel " << p_.sx << ": " << k_->vl << " columns x " << p_.sx << " phases x "
      << blocks_.front().valid << " channels), ";
  else if (scheme_ == Scheme::pixels && col_phases_ > 1)
    d << "pixel tiles (" << k_->vl << " pixels x " << col_phases_ << " column phases interleaved x "
      << blocks_.front().valid << " channels), " << count(p_.phases.size(), " row phase, ", " row phases, ");
  else if (scheme_ == Scheme::pixels)
    d << "pixel tiles (" << k_->vl << " pixels x " << blocks_.front().valid << " channels"
      << (split_frame_ ? ", input split into its 2x2 stride phases" : "") << "), "
      << count(p_.phases.size(), " phase, ", " phases, ");
  else
    d << (tiling_ == Tiling::exact ? "exact" : "padded") << " tiling, " << count(p_.phases.size(), " phase, ", " phases, ");
  d << tiles_.size() << " tiles x ";
  if (scheme_ == Scheme::channels)
    d << blocks_.size() << " channel blocks of " << blocks_.front().nb * k_->vl
      << (interleave_ && p_.phases.size() > 1 ? " (phases interleaved)" : "");
  else
    d << count(blocks_.size(), " channel block", " channel blocks");
  if (l1_chunks_) d << ", input channels in L1 chunks of " << k_chunk_ << " (rows of all channels together)";
  else if (k_chunk_ < p_.in_c) d << ", input channels in chunks of " << k_chunk_;
  if (prefetch_input_) d << ", next channel's lines prefetched";
  if (images_inside_) d << ", the batch inside each block";
  if (thread_frames_ > 0) d << ", a frame per thread";
  d << ", " << count(size_t(threads_), " thread", " threads");
  return d.str();
}

namespace {
// A few zeros between two rows of the frame, stored one by one: GCC turns a
// plain loop into a memset call, and a call per border (two a row) was 6% of
// DCGAN's 128->3 forward (32-float rows, 1 zero a side): 0.091-0.094 ms with
// them, 0.081-0.085 without. (Rows copied 4 floats a move instead of by
// memcpy, AVX-512 inside, ran 0.086-0.088.)
inline void zero_few(float* dst, ptrdiff_t n) {
  for (ptrdiff_t i = 0; i < n; ++i) {
    dst[i] = 0.f;
    __asm__("" ::: "memory");
  }
}
}  // namespace

// Channels [c0, c1) of one image into the zero-bordered frame of the padded
// tiling, front to back: a row's right border and the next one's left border
// are one run of zeros.
void DirectPlan::pad_input(const float* x, float* ws, int c0, int c1) const {
  const ptrdiff_t w = p_.in_w, gap = pitch_ - w;
  if (l1_chunks_) {  // the channel-row frame: channel c's frame row r at r * pitch_ + c * pad_w_
    for (int c = c0; c < c1; ++c)
      for (int r = 0; r < pad_h_; ++r) pad_row(x + size_t(c) * p_.in_h * w, ws + r * pitch_ + c * plane_, r);
    return;
  }
  for (int c = c0; c < c1; ++c) {
    float* dst = ws + c * plane_;
    const float* src = x + size_t(c) * p_.in_h * p_.in_w;
    float* out = dst + pad_top_ * pitch_ + pad_left_;  // row 0's first float
    std::fill(dst, out, 0.f);
    for (int r = 0; r < p_.in_h; ++r, out += pitch_, src += w) {
      std::memcpy(out, src, sizeof(float) * size_t(w));
      if (r + 1 < p_.in_h) zero_few(out + w, gap);
    }
    out -= gap;  // the last row's end
    std::fill(out, dst + plane_, 0.f);
  }
}

// The split frame: channels [c0, c1) of one image as their four stride
// phases, each zero-bordered like pad_input's frame. Each input row is read
// once, its even floats into phase (r & 1, 0), its odd ones into (r & 1, 1).
void DirectPlan::split_input(const float* x, float* ws, int c0, int c1) const {
  const int h = p_.in_h, w = p_.in_w, w0 = (w + 1) / 2, w1 = w / 2;
  const ptrdiff_t sub = ptrdiff_t(pad_h_) * pitch_;
  for (int c = c0; c < c1; ++c) {
    float* dst = ws + c * plane_;
    std::fill(dst, dst + plane_, 0.f);
    const float* src = x + size_t(c) * h * w;
    for (int r = 0; r < h; ++r, src += w) {
      float* even = dst + 2 * (r & 1) * sub + (pad_top_ + r / 2) * pitch_ + pad_left_;
      float* odd = even + sub;
      for (int j = 0; j < w1; ++j) even[j] = src[2 * j], odd[j] = src[2 * j + 1];
      if (w0 > w1) even[w1] = src[w - 1];
    }
  }
}

void DirectPlan::pad_row(const float* src, float* dst, int r) const {
  const int ir = r - pad_top_;
  if (ir < 0 || ir >= p_.in_h) return std::fill(dst, dst + pad_w_, 0.f);
  const ptrdiff_t w = p_.in_w;
  zero_few(dst, pad_left_);
  std::memcpy(dst + pad_left_, src + size_t(ir) * w, sizeof(float) * size_t(w));
  zero_few(dst + pad_left_ + w, pad_w_ - pad_left_ - w);
}

void DirectPlan::pad_rows(const float* x, float* ws, int r0, int r1) const {
  for (int c = 0; c < p_.in_c; ++c)
    for (int r = r0; r < r1; ++r) pad_row(x + size_t(c) * p_.in_h * p_.in_w, ws + c * plane_ + r * pitch_, r);
}

void DirectPlan::find_item_rows() {
  // A tile reads from its first tap at its first pixel to its last tap at its
  // last pixel (offsets from the frame's row pad_top_, column pad_left_), and
  // a pixel tile's last vector VL - 1 floats more (lanes past the row's end:
  // dropped, but read, so they read filled rows too). A row more each side
  // as a margin.
  const ptrdiff_t origin = ptrdiff_t(pad_top_) * pitch_ + pad_left_, row_step = ptrdiff_t(p_.ystep) * pitch_;
  const ptrdiff_t over = scheme_ == Scheme::pixels ? k_->vl - 1 : 0;
  for (Item& it : items_) {
    int lo = pad_h_, hi = -1;
    for (size_t j = it.tile_begin; j < it.tile_end; ++j) {
      const Tile& t = tiles_[j];
      const std::vector<ptrdiff_t>& taps = tap_sets_[t.taps].in_off;
      if (taps.empty()) continue;
      const auto [first, last] = std::minmax_element(taps.begin(), taps.end());
      const ptrdiff_t a = origin + t.in_off + *first;
      const ptrdiff_t b =
          origin + t.in_off + *last + (t.rows - 1) * row_step + ptrdiff_t(t.cols - 1) * p_.xstep + over;
      lo = std::min(lo, int(floor_div(a, pitch_)) - 1);
      hi = std::max(hi, int(floor_div(b, pitch_)) + 1);
    }
    it.row_begin = std::max(0, lo);
    it.row_end = std::max(it.row_begin, std::min(pad_h_, hi + 1));
  }
}

// Work items [begin, end) of `images` images: origin is the first image's
// input (in the tiling's frame), y its output; each next image's lie in_img
// and out_img floats further on. The items run in segments (runs of up to
// kSegmentTiles tiles of one channel block), and each segment takes every
// image in turn: the block's weights serve the whole batch from L2 instead
// of streaming from memory once per image. A split K runs chunk by chunk
// over each segment, so that the chunk's weights serve all of its tiles;
// every tile still sums its chunks in order, on whichever thread runs it.
void DirectPlan::run_items(size_t begin, size_t end, const float* origin, float* y, int images, size_t in_img,
                           size_t out_img) const {
  const size_t out_plane = size_t(p_.out_h) * p_.out_w;
  TileCall call{};
  call.prefetch_input = prefetch_input_;
  call.ic_stride = plane_;
  call.row_step = split_frame_ ? pitch_ : p_.ystep * pitch_;
  call.y_oc_stride = ptrdiff_t(out_plane);
  call.y_row_step = ptrdiff_t(p_.sy) * p_.out_w;
  call.y_col_step = p_.sx;
  // A split K re-reads a segment's outputs once per chunk: fewer tiles per
  // segment the more images share it, so that they stay in L2.
  const bool split = k_chunk_ < p_.in_c;
  const size_t segment_tiles = l1_chunks_ ? std::max<size_t>(1, kL1SegmentTiles / size_t(images))
                               : split    ? std::max<size_t>(1, kSegmentTiles / size_t(images))
                                          : kSegmentTiles;
  // L1 chunks: each (tile, image) of a segment keeps its sums here between chunks.
  std::vector<float> partial;
  int last_phase = -1, last_block = -1;
  for (size_t s = begin; s < end;) {
    size_t e = s + 1, tiles = items_[s].tile_end - items_[s].tile_begin;
    while (e < end && items_[e].block == items_[s].block && tiles < segment_tiles)
      tiles += items_[e].tile_end - items_[e].tile_begin, ++e;
    if (l1_chunks_ && partial.size() < tile_floats_ * tiles * size_t(images))
      partial.resize(tile_floats_ * tiles * size_t(images));  // a segment ends on a whole item: a few more tiles
    const Block& bl = blocks_[items_[s].block];
    call.w_tap_stride = ptrdiff_t(p_.in_c) * bl.width;
    call.oc_valid = bl.valid;
    for (int c0 = 0; c0 < p_.in_c; c0 += k_chunk_) {
      const int c1 = std::min(p_.in_c, c0 + k_chunk_);
      const bool last = c1 == p_.in_c;
      call.in_c = c1 - c0;
      if (l1_chunks_) call.w_tap_stride = ptrdiff_t(c1 - c0) * bl.width;  // packed_at
      call.accumulate = c0 > 0 && !l1_chunks_;
      call.partial_in = c0 > 0 && l1_chunks_;
      call.partial_out = !last && l1_chunks_;
      size_t slot = 0;  // the (tile, image)'s sums in `partial`: the same each chunk
      // The epilogue once, on the last chunk's way out.
      call.act = last ? act_ : Activation::linear;
      call.scale = last && !scale_.empty() ? scale_.data() + bl.ep_off : nullptr;
      call.shift = last && !shift_.empty() ? shift_.data() + bl.ep_off : nullptr;
      if (split) last_phase = -1;  // each segment and chunk streams its weights anew
      for (size_t i = s; i < e; ++i) {
        const Item& it = items_[i];
        // A phase and block met anew: the first image's first tile finds its
        // weights in memory.
        const int phase = it.tile_begin < it.tile_end ? tiles_[it.tile_begin].phase : -1;
        bool fresh = cold_weights_ && (phase != last_phase || it.block != last_block);
        last_phase = phase, last_block = it.block;
        // Each tile for every image in turn: the later images find the tile's
        // weights in L1 and L2. Image by image over the segment, a segment
        // of DCGAN 1024->512's four phases (1 MB of weights) had left L2
        // before the second image came: batch 2 ran 3.6x batch 1's time.
        for (size_t j = it.tile_begin; j < it.tile_end; ++j)
          for (int b = 0; b < images; ++b) {
            const float* xb = origin + b * in_img;
            float* yb = y + b * out_img;
            const Tile& t = tiles_[j];
            const TapSet& set = tap_sets_[t.taps];
            call.x = xb + t.in_off + ptrdiff_t(c0) * plane_;
            call.tap_in = set.in_off.data();
            call.tap_idx = set.idx.data();
            call.ntaps = int(set.idx.size());
            call.w_ic_stride = channel_major_ ? ptrdiff_t(p_.phases[t.phase].tap_entry.size()) * bl.width : 0;
            call.w = packed_.data() + w_off_[size_t(t.phase) * blocks_.size() + it.block] +
                     packed_at(0, c0, p_.phases[t.phase].tap_entry.size(), bl.width);
            call.y = yb + size_t(bl.oc0) * out_plane + t.y_off;
            if (l1_chunks_) call.partial = partial.data() + tile_floats_ * slot++;
            if (scheme_ == Scheme::pixels) {
              // Interleaved: the output floats of the row from column s*v0 on that exist.
              call.cols = col_phases_ == 1 ? t.cols : std::min(col_phases_ * t.cols, p_.out_w - p_.sx * t.v0);
              call.col_taps = set.col_end.data();
              k_->pixel_lookup(col_phases_, bl.valid, t.rows)(call);  // found at planning
            } else if (scheme_ == Scheme::rows) {
              call.cols = t.cols;
              k_->row_lookup(p_.sx, bl.valid, t.rows)(call);
            } else if (scheme_ == Scheme::row_channels) {
              call.cols = t.cols;
              t.fn[0](call);  // found at planning
            } else {
              call.prefetch = fresh;
              fresh = false;
              t.fn[bl.nb - 1](call);
            }
          }
      }
    }
    s = e;
  }
}

void DirectPlan::run(const float* x, float* y, float* ws, ThreadPool* pool) const {
  if (!has_weights_) throw ShapeError("direct kernels: this plan was made for the shapes only, without weights");
  const size_t in_img = size_t(p_.in_c) * p_.in_h * p_.in_w;
  const size_t out_img = size_t(p_.out_h) * p_.out_w * p_.out_c;
  // The planned per-thread ranges (merged when the pool has fewer threads),
  // each cut into a few chunks: the pool runs part p's chunks in order on
  // thread p, and a thread that finishes early takes another part's last
  // chunks (a worker the OS left waiting then costs no more than its share).
  const int threads = pool ? pool->threads() : 1;
  const int parts = std::min(pool && pool->workers_asleep() ? cold_threads_ : threads_, threads);
  constexpr size_t kChunks = 8;
  auto chunk = [&](int task) {  // task = part + threads * c: items [begin, end)
    const int part = task % threads, c = task / threads;
    if (part >= parts) return std::make_pair(size_t(0), size_t(0));
    const size_t b = split_[size_t(threads_) * part / parts], e = split_[size_t(threads_) * (part + 1) / parts];
    return std::make_pair(b + (e - b) * c / kChunks, b + (e - b) * (c + 1) / kChunks);
  };
  const int tasks = threads * int(kChunks);
  // The images inside each segment (one pass over the weights), or one
  // after the other (one pass per image); the whole batch in one job.
  auto whole_batch = [&](const float* origin, size_t image) {
    auto items = [&](size_t begin, size_t end) {
      if (images_inside_) return run_items(begin, end, origin, y, p_.batch, image, out_img);
      for (int b = 0; b < p_.batch; ++b) run_items(begin, end, origin + b * image, y + b * out_img, 1, 0, 0);
    };
    if (parts > 1) {
      pool->run(tasks, [&](int task) {
        const auto [begin, end] = chunk(task);
        items(begin, end);
      });
    } else {
      items(0, items_.size());
    }
  };
  if (tiling_ == Tiling::exact) return whole_batch(x, in_img);  // no frame to fill
  const float* origin = ws + pad_top_ * pitch_ + pad_left_;
  const size_t frame = padded_plane() * p_.in_c;
  auto fill_frame = [this](const float* xb, float* f, int c0, int c1) {
    split_frame_ ? split_input(xb, f, c0, c1) : pad_input(xb, f, c0, c1);
  };
  if (images_inside_) {  // a frame per image, all filled first
    std::fill(ws + frame * p_.batch, ws + frame * p_.batch + slack(), 0.f);
    parallel_for(parts > 1 ? pool : nullptr, size_t(p_.batch) * p_.in_c, [&](size_t i0, size_t i1) {
      for (size_t i = i0; i < i1;) {
        const size_t b = i / p_.in_c, c1 = std::min(i1, (b + 1) * p_.in_c);
        fill_frame(x + b * in_img, ws + b * frame, int(i - b * p_.in_c), int(c1 - b * p_.in_c));
        i = c1;
      }
    });
    return whole_batch(origin, frame);
  }
  // Per image, each thread fills its own frame before its first tile, where
  // the plan keeps a frame per thread (and has one for every pool thread).
  if (thread_frames_ > 0 && parts > 1 && threads <= thread_frames_) {
    const size_t stride = frame + slack();
    for (int t = 0; t < threads; ++t) std::fill(ws + t * stride + frame, ws + (t + 1) * stride, 0.f);
    // Whole images per thread, when they share out evenly and the kernel
    // stays in each core's L2: then the cores share nothing but the weights
    // they read. DCGAN 128->3 at 2 threads (driver, 4 alternated rounds):
    // batch 8 0.51-0.69 -> 0.41-0.49 ms, batch 2 0.136-0.138 -> 0.105-0.114.
    if (p_.batch % threads == 0 && kernel_bytes() <= cpu_tuning().l2_weight_bytes) {
      pool->run_on_threads(p_.batch, [&](int b, int thread) {
        float* f = ws + size_t(thread) * stride;
        fill_frame(x + b * in_img, f, 0, p_.in_c);
        run_items(0, items_.size(), f + pad_top_ * pitch_ + pad_left_, y + b * out_img, 1, 0, 0);
      });
      return;
    }
    std::vector<char> filled(static_cast<size_t>(threads));
    // row_fills_: which rows of its frame each thread has filled (this image).
    std::vector<char> rows(row_fills_ ? size_t(threads) * pad_h_ : 0);
    auto fill_rows = [&](const float* xb, float* f, int thread, size_t begin, size_t end) {
      int r0 = pad_h_, r1 = 0;
      for (size_t i = begin; i < end; ++i) r0 = std::min(r0, items_[i].row_begin), r1 = std::max(r1, items_[i].row_end);
      char* done = rows.data() + size_t(thread) * pad_h_;
      for (int i = r0; i < r1;) {  // runs of rows not yet filled
        if (done[i]) {
          ++i;
          continue;
        }
        int e = i;
        while (e < r1 && !done[e]) done[e++] = 1;
        pad_rows(xb, f, i, e);
        i = e;
      }
    };
    for (int b = 0; b < p_.batch; ++b) {
      const float* xb = x + b * in_img;
      std::fill(filled.begin(), filled.end(), 0);
      std::fill(rows.begin(), rows.end(), 0);
      pool->run_on_threads(tasks, [&](int task, int thread) {
        const auto [begin, end] = chunk(task);
        if (begin == end) return;
        float* f = ws + size_t(thread) * stride;
        if (row_fills_) fill_rows(xb, f, thread, begin, end);
        else if (!filled[size_t(thread)]) fill_frame(xb, f, 0, p_.in_c), filled[size_t(thread)] = 1;
        run_items(begin, end, f + pad_top_ * pitch_ + pad_left_, y + b * out_img, 1, 0, 0);
      });
    }
    return;
  }
  // Per image, fill the one frame, then run the tiles over it.
  std::fill(ws + frame, ws + frame + slack(), 0.f);
  for (int b = 0; b < p_.batch; ++b) {
    const float* xb = x + b * in_img;
    if (parts > 1) {
      pool->parallel_for(size_t(p_.in_c), [&](size_t c0, size_t c1) { fill_frame(xb, ws, int(c0), int(c1)); });
      pool->run(tasks, [&](int task) {
        const auto [begin, end] = chunk(task);
        run_items(begin, end, origin, y + b * out_img, 1, 0, 0);
      });
    } else {
      fill_frame(xb, ws, 0, p_.in_c);
      run_items(0, items_.size(), origin, y + b * out_img, 1, 0, 0);
    }
  }
}

}  // namespace huge2
