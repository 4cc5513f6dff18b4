// darknet-method kernels (col2im gather, dilated im2col) and the bias +
// activation epilogue: one thread per element, grid-stride loops. The
// per-element math is in column_math.h, shared with the CPU emulation test.
#include "cuda_error.h"
#include "kernels.h"

namespace huge2::cuda::detail {
namespace {

__global__ void col2im_kernel(Col2imParams p, const float* __restrict__ col, float* __restrict__ y, int count) {
  for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < count;
       e += (long long)gridDim.x * blockDim.x)
    y[e] = col2im_gather(p, col, int(e));
}

__global__ void im2col_kernel(Im2colParams p, const float* __restrict__ x, float* __restrict__ col, int count) {
  for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < count;
       e += (long long)gridDim.x * blockDim.x)
    col[e] = im2col_element(p, x, int(e));
}

__global__ void bias_activation_kernel(float* __restrict__ y, const float* __restrict__ bias, int channels,
                                       int spatial, Activation act, long long count) {
  for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < count;
       e += (long long)gridDim.x * blockDim.x) {
    const float b = bias ? bias[(e / spatial) % channels] : 0.f;
    y[e] = activation_formula(y[e] + b, act);
  }
}

}  // namespace

void launch_col2im(const Col2imParams& p, const float* col, float* y, cudaStream_t stream) {
  const int count = p.out_c * p.out_h * p.out_w;
  col2im_kernel<<<grid_stride_blocks(count), kThreads, 0, stream>>>(p, col, y, count);
  check_launch("col2im kernel launch");
}

void launch_im2col(const Im2colParams& p, const float* x, float* col, cudaStream_t stream) {
  const int count = p.in_c * p.k * p.k * p.out_h * p.out_w;
  im2col_kernel<<<grid_stride_blocks(count), kThreads, 0, stream>>>(p, x, col, count);
  check_launch("im2col kernel launch");
}

void launch_bias_activation(float* y, const float* bias, int batch, int channels, int spatial, Activation act,
                            cudaStream_t stream) {
  const long long count = (long long)batch * channels * spatial;
  if (count == 0) return;
  bias_activation_kernel<<<grid_stride_blocks(count), kThreads, 0, stream>>>(y, bias, channels, spatial, act, count);
  check_launch("bias/activation kernel launch");
}

}  // namespace huge2::cuda::detail
