// A weight gradient (correlation_plan.h's problem) with a's channels in the
// vector lanes, on the direct tile kernels (the ReID tracker's 4x4/4 and
// 8x8/8 transposed convolutions, YOLO's 2x2/2 necks, 1x1 convolutions, and
// layers with few channels on a's side):
//
//   dw[m][(c*k + ky)*k + kx] += sum over b, u, v of a[b][m][u][v] * src[b][c][step*u + d*ky][step*v + d*kx]
//
// read as a direct convolution: its "output pixels" are a block of dw's
// (c, ky, kx), its "taps" the rows (b, u) of a and its "input channels" the
// columns v, so a tile broadcasts src in place (input step d, channel step
// `step`) against a's channels packed [block][b][u][v][lanes] (a transposed
// once per call, O(a)) and keeps its block of dw in registers over all
// pixels. A tile's pixel rows are kernel rows ky (k >= 3: rows d*src_w
// apart) or, for 1x1 and 2x2 kernels, channels c (rows a src plane apart),
// so that a tile still holds enough (c, ky, kx) to keep the FMAs busy.
//
// Taps that reach outside src (padding) are clipped where src has a tile's
// rows of channels: tiles of one kernel column (kx) by channel rows, each
// with the rows (b, u) and columns v whose taps stay inside src. Else they
// read a zero-bordered copy of src, made once per call, where that copy is
// small beside the multiply-adds.
//
// The panel GEMM instead gathers src into panels for every K block, runs of
// k floats at a time: with 30 rows of a (ReID) or runs of 2 floats (2x2
// kernels) that gather cost a third of its time.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "planning/correlation_plan.h"
#include "runtime/thread_pool.h"
#include "ukernels/tile_kernel.h"

namespace huge2 {

class LaneCorrelation {
 public:
  // True when this plan takes the problem: dilation a supported input
  // step; a kernel of 1x1 or 2x2, or a's channels in one block of the
  // ISA's widest tile (a 3x3 and larger kernel with many channels is a GEMM
  // the panel gather costs little in); and, where taps reach outside src,
  // a frame of no more floats than multiply-adds.
  static bool applies(const CorrelationProblem& p, Isa isa);

  // threads: at most this many run (fewer when the work is small).
  LaneCorrelation(const CorrelationProblem& p, int threads, Isa isa);

  size_t workspace_floats() const {
    return packed_floats() + (framed_ ? size_t(p_.batch) * p_.c * fh_ * fw_ : 0);
  }
  // e.g. "lane tiles avx512f (30 channels: 1 block of 2 vectors; 2 kernel rows x 4 columns per tile, next
  // tap's rows prefetched), 2 threads"
  std::string describe() const;
  // dw += the gradient; `ws` holds workspace_floats().
  void run(const float* a, const float* src, float* dw, float* ws, ThreadPool* pool) const;

 private:
  struct Block {  // a's channels [m0, m0 + valid), nb vectors; its packed a at pack_off
    int m0, nb, valid;
    size_t pack_off;
  };
  struct Tile {
    int block;
    ptrdiff_t src_off;  // from a src image's origin to the tile's first (c, ky, kx) at column v0
    size_t dw_off;      // its first (c, ky, kx) in dw's row
    int rows, cols;
    TileFn fn;
    int taps;           // its rows (b, u) of a: tap_in_[taps], tap_idx_[taps]
    int v0, vn;         // its columns v of a: [v0, v0 + vn)
  };
  size_t packed_floats() const { return size_t(p_.batch) * p_.h * p_.w * lanes_; }

  CorrelationProblem p_;
  const TileKernels* k_;
  bool channel_rows_;      // tile rows are channels (else kernel rows)
  bool clipped_;           // taps reach outside src: tiles of one kx keep the (b, u) and v inside it
  bool framed_;            // taps reach outside src: src goes into a zero-bordered frame first
  bool prefetch_;          // src is larger than L2: tiles prefetch each next tap's rows (tuning.h)
  int fh_ = 0, fw_ = 0;    // the frame (src itself when not framed)
  int lanes_, threads_;
  std::vector<Block> blocks_;
  std::vector<Tile> tiles_;
  // Lists of rows (b, u) of a (one list; clipped, one per ky): each row's
  // src offset and its index in the packed a.
  std::vector<std::vector<ptrdiff_t>> tap_in_;
  std::vector<std::vector<int>> tap_idx_;
};

}  // namespace huge2
