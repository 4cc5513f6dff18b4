// Host-callable launchers of the backend's kernels (phase_kernel.cu,
// column_kernels.cu). Internal: the operators in huge2_cuda.h call these.
// Every launcher checks the launch and throws CudaError.
#pragma once
#include <cuda_runtime_api.h>

#include "column_math.h"
#include "gemm_plan.h"
#include "phase_plan.h"

namespace huge2::cuda::detail {

// Blocks of `threads` for a grid-stride loop over `count` elements: one
// element per thread up to 65535*16 blocks, grid-stride beyond that.
inline unsigned grid_stride_blocks(long long count, int threads = kThreads) {
  const long long b = (count + threads - 1) / threads;
  return unsigned(b < 65535 * 16 ? b : 65535 * 16);
}

// The huge2 phase kernel over all phases and images of a plan.
void launch_phase_kernel(const LaunchPlan& plan, const float* x, const float* packed_w, float* y,
                         const PhaseDesc* device_phases, cudaStream_t stream);
// Packs one phase of transposed weights (deconv_pack_source) into packed + q.w_offset.
void launch_pack_deconv(const float* w, float* packed, int in_c, int out_c, int k, int s, const PhaseDesc& q,
                        cudaStream_t stream);
// Packs convolution weights (conv_pack_source).
void launch_pack_conv(const float* w, float* packed, int in_c, int out_c, int k, cudaStream_t stream);

// The huge2 GEMM kernel over all phases and images of a plan; with a K
// split it writes the split slices to `workspace` (plan.workspace_bytes) and
// adds them into y.
void launch_gemm_kernel(const GemmPlan& plan, const float* x, const float* packed_w, const GemmTap* taps,
                        const GemmPhase* phases, float* y, float* workspace, cudaStream_t stream);
// Packs every phase of `layout` (pack_gemm_host); taps: the layout's table on the device.
void launch_pack_gemm(const float* w, float* packed, const GemmTap* taps, const GemmLayout& layout, int out_c,
                      cudaStream_t stream);

// darknet: one image's col2im gather into y (overwritten), and im2col.
void launch_col2im(const Col2imParams& p, const float* col, float* y, cudaStream_t stream);
void launch_im2col(const Im2colParams& p, const float* x, float* col, cudaStream_t stream);

void launch_bias_activation(float* y, const float* bias, int batch, int channels, int spatial, Activation act,
                            cudaStream_t stream);

}  // namespace huge2::cuda::detail
