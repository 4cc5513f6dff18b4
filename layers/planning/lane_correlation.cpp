#include "planning/lane_correlation.h"

#include <algorithm>
#include <cstring>

#include "planning/ranges.h"
#include "runtime/tuning.h"

namespace huge2 {
namespace {

// Kernels up to this size tile across channels (a 2x2 kernel row is too
// few pixels for a tile); larger ones across their own rows.
constexpr int kChannelRowsUpTo = 2;

// The rows (or columns) of src the taps reach, from src row -offset: n
// pixels of a at `step`, k taps `dilation` apart.
int frame_extent(const CorrelationProblem& p, int n) { return p.step * (n - 1) + p.dilation * (p.ksize - 1) + 1; }

// Whether taps fall outside src (padding, or src shorter than the taps reach).
bool needs_frame(const CorrelationProblem& p) {
  return p.offset > 0 || frame_extent(p, p.h) > p.src_h || frame_extent(p, p.w) > p.src_w;
}

// n floats from `from` to `to` (not overlapping), in 8-float moves.
inline void copy_row(float* to, const float* from, int n) {
  constexpr int kChunk = 8;
  if (n < kChunk) {
    for (int j = 0; j < n; ++j) to[j] = from[j];
    return;
  }
  int j = 0;
  for (; j + kChunk <= n; j += kChunk) std::memcpy(to + j, from + j, kChunk * sizeof(float));
  if (j < n) std::memcpy(to + n - kChunk, from + n - kChunk, kChunk * sizeof(float));
}

}  // namespace

bool LaneCorrelation::applies(const CorrelationProblem& p, Isa isa) {
  const TileKernels& k = tile_kernels(isa);
  const int nb = (p.m + k.vl - 1) / k.vl;
  // (A 3x3 or larger kernel with a's channels in several blocks: the panel
  // GEMM. Even DCGAN's 128->3 layer, whose dw rows are 48 floats, was only
  // 10% faster in lane tiles at 1 thread and 15% slower at 2.)
  if (p.dilation > 2 || (p.ksize > kChannelRowsUpTo && nb > k.max_nb)) return false;
  if (!needs_frame(p)) return true;
  // With padding, src is copied into a zero-bordered frame once per call:
  // only where that copy is small beside the multiply-adds.
  const double frame = double(p.batch) * p.c * frame_extent(p, p.h) * frame_extent(p, p.w);
  const double fmas = double(p.batch) * p.h * p.w * p.c * p.ksize * p.ksize * nb;
  return frame <= fmas;
}

LaneCorrelation::LaneCorrelation(const CorrelationProblem& p, int threads, Isa isa)
    : p_(p), k_(&tile_kernels(isa)) {
  const int vl = k_->vl, widest = k_->max_nb * vl, kk = p.ksize * p.ksize;
  const size_t pixels = size_t(p.batch) * p.h * p.w;
  lanes_ = 0;
  for (int m0 = 0; m0 < p.m; m0 += widest) {
    const int valid = std::min(widest, p.m - m0), nb = (valid + vl - 1) / vl;
    blocks_.push_back({m0, nb, valid, pixels * lanes_});
    lanes_ += nb * vl;
  }
  const int most = k_->max_pixels[blocks_.front().nb];
  // Taps outside src: clipped per tile where src's channels fill a tile's
  // rows (one kernel column each), else a frame. (The 3x3/3 16->16 weight
  // gradient: its frame, 14,400 floats per call, cost about as much as
  // its 14,400 vector FMAs.)
  const bool outside = needs_frame(p);
  clipped_ = outside && p.c >= std::min(k_->max_rows, most);
  framed_ = outside && !clipped_;
  channel_rows_ = clipped_ || p.ksize <= kChannelRowsUpTo;
  fh_ = framed_ ? frame_extent(p, p.h) : p.src_h;
  fw_ = framed_ ? frame_extent(p, p.w) : p.src_w;
  prefetch_ = double(p.batch) * p.c * fh_ * fw_ * sizeof(float) > cpu_tuning().prefetch_input_bytes;
  // Tile shape: whole kernel rows where they fit (clipped: one column); as
  // many pixel rows as the widest block's registers then hold, split evenly.
  const int cols = clipped_ ? 1 : std::min({p.ksize, k_->max_cols, most});
  const int row_count = channel_rows_ ? p.c : p.ksize;
  const int rows = std::max(1, std::min({row_count, k_->max_rows, most / cols}));
  const auto row_groups = split(row_count, (row_count + rows - 1) / rows);
  const auto col_groups = split(p.ksize, (p.ksize + cols - 1) / cols);
  const ptrdiff_t plane = ptrdiff_t(fh_) * fw_, d = p.dilation;
  // Channel-major, blocks innermost: a tile's src lines are still in cache
  // for the next block's tile, and all of packed a stays in L2.
  auto add = [&](int c, int ky, int rn, int kx0, int cn) {
    for (int b = 0; b < int(blocks_.size()); ++b)
      tiles_.push_back({b, c * plane + d * (ky * fw_ + kx0), (size_t(c) * p.ksize + ky) * p.ksize + kx0, rn, cn,
                        k_->lookup(blocks_[b].nb, p.dilation, rn, cn), 0, 0, p.w});
  };
  const size_t src_image = size_t(p.c) * plane;
  // The pixels n of a whose taps at kernel offset k land inside src's `len`: [lo, hi).
  auto inside = [&](int k, int n, int len) {
    int lo = 0, hi = n;
    const int at = int(d) * k - p.offset;  // src index of pixel 0's tap
    while (lo < hi && at + p.step * lo < 0) ++lo;
    while (hi > lo && at + p.step * (hi - 1) >= len) --hi;
    return std::make_pair(lo, hi);
  };
  if (clipped_) {
    // Per ky, the rows (b, u) inside src (the ky offset in their src offset);
    // per tile, one kx and its columns v inside src (x and a start at v0).
    for (int ky = 0; ky < p.ksize; ++ky) {
      const auto [u0, u1] = inside(ky, p.h, p.src_h);
      tap_in_.emplace_back(), tap_idx_.emplace_back();
      for (int b = 0; b < p.batch; ++b)
        for (int u = u0; u < u1; ++u) {
          tap_in_.back().push_back(ptrdiff_t(b * src_image) + (ptrdiff_t(p.step) * u + d * ky - p.offset) * fw_);
          tap_idx_.back().push_back(b * p.h + u);
        }
    }
    for (auto [c0, rn] : row_groups)
      for (int ky = 0; ky < p.ksize; ++ky)
        for (int kx = 0; kx < p.ksize; ++kx) {
          const auto [v0, v1] = inside(kx, p.w, p.src_w);
          if (v0 == v1 || tap_in_[size_t(ky)].empty()) continue;  // no tap inside: dw gains nothing
          for (int b = 0; b < int(blocks_.size()); ++b)
            tiles_.push_back({b, c0 * plane + d * kx - p.offset + ptrdiff_t(p.step) * v0,
                              (size_t(c0) * p.ksize + ky) * p.ksize + kx, rn, 1,
                              k_->lookup(blocks_[b].nb, p.dilation, rn, 1), ky, v0, v1 - v0});
        }
  } else if (channel_rows_) {
    for (auto [c0, rn] : row_groups)
      for (int ky = 0; ky < p.ksize; ++ky)
        for (auto [kx0, cn] : col_groups) add(c0, ky, rn, kx0, cn);
  } else {
    for (int c = 0; c < p.c; ++c)
      for (auto [ky0, rn] : row_groups)
        for (auto [kx0, cn] : col_groups) add(c, ky0, rn, kx0, cn);
  }
  if (!clipped_) {
    tap_in_.emplace_back(), tap_idx_.emplace_back();
    for (int b = 0; b < p.batch; ++b)
      for (int u = 0; u < p.h; ++u) {
        tap_in_[0].push_back(ptrdiff_t(b * src_image) + ptrdiff_t(p.step) * u * fw_);
        tap_idx_[0].push_back(b * p.h + u);
      }
  }
  // A thread must get min_cycles_per_thread of work: the FMAs, and the
  // copies (a transposed, the frame) that run on the same threads.
  const CpuTuning& tune = cpu_tuning();
  const double copies = double(packed_floats()) + (framed_ ? double(p.batch) * p.c * plane : 0.0);
  const double cycles = double(pixels) * p.c * kk * (lanes_ / vl) / tune.fma_per_cycle + copies * tune.copy_cycles_per_float;
  threads_ = std::max(1, std::min({threads, int(tiles_.size()), int(cycles / tune.min_cycles_per_thread)}));
}

std::string LaneCorrelation::describe() const {
  const Block& b = blocks_.front();
  const Tile& t = tiles_.front();
  return "lane tiles " + std::string(isa_name(k_->isa)) + " (" + std::to_string(p_.m) + " channels: " +
         std::to_string(blocks_.size()) + (blocks_.size() > 1 ? " blocks of " : " block of ") + std::to_string(b.nb) +
         (b.nb > 1 ? " vectors; " : " vector; ") + std::to_string(t.rows) +
         (channel_rows_ ? " channels x " : " kernel rows x ") + std::to_string(t.cols) +
         (t.cols > 1 ? " columns per tile" : " column per tile") +
         (clipped_ ? ", taps clipped at src's edges" : framed_ ? ", src in a zero-bordered frame" : "") +
         (prefetch_ ? ", next tap's rows prefetched), " : "), ") +
         std::to_string(threads_) + (threads_ > 1 ? " threads" : " thread");
}

void LaneCorrelation::run(const float* a, const float* src, float* dw, float* ws, ThreadPool* pool) const {
  const CorrelationProblem& p = p_;
  const size_t hw = size_t(p.h) * p.w, rows_of_a = size_t(p.batch) * p.h;
  const int vl = k_->vl;
  if (framed_) {  // src into its zero-bordered frame: frame row i is src row i - offset
    float* frame = ws + packed_floats();
    const size_t planes = size_t(p.batch) * p.c, frame_plane = size_t(fh_) * fw_;
    // src column 0 is frame column `offset`, src row 0 frame row `offset`;
    // the frame may end before src does. A plane: one fill, then its rows
    // copied 8 floats at a time (fixed-size copies the compiler inlines, the
    // last one overlapping the one before): a fill and a copy call per row
    // were a third of the 3x3/3 16->16 weight gradient's time (28-float
    // rows) when it still ran framed.
    const int n = std::max(0, std::min(fw_ - p.offset, p.src_w));
    const int y0 = std::min(p.offset, fh_), y1 = std::max(y0, std::min(fh_, p.offset + p.src_h));
    parallel_for(pool, planes, [&, n, y0, y1](size_t q0, size_t q1) {
      const int offset = p.offset, src_w = p.src_w, fw = fw_;
      for (size_t q = q0; q < q1; ++q) {
        const float* from = src + q * p.src_h * p.src_w;
        float* f = frame + q * frame_plane;
        std::memset(f, 0, frame_plane * sizeof(float));
        for (int i = y0; i < y1; ++i) copy_row(f + size_t(i) * fw + offset, from + size_t(i - offset) * src_w, n);
      }
    }, std::max<size_t>(1, planes / size_t(threads_)));
    src = frame;
  }
  // a transposed, per block: [b][u][v][nb * vl], zero lanes past m; rows
  // [r0, r1) of blocks [b0, b1).
  auto pack = [&](size_t r0, size_t r1, size_t b0, size_t b1) {
    for (size_t bi = b0; bi < b1; ++bi) {
      const Block& bl = blocks_[bi];
      const int width = bl.nb * vl;
      for (size_t r = r0; r < r1; ++r) {
        const size_t b = r / p.h, u = r % p.h;
        const float* from = a + (b * p.m + bl.m0) * hw + u * p.w;
        float* to = ws + bl.pack_off + r * p.w * width;
        // Channel by channel: each reads one contiguous row of a, and the
        // row's packed copy (w x width floats) stays in L1. (Pixel by pixel,
        // the reads went hw floats apart: 4 KB for a 32x32 input, one L1 set.)
        for (int m = 0; m < bl.valid; ++m)
          for (int v = 0; v < p.w; ++v) to[size_t(v) * width + m] = from[m * hw + v];
        for (int v = 0; v < p.w; ++v) std::fill(to + size_t(v) * width + bl.valid, to + size_t(v + 1) * width, 0.f);
      }
    }
  };
  const size_t n_total = size_t(p.c) * p.ksize * p.ksize;
  const size_t dw_row = channel_rows_ ? size_t(p.ksize) * p.ksize : size_t(p.ksize);  // between a tile's rows
  TileCall call{};
  call.ic_stride = p.step;
  call.row_step = channel_rows_ ? ptrdiff_t(fh_) * fw_ : ptrdiff_t(p.dilation) * fw_;
  call.act = Activation::linear;
  call.y_oc_stride = ptrdiff_t(n_total), call.y_row_step = ptrdiff_t(dw_row), call.y_col_step = 1;
  call.accumulate = true;
  call.prefetch_input = prefetch_;
  auto run_tile = [&](TileCall& c, const Tile& t) {
    const Block& bl = blocks_[t.block];
    c.x = src + t.src_off;
    c.tap_in = tap_in_[size_t(t.taps)].data();
    c.tap_idx = tap_idx_[size_t(t.taps)].data();
    c.ntaps = int(tap_in_[size_t(t.taps)].size());
    c.in_c = t.vn;
    c.w = ws + bl.pack_off + size_t(t.v0) * bl.nb * vl;
    c.w_tap_stride = ptrdiff_t(p.w) * bl.nb * vl;
    c.oc_valid = bl.valid;
    c.y = dw + bl.m0 * n_total + t.dw_off;
    t.fn(c);
  };
  // Where the blocks of a's channels share out evenly, each thread packs
  // its own blocks and runs their tiles, in one dispatch: it reads only its
  // share of the packed a, and none that the other core wrote. (Packed by
  // rows on all threads, then tiles by channels of src, every thread read
  // every block: 740 KB for YOLO's 2x2/2 128->128 38x38 neck, 4 blocks,
  // most of a 1 MB L2, half of it written by the other core. It scaled
  // 1.54x on 2 threads; 0.55 -> 0.45 ms so, the 26x26 and 256->256 19x19
  // necks 5-10% faster, driver, alternated.)
  const int slots = pool ? std::min(pool->threads(), threads_) : 1;
  const size_t nblocks = blocks_.size();
  if (slots > 1 && nblocks % size_t(slots) == 0 && blocks_.back().nb == blocks_.front().nb) {
    pool->run(slots, [&](int s) {
      const size_t b0 = nblocks * size_t(s) / size_t(slots), b1 = nblocks * size_t(s + 1) / size_t(slots);
      pack(0, rows_of_a, b0, b1);
      TileCall c = call;
      for (const Tile& t : tiles_)
        if (size_t(t.block) >= b0 && size_t(t.block) < b1) run_tile(c, t);
    });
    return;
  }
  parallel_for(pool, rows_of_a, [&](size_t r0, size_t r1) { pack(r0, r1, 0, nblocks); },
               std::max<size_t>(1, rows_of_a / size_t(threads_)));
  const size_t grain = std::max<size_t>(1, tiles_.size() / size_t(threads_));
  parallel_for(pool, tiles_.size(), [&](size_t t0, size_t t1) {
    TileCall c = call;
    for (size_t i = t0; i < t1; ++i) run_tile(c, tiles_[i]);
  }, grain);
}

}  // namespace huge2
