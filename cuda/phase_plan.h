// Host-side planning of the huge2 phase kernel (pure C++, no CUDA headers):
// the phases of a transposed or dilated convolution, the choice of tile
// shape and tile, and host versions of the weight packing. Used by the
// operators and by the CPU emulation test.
#pragma once
#include <vector>

#include "phase_tiling.h"
#include "core/shapes.h"

namespace huge2::cuda::detail {

// Transposed convolution: the stride*stride phases (ry major, rx minor).
std::vector<PhaseDesc> deconv_phases(const DeconvShape& s);
// Dilated convolution with stride 1: the dilation*dilation sub-images (one
// phase, the whole image, when dilation is 1). Requires s.stride == 1.
std::vector<PhaseDesc> conv_phases(const ConvShape& s);

struct LaunchPlan {
  int tile = -1;             // index into kTileInfos; -1: no tile shape fits shared memory
  PhaseParams params;        // pointers left null
  long long blocks_x = 0;    // grid.x
  int blocks_y = 0;          // grid.y
  size_t smem_bytes = 0;
};

// Plans the launch over `phases` (all images of the batch). `forced_tile`
// -1 picks the tile shape by a simple model (useful outputs, blocks to fill
// `sm_count` SMs, arithmetic intensity); 0..3 forces one when it fits (and
// otherwise picks as for -1).
LaunchPlan plan_phase_launch(const std::vector<PhaseDesc>& phases, int batch, int in_c, int in_h, int in_w, int out_c,
                             int out_h, int out_w, int in_step, int out_step, int forced_tile, int sm_count);

// Host packing (the device kernels pack the same way): transposed weights
// [in_c][out_c][k][k] to per-phase [c][tap][n] with reversed taps;
// convolution weights [out_c][in_c][k][k] to [c][j][i][n].
std::vector<float> pack_deconv_host(const DeconvShape& s, const std::vector<PhaseDesc>& phases, const float* w);
std::vector<float> pack_conv_host(const ConvShape& s, const float* w);
// Floats of the packed transposed weights (the same as the unpacked count).
size_t packed_deconv_floats(const DeconvShape& s, const std::vector<PhaseDesc>& phases);

}  // namespace huge2::cuda::detail
