// The huge2 kernel: one tiled dense correlation per phase (transposed
// convolution) or dilation sub-image (dilated convolution), written straight
// to the interleaved outputs. The index math is in phase_tiling.h, shared
// with the CPU emulation test; this file is the CUDA shell around it.
#include <string>

#include "cuda_error.h"
#include "kernels.h"

namespace huge2::cuda::detail {
namespace {

template <class T>
__global__ void __launch_bounds__(kThreads) phase_kernel(PhaseParams P) {
  extern __shared__ float4 smem_raw[];  // float4: the weights slice is 16-byte aligned
  float* sx = reinterpret_cast<float*>(smem_raw);
  float* sw = sx + smem_weight_offset(P);
  const BlockGeom g = block_geom(P, T::kTn, blockIdx.x, blockIdx.y);
  if (!g.active) return;  // uniform over the block: before any __syncthreads
  const int tid = threadIdx.x;
  float acc[T::kRn][T::kRp];
HUGE2_UNROLL
  for (int rn = 0; rn < T::kRn; ++rn)
HUGE2_UNROLL
    for (int rp = 0; rp < T::kRp; ++rp) acc[rn][rp] = 0.f;
  if (has_taps(g)) {  // a phase without taps (k < stride) just writes zeros
    int off[T::kRp];
    pixel_offsets<T>(P, g, tid, off);
    const int per = g.pr * g.pc, taps = g.ph.taps_h * g.ph.taps_w;
    for (int c0 = 0; c0 < P.in_c; c0 += P.cc) {
      const int cn = min(P.cc, P.in_c - c0);
      for (int e = tid; e < cn * per; e += kThreads) sx[e] = patch_element(P, g, c0, e);
      for (int e = tid; e < cn * taps * T::kTn; e += kThreads) sw[e] = weight_element(P, g, T::kTn, c0, e);
      __syncthreads();
      accumulate<T>(sx, sw, g, cn, tid, off, acc);
      __syncthreads();
    }
  }
  store<T>(P, g, tid, acc);
}

__global__ void pack_deconv_kernel(const float* __restrict__ w, float* __restrict__ packed, int count, int out_c,
                                   int k, int s, PhaseDesc q) {
  for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < count;
       e += (long long)gridDim.x * blockDim.x)
    packed[q.w_offset + e] = w[deconv_pack_source(int(e), out_c, k, s, q)];
}

__global__ void pack_conv_kernel(const float* __restrict__ w, float* __restrict__ packed, int count, int in_c,
                                 int out_c, int k) {
  for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < count;
       e += (long long)gridDim.x * blockDim.x)
    packed[e] = w[conv_pack_source(int(e), in_c, out_c, k)];
}

}  // namespace

void launch_phase_kernel(const LaunchPlan& plan, const float* x, const float* packed_w, float* y,
                         const PhaseDesc* device_phases, cudaStream_t stream) {
  if (plan.blocks_x > 0x7fffffffLL || plan.blocks_y > 65535)
    throw CudaError("huge2 phase kernel: grid of " + std::to_string(plan.blocks_x) + " x " +
                    std::to_string(plan.blocks_y) + " blocks is too large");
  PhaseParams P = plan.params;
  P.x = x, P.w = packed_w, P.y = y, P.phases = device_phases;
  const dim3 grid(unsigned(plan.blocks_x), unsigned(plan.blocks_y));
  switch (plan.tile) {
    case 0: phase_kernel<Tile64x64><<<grid, kThreads, plan.smem_bytes, stream>>>(P); break;
    case 1: phase_kernel<Tile32x32><<<grid, kThreads, plan.smem_bytes, stream>>>(P); break;
    case 2: phase_kernel<Tile4x256><<<grid, kThreads, plan.smem_bytes, stream>>>(P); break;
    case 3: phase_kernel<Tile4x64><<<grid, kThreads, plan.smem_bytes, stream>>>(P); break;
    default: throw CudaError("huge2 phase kernel: no tile shape planned (" + std::to_string(plan.tile) + ")");
  }
  check_launch("huge2 phase kernel launch");
}

void launch_pack_deconv(const float* w, float* packed, int in_c, int out_c, int k, int s, const PhaseDesc& q,
                        cudaStream_t stream) {
  const int count = in_c * q.taps_h * q.taps_w * out_c;
  if (count == 0) return;
  pack_deconv_kernel<<<grid_stride_blocks(count), kThreads, 0, stream>>>(w, packed, count, out_c, k, s, q);
  check_launch("transposed weight packing kernel launch");
}

void launch_pack_conv(const float* w, float* packed, int in_c, int out_c, int k, cudaStream_t stream) {
  const int count = in_c * out_c * k * k;
  pack_conv_kernel<<<grid_stride_blocks(count), kThreads, 0, stream>>>(w, packed, count, in_c, out_c, k);
  check_launch("convolution weight packing kernel launch");
}

}  // namespace huge2::cuda::detail
