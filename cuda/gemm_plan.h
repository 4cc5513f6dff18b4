// Host-side planning of the huge2 GEMM kernel (gemm_tiling.h; pure C++, no
// CUDA headers): each phase's tap table, the packed weights' layout, the
// tile shape and K split. Used by the operators and the CPU emulation test.
#pragma once
#include <vector>

#include "core/shapes.h"
#include "gemm_tiling.h"

namespace huge2::cuda::detail {

// The phases of one layer as GEMMs, with their tap tables.
struct GemmLayout {
  std::vector<GemmPhase> phases;
  std::vector<GemmTap> taps;  // every phase's rows, at its t_offset
  int in_step = 1, out_step = 1;
  int m_pad = 0;             // packed A's row length: out_c rounded up to kGemmMPad
  int m_stride = 0;          // unpacked weights: the step from output channel m to m + 1
  size_t packed_floats = 0;  // packed A, all phases
};

// Transposed convolution: the stride*stride phases (ry major, rx minor), each
// reading only its own taps, reversed.
GemmLayout deconv_gemm_layout(const DeconvShape& s);
// Convolution (any stride and dilation): one GEMM over all output pixels,
// taps at dilated offsets.
GemmLayout conv_gemm_layout(const ConvShape& s);

struct GemmPlan {
  int tile = -1;  // index into kGemmTileInfos
  GemmParams params;  // pointers left null
  GemmGrid grid;
  size_t workspace_bytes = 0;  // split slices (0 without a split)
};

// Picks the tile shape and K split by a cost model (padded work, blocks per
// SM against what fills one, the split's extra pass over the output);
// forced_tile 0..kGemmTiles-1 and forced_splits >= 1 force them.
GemmPlan plan_gemm(const GemmLayout& layout, int batch, int in_c, int in_h, int in_w, int out_c, int out_h, int out_w,
                   int forced_tile, int forced_splits, int sm_count);

// Host packing (the device kernel packs the same way): phase q's A[kk][m] at
// w_offset + kk*m_pad + m is w[taps[kk].wsrc + m*m_stride], 0 for padding.
std::vector<float> pack_gemm_host(const GemmLayout& layout, int out_c, const float* w);

}  // namespace huge2::cuda::detail
