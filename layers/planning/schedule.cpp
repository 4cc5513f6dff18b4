// DirectPlan's thread split: work items in a cache-friendly order, cut
// into one contiguous run per thread by estimated cost; and the input-channel
// chunks of a split K.
#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.h"
#include "planning/direct_plan.h"
#include "planning/tile_cost.h"

namespace huge2 {

// A tile's estimated cycles through block b (the split's weights).
double DirectPlan::tile_estimate(const Tile& t, const Block& b) const {
  const double k = double(tap_sets_[t.taps].idx.size()) * p_.in_c;
  if (scheme_ == Scheme::pixels)
    return pixel_tile_cycles(k, t.rows, t.cols, b.valid, col_phases_, k_->vl, p_.sx == 1, pixel_tap_cycles(isa_));
  if (scheme_ == Scheme::rows) return row_tile_cycles(double(p_.in_c), t.rows, t.cols, b.valid, p_.sx, k_->vl);
  if (scheme_ == Scheme::row_channels)
    return row_channel_tile_cycles(double(p_.in_c), t.cols, p_.sx, k_->vl, k_->rows_transposed);
  return tile_cycles(k, t.rows * t.cols, b.nb, k_->vl);  // no weight-stream bound: the split as it always was
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
  std::vector<std::pair<size_t, size_t>> phase_tiles;  // [first, last) of each phase in tiles_
  for (size_t first = 0; first < tiles_.size();) {
    size_t last = first;
    while (last < tiles_.size() && tiles_[last].phase == tiles_[first].phase) ++last;
    phase_tiles.push_back({first, last});
    first = last;
  }
  double block_weight_bytes = 0;
  for (const DirectPhase& q : p_.phases)
    block_weight_bytes += 4.0 * q.tap_entry.size() * p_.in_c * blocks_.front().width;
  // L1 chunks: phase by phase, each phase's chunk then serves a segment's tiles.
  interleave_ = !l1_chunks_ && block_weight_bytes <= cpu_tuning().interleave_bytes;
  constexpr size_t kRun = 4;  // tiles per item: fine enough to balance
  auto add = [&](int b, size_t from, size_t to) {
    Item it{b, from, to, 0.0};
    for (size_t j = from; j < to; ++j) it.cost += tile_estimate(tiles_[j], blocks_[b]);
    items_.push_back(it);
  };
  std::vector<std::pair<size_t, size_t>> runs;  // tile runs, in the order the phases take
  if (interleave_) {
    size_t most = 0;
    for (auto [f, l] : phase_tiles) most = std::max(most, l - f);
    for (size_t r = 0; r < most; r += kRun)
      for (auto [f, l] : phase_tiles)
        if (f + r < l) runs.push_back({f + r, std::min(l, f + r + kRun)});
  } else {
    for (auto [f, l] : phase_tiles)
      for (size_t r = f; r < l; r += kRun) runs.push_back({r, std::min(l, r + kRun)});
  }
  // Pixel tiles take every block over a run before the next run: their
  // blocks' weights are small (a few KB), and each block reads the same
  // input rows, which then come from L1/L2 for all but the first instead of
  // the whole frame passing once per block (erfnet's 16->19 output layer,
  // 3 blocks over a 4 MB frame: 5.3-5.6 ms either way at 1 thread, its
  // kernel being the limit there; the order costs nothing). Channel tiles
  // run block by block: their blocks' weights are what must stay cached.
  if (scheme_ == Scheme::pixels) {
    for (auto [f, l] : runs)
      for (int b = 0; b < int(blocks_.size()); ++b) add(b, f, l);
  } else {
    for (int b = 0; b < int(blocks_.size()); ++b)
      for (auto [f, l] : runs) add(b, f, l);
  }
  double total = 0;
  for (const Item& it : items_) total += it.cost * p_.batch;
  // A thread must get enough work to pay for waking it (a few microseconds):
  // tiny layers run on fewer threads than asked, never slower than on one.
  // The work is the larger of the compute and the weight stream from beyond
  // L2: a layer that is all weights (DCGAN's 1x1 -> 4x4 projection, 6.5 MB
  // for 3 MFLOP) reads them faster on more cores.
  double weight_bytes = 0;
  for (const DirectPhase& q : p_.phases)
    for (const Block& b : blocks_) weight_bytes += 4.0 * q.tap_entry.size() * p_.in_c * b.width;
  const CpuTuning& tuning = cpu_tuning();
  const double stream = weight_bytes > tuning.l2_weight_bytes ? weight_bytes / tuning.far_bytes_per_cycle : 0.0;
  const double work = std::max(total, stream);
  // Planned for workers that are awake (a network's layers run back to
  // back); run() falls back to cold_threads_ when the pool's are asleep.
  auto useful = [&](double min_cycles) {
    return std::max(1, std::min(threads_, int(std::min(1e6, work / min_cycles))));
  };
  if (!exact_threads_) {
    cold_threads_ = useful(tuning.min_cycles_per_thread);
    threads_ = useful(tuning.hot_cycles_per_thread);
  } else {
    cold_threads_ = threads_;
  }
  split_.assign(1, 0);
  double acc = 0;
  for (size_t i = 0; i < items_.size() && int(split_.size()) < threads_; ++i) {
    acc += items_[i].cost;
    if (acc >= total * double(split_.size()) / threads_) split_.push_back(i + 1);
  }
  while (int(split_.size()) <= threads_) split_.push_back(items_.size());
}

// Input-channel chunks for channel tiles whose weights per phase and block
// exceed L2's share (CpuTuning::chunk_weight_bytes), when each chunk then
// serves enough tiles to pay for re-reading the output once per chunk.
void DirectPlan::choose_k_chunk(std::optional<int> forced) {
  k_chunk_ = p_.in_c;
  if (scheme_ != Scheme::channels) return;
  if (forced) {
    if (*forced < 1 || *forced > p_.in_c)
      throw ShapeError("direct kernels: input-channel chunks of " + std::to_string(*forced) + " for " +
                       std::to_string(p_.in_c) + " input channels");
    k_chunk_ = *forced;
    return;
  }
  if (l1_chunks_) {  // a phase and block's weights for one chunk within CpuTuning::l1_weight_bytes
    const int width = blocks_.front().width;  // per input channel: at least one tap's weights
    const double per_channel = std::max(phase_block_bytes(width) / p_.in_c, 4.0 * width);
    k_chunk_ = std::clamp(int(cpu_tuning().l1_weight_bytes / per_channel), 1, p_.in_c);
    // Evenly: 128 channels of a 3x3 layer at AVX2's 28 a chunk go 5 x 26 (the last 24), not 4 x 28 + 16.
    const int chunks = (p_.in_c + k_chunk_ - 1) / k_chunk_;
    k_chunk_ = (p_.in_c + chunks - 1) / chunks;
    return;
  }
  const double bytes = phase_block_bytes(blocks_.front().width);
  const size_t tiles_per_phase = tiles_.size() / std::max<size_t>(1, p_.phases.size());
  if (bytes <= cpu_tuning().chunk_weight_bytes || tiles_per_phase < kMinChunkTiles) return;
  const int chunks = int(std::ceil(bytes / cpu_tuning().chunk_weight_bytes));
  k_chunk_ = (p_.in_c + chunks - 1) / chunks;
}

void DirectPlan::choose_image_order(std::optional<bool> forced, int pool_threads) {
  const double kernel_bytes = this->kernel_bytes();
  // The padded tiling then needs a frame per image: only while those frames
  // are smaller than the kernel whose passes they save.
  const double frames = 4.0 * double(padded_plane()) * p_.in_c * p_.batch;
  images_inside_ = p_.batch > 1 && (forced ? *forced
                                           : kernel_bytes > cpu_tuning().batch_weight_bytes &&
                                                 (tiling_ == Tiling::exact || frames <= kernel_bytes));
  const double frame = 4.0 * double(padded_plane()) * p_.in_c;
  thread_frames_ = tiling_ == Tiling::padded && !images_inside_ && threads_ > 1 &&
                           frame <= cpu_tuning().thread_frame_bytes
                       ? pool_threads
                       : 0;
}

}  // namespace huge2
