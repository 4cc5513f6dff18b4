// The untangled operators' plan: the geometry of one transposed or
// (dilated) convolution cut into output tiles for the direct micro-kernels,
// decided once at construction; run() only walks it.
//
// A problem is a set of sub-problems ("phases"): the s*s stride phases of a
// transposed convolution, or the whole output of a convolution (the d*d
// dilation sub-images need no gather: a dilated tap is an input offset).
// Every pixel (u, v) of a phase is a dense sum over input channels and the
// phase's taps; tap t reads input (tap_y[t] + ystep*u, tap_x[t] + xstep*v)
// and multiplies kernel entry tap_entry[t].
//
// Border taps (those that fall outside the input) are skipped, by one of two
// tilings chosen per operator by a cost estimate:
//   exact:  pixels are grouped by which taps they can use, and tiles never
//           straddle a group, so the kernels read the input in place (no
//           workspace) and multiply no zero;
//   padded: the input is copied once per image into a zero-bordered buffer
//           (O(input)), tiles span whole small images (DCGAN's 4x4 and 8x8
//           phases) so that each weight block streams through the kernel
//           fewer times; a tap is still skipped where it misses the whole tile.
//
// Two schemes put different things in the vector lanes:
//   channels: output channels (oneDNN's scheme), tiles of R x C pixels by NB
//             channel vectors; the default;
//   pixels:   VL consecutive pixels of a phase row, tiles of R rows by up to
//             8 output channels, weights broadcast: for few output channels
//             (an RGB output layer fills 3 of 16 channel lanes), always on
//             the padded frame; input step 1, or 2 on a frame that holds
//             each input channel's 2x2 stride phases apart (split_frame_:
//             a stride-2 convolution's tap then reads consecutive floats of
//             one of them; the data gradient of an RGB-output transposed
//             convolution is one, into many channels); of a stride-2
//             transposed convolution, both column phases of a row in one
//             tile, interleaved in registers into whole output rows
//             (column_phase_problem());
//   rows:     stride = kernel transposed convolutions (s = 2, 4, 8, pad 0:
//             one tap per output pixel): VL input columns in the vector, all
//             s column phases of a kernel row in one tile, interleaved in
//             registers into whole output rows (row_kernel_impl.h);
//   row_channels: the same row problem with output channels in the vector:
//             VL/s input pixels by all s column phases per tile, s*VL/s
//             consecutive output floats per channel, which go out as
//             vectors after a transpose in registers (row_channel_kernel;
//             the input read in place: the exact tiling).
// The estimate chooses.
#pragma once
#include <algorithm>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/epilogue.h"
#include "planning/problem.h"
#include "runtime/isa.h"
#include "runtime/thread_pool.h"
#include "ukernels/tile_kernel.h"

namespace huge2 {

// The problem of a stride = kernel transposed convolution (s = 2, 4, 8, pad
// 0) as the phase-row kernels take it: one phase per kernel row, whose taps
// are the s column phases in order; none for any other problem.
std::optional<DirectProblem> phase_row_problem(const DirectProblem& p);

// The problem of a stride-2 transposed convolution (unit input steps) as the
// interleaving pixel tiles take it: one phase per output row phase, whose
// taps are those of its column phases 0 then 1 (DirectPhase::tap_col), all
// read at the same pixel (u, v), which lands at output column 2v + the
// tap's column phase; none for any other problem.
std::optional<DirectProblem> column_phase_problem(const DirectProblem& p);

// The input steps pixel tiles take: 1, or 2 both ways (on the split frame,
// DirectPlan::split_frame_).
inline bool pixel_input_steps(const DirectProblem& p) { return p.xstep == 1 || (p.xstep == 2 && p.ystep == 2); }

class DirectPlan {
 public:
  enum class Tiling { exact, padded };
  enum class Scheme { channels, pixels, rows, row_channels };

  // Choices the planner otherwise makes by its cost estimate (for tests and
  // experiments).
  struct Options {
    std::optional<Tiling> tiling;
    std::optional<Scheme> scheme;
    std::optional<int> block_vectors;  // channels: output-channel vectors per tile, 1 .. the ISA's max
    std::optional<int> pixel_channels; // pixels, rows: output channels per block, 1 .. the ISA's max
    bool exact_threads = false;        // use `threads` even for tiny work
    std::optional<int> k_chunk;        // channels: input channels per chunk of a split K, 1 .. in_c
    std::optional<bool> images_inside; // the batch inside each block (see images_inside_)
    std::optional<int> column_phases;  // pixels: 1 (a phase's row), or 2 (the two column phases of a
                                       // stride-2 row interleaved; column_phase_problem())
    std::optional<bool> aligned_columns;  // channels: rows wider than a tile cut into tiles of whole
                                          // transposed rows (true) or evenly (false)
    std::optional<bool> l1_chunks;        // channels, input steps 1 and 2: input channels in L1-sized
                                          // chunks on the channel-row frame (see l1_chunks_)
  };

  // threads: how many threads run() is planned for (the partition into
  // per-thread ranges is fixed here); fewer when the work is too small to
  // pay for them.
  DirectPlan(const DirectProblem& problem, const WeightAt& weight, const Epilogue& epilogue, int threads,
             Isa isa, const Options& options);
  DirectPlan(const DirectProblem& problem, const WeightAt& weight, const Epilogue& epilogue, int threads, Isa isa)
      : DirectPlan(problem, weight, epilogue, threads, isa, Options{}) {}

  Isa isa() const { return isa_; }
  Tiling tiling() const { return tiling_; }
  Scheme scheme() const { return scheme_; }
  int column_phases() const { return col_phases_; }
  bool split_frame() const { return split_frame_; }
  // Pixel tiles read up to VL - 1 floats past the frame's last one: slack
  // (after each thread's own frame, thread_frames_).
  size_t workspace_bytes() const {
    if (tiling_ != Tiling::padded) return 0;
    if (thread_frames_ > 0) return sizeof(float) * (padded_plane() * p_.in_c + slack()) * size_t(thread_frames_);
    const size_t frames = images_inside_ ? size_t(p_.batch) : 1;
    return sizeof(float) * (padded_plane() * p_.in_c * frames + slack());
  }
  // Threads that each fill a frame of their own (0: one frame for all).
  int thread_frames() const { return thread_frames_; }
  size_t packed_weight_bytes() const { return packed_.size() * sizeof(float); }
  size_t tile_count() const { return tiles_.size(); }
  // Input channels per chunk: in_c unless the sums are split (see k_chunk_).
  int k_chunk() const { return k_chunk_; }
  bool l1_chunks() const { return l1_chunks_; }
  bool images_inside() const { return images_inside_; }
  // e.g. "direct avx512f, exact tiling, 4 phases, 96 tiles, 2 threads"
  std::string describe() const;

  // Replaces the weights and epilogue (a reload: .weights, batch-norm) in
  // the same plan: the tiling, tap lists and thread split are not redone.
  void set_weights(const WeightAt& weight, const Epilogue& epilogue);
  void set_weights(const WeightView& weight, const Epilogue& epilogue);

  // Calls put(ic, oc, e, w) for every weight the plan holds; false (and no
  // call) unless every kernel entry 0 .. entries-1 is in some phase, i.e.
  // unless the packed weights are the whole kernel.
  bool unpack(int entries, const std::function<void(int ic, int oc, int e, float w)>& put) const;
  // True when every kernel entry 0 .. entries-1 is in some phase.
  bool covers(int entries) const;

  // x: batch x in_c x in_h x in_w; y: batch x out_c x out_h x out_w;
  // workspace: workspace_bytes() (may be null when that is 0). The planned
  // ranges run on `pool` (null: all on the calling thread); a pool smaller
  // than the plan gets the ranges merged, and so does a pool whose workers
  // sleep when the work would not repay waking them (cold_threads_). The
  // output does not depend on the threads: each tile is summed in the same
  // order on any of them.
  void run(const float* x, float* y, float* workspace, ThreadPool* pool = nullptr) const;
  int threads() const { return threads_; }

 private:
  struct Block {  // output channels [oc0, oc0 + valid), nb vectors wide (pixels: nb 1)
    int oc0, nb, valid;
    int width;      // floats per (tap, input channel) in its packed weights: nb*vl, or valid
    size_t ep_off;  // its scale/shift in the padded epilogue arrays
  };
  struct Tile {
    int phase, rows, cols, taps;  // taps: index into tap_sets_
    int u0, v0;                   // its first pixel in the phase
    ptrdiff_t in_off, y_off;      // from the input origin / the output image
    TileFn fn[kMaxTileNb];        // by nb - 1: the kernel for a block of nb vectors
  };
  struct TapSet {
    std::vector<ptrdiff_t> in_off;
    std::vector<int> idx;
    std::vector<int> col_end;  // column phases interleaved: taps [col_end[p], col_end[p+1]) serve phase p
  };
  struct Item {  // a run of tiles of one phase through one channel block
    int block;
    size_t tile_begin, tile_end;
    double cost;
    int row_begin = 0, row_end = 0;  // the frame rows its tiles read (row_fills_)
  };

  // An input channel's frame: one zero-bordered plane, or (split_frame_)
  // four, its stride phases (0, 0), (0, 1), (1, 0), (1, 1) one after the other.
  size_t padded_plane() const { return size_t(pad_h_) * pad_w_ * (split_frame_ ? 4 : 1); }
  // Where a tap of input offset (ty, tx) starts in the chosen frame.
  ptrdiff_t tap_offset(int ty, int tx) const;
  size_t slack() const { return scheme_ == Scheme::channels || scheme_ == Scheme::row_channels ? 0 : size_t(k_->vl); }
  void make_blocks(int nb);
  void make_pixel_blocks(int oc);
  // aligned: rows wider than a tile are cut into tiles of whole transposed
  // rows (vl wide, or TileKernels::two_pass_cols), else evenly.
  void plan_tiles(Tiling t, bool aligned, std::vector<Tile>& tiles, std::vector<TapSet>& sets, double& cost);
  void plan_pixel_tiles(std::vector<Tile>& tiles, std::vector<TapSet>& sets, double& cost);
  // The tiling helpers shared by the schemes: the index of a phase's tap
  // list in `sets` (added when new), and the taps of phase q that reach a
  // tile of rows [u0, u0 + rows) x columns [v0, v0 + cols) at all.
  using TapSetIndex = std::map<std::pair<int, std::vector<int>>, int>;
  static int tap_set(TapSetIndex& index, std::vector<TapSet>& sets, int phase, std::vector<int> taps);
  std::vector<int> taps_reaching(const DirectPhase& q, int u0, int rows, int v0, int cols) const;
  void plan_row_tiles(std::vector<Tile>& tiles, std::vector<TapSet>& sets, double& cost);
  void plan_row_channel_tiles(std::vector<Tile>& tiles, std::vector<TapSet>& sets, double& cost);
  double tile_estimate(const Tile& t, const Block& b) const;
  void pack(const WeightAt& weight, const Epilogue& epilogue);
  template <class Get>
  void pack_weights(const Get& weight, bool has_weights, const Epilogue& epilogue);  // packing.cpp
  void finish_epilogue(const Epilogue& epilogue);  // the activation, scale and shift, after the weights
  void partition();
  void choose_k_chunk(std::optional<int> forced);  // schedule.cpp
  // The batch inside the blocks or image by image, and the frames per thread;
  // pool_threads: the threads the plan was asked for.
  void choose_image_order(std::optional<bool> forced, int pool_threads);  // schedule.cpp
  // The largest phase's packed weights for one channel block `width` floats
  // wide (every tap's in_c x width): what a tile of that block streams.
  double phase_block_bytes(int width) const {
    size_t taps = 0;
    for (const DirectPhase& q : p_.phases) taps = std::max(taps, q.tap_entry.size());
    return 4.0 * double(taps) * p_.in_c * width;
  }
  // The whole kernel's bytes as the phases of p_ take it (every tap's in_c x out_c weights).
  double kernel_bytes() const {
    double bytes = 0;
    for (const DirectPhase& q : p_.phases) bytes += 4.0 * q.tap_entry.size() * p_.in_c * p_.out_c;
    return bytes;
  }
  // A split K's segments: at most this many tiles run through one chunk
  // before the next chunk (their output, re-read per chunk, stays in L2);
  // and a split needs at least kMinChunkTiles tiles per phase to share it.
  static constexpr size_t kSegmentTiles = 64, kMinChunkTiles = 32;
  void run_items(size_t begin, size_t end, const float* origin, float* y, int images, size_t in_img,
                 size_t out_img) const;
  void pad_input(const float* x, float* ws, int c0, int c1) const;
  // Frame row r of one channel at dst (pad_w_ floats, either frame): its
  // input row (src: the channel's plane) between zero borders, or zeros
  // where the input has no row r - pad_top_.
  void pad_row(const float* src, float* dst, int r) const;
  // Frame rows [r0, r1) of every channel (pad_input's frame, not L1 chunks').
  void pad_rows(const float* x, float* ws, int r0, int r1) const;
  // row_fills_: the frame rows each item reads.
  void find_item_rows();
  void split_input(const float* x, float* ws, int c0, int c1) const;  // the split frame's pad_input

  DirectProblem p_;
  Isa isa_;
  const TileKernels* k_;
  int threads_;
  int cold_threads_ = 1;  // the threads the work pays for when the pool's workers must be woken first
  bool exact_threads_;
  bool cold_weights_ = false;  // the kernel exceeds L2: each phase and block's first tile prefetches
  Tiling tiling_ = Tiling::exact;
  Scheme scheme_ = Scheme::channels;
  int col_phases_ = 1;  // pixels: column phases per tile (2: p_ is a column_phase_problem)
  // Pixel tiles of input step 2 (a stride-2 convolution): the frame holds
  // each input channel's four stride phases apart, zero-bordered alike
  // (pad_* are one phase's), and a tile's pixel (u, v) reads phase
  // (ty & 1, tx & 1) of tap (ty, tx) at (u + floor(ty/2), v + floor(tx/2)):
  // VL consecutive floats, as the pixel kernels take them.
  bool split_frame_ = false;
  int pad_top_ = 0, pad_left_ = 0, pad_h_ = 0, pad_w_ = 0;  // padded tiling's input frame
  ptrdiff_t pitch_ = 0, plane_ = 0;                          // input row and plane, in the chosen frame
  std::vector<Block> blocks_;
  std::vector<size_t> w_off_;   // [phase * blocks + block]: packed [tap][in_c][nb*vl]
  std::vector<float> packed_;
  std::vector<float> scale_, shift_;  // padded per block; empty when identity
  Activation act_ = Activation::linear;
  std::vector<Tile> tiles_;
  std::vector<TapSet> tap_sets_;
  std::vector<Item> items_;
  std::vector<size_t> split_;   // thread i runs items [split_[i], split_[i+1])
  bool interleave_ = false;     // items alternate between phases (see partition())
  bool has_weights_ = false;    // false: a plan for the shapes only
  // Input steps 3, 4 and 8, and the phase rows: weights packed
  // [in_c][tap][width] per phase and block, for the kernels' channel-outer
  // loop (tile_kernel_impl.h; row_kernel_impl.h, whose taps are the s
  // column phases).
  bool channel_major_ = false;
  // Channel tiles of input steps 3, 4 and 8 on an input larger than
  // CpuTuning::prefetch_input_bytes: each tap prefetches its lines in the
  // next input channel (TileCall::prefetch_input).
  bool prefetch_input_ = false;
  // Channel tiles: the sums over input channels run in chunks of k_chunk_
  // (all in_c unless a phase and block's weights exceed
  // CpuTuning::chunk_weight_bytes and enough tiles share them): each chunk's
  // weights stay in L2 while a run of tiles streams through them, and the
  // kernels add the later chunks to the output (TileCall::accumulate). The
  // segmentation nets' 512-channel 3x3 layers streamed 590 KB per tile.
  int k_chunk_ = 0;
  // Channel tiles of input steps 1 and 2, L1 blocking: the chunks are sized
  // so that one phase and block's weights for a chunk stay in L1
  // (CpuTuning::l1_weight_bytes) over a segment of kL1SegmentTiles tiles,
  // which then runs chunk by chunk, phase by phase, each tile's sums kept
  // between chunks in a buffer of its own ([pixel][NB*VL], vector loads and
  // stores: TileCall::partial) rather than added to the strided output.
  // The frame (padded tiling) holds each input row of every channel one
  // after another (plane_ = one padded row, pitch_ = in_c of them), so a
  // tap's pass over a chunk reads consecutive lines: planes 1 KB or 4 KB
  // apart, as NCHW puts them, fell into a few L1 sets. Each tile streamed
  // its whole weight block from L2 before, and the input lines a tap pass
  // read were gone by the next tap: cachegrind counted 3.1x the stock
  // method's D1 misses on DCGAN's 256->128 layer (0.45x with the chunks).
  bool l1_chunks_ = false;
  static constexpr size_t kL1SegmentTiles = 16;
  size_t tile_floats_ = 0;  // the largest tile's sums, rows x cols x NB*VL (l1_chunks_)
  // A batch runs image by image through all the tiles, or, when the kernel
  // is too large to stay cached from one image to the next
  // (CpuTuning::batch_weight_bytes), every image through each segment in
  // turn: the weights leave memory once a batch, not once an image. The
  // padded tiling then fills a frame per image first (workspace_bytes()
  // grows by the batch), when the frames are smaller than the kernel.
  bool images_inside_ = false;
  // Image by image on several threads, each thread fills a frame of its own
  // (one per thread of the pool the plan is made for), where a frame is at
  // most CpuTuning::thread_frame_bytes: with one frame for all, each thread
  // filled half and every tile read both halves, so a core's lines went to
  // the other core and were taken back on the next fill: DCGAN 128->3 (a
  // 592 KB frame, 78 us at 1 thread) ran 0.105 ms at 2 threads, its frame
  // fill 4x slower per thread than the whole fill on one.
  int thread_frames_ = 0;
  // With a frame per thread (one image at a time, pad_input's frame), each
  // thread fills only the rows its items read (Item::row_begin, row_end),
  // as they come: the threads' row bands overlap by the taps' reach only.
  // Each had filled the whole frame (DCGAN 128->3's 592 KB): 2 threads ran
  // that layer 0.079-0.083 ms, now 0.071-0.074 (1 thread: 0.131; driver,
  // six alternations). Not for the split frame or the L1 chunks' layout.
  bool row_fills_ = false;
  // Where weight (tap t, input channel ic) of a phase with `taps` taps starts
  // in its phase and block's packed weights.
  // L1 chunks: chunk by chunk, [tap][channel of the chunk][width] in each,
  // so that a chunk's weights are one run (tap-major over all in_c, a 3x3
  // layer's nine taps 8 KB apart fell into the same few L1 sets).
  size_t packed_at(size_t t, int ic, size_t taps, int width) const {
    if (l1_chunks_) {
      const int c0 = ic / k_chunk_ * k_chunk_, len = std::min(k_chunk_, p_.in_c - c0);
      return (size_t(c0) * taps + t * size_t(len) + size_t(ic - c0)) * size_t(width);
    }
    return (channel_major_ ? size_t(ic) * taps + t : t * p_.in_c + ic) * size_t(width);
  }
};

}  // namespace huge2
