// The huge2 GEMM kernel: every phase of a transposed convolution (or a whole
// convolution) as one implicit GEMM over the original input, written straight
// to the interleaved outputs (gemm_tiling.h has the layout and index math).
// A classic SIMT SGEMM body: 16 x 16 threads, stages of BK (8 or 16) of K
// double-buffered in shared memory (the next stage's global loads are in flight while this
// one is multiplied), float4 shared reads, TM x TN register tiles.
#include <string>

#include "cuda_error.h"
#include "kernels.h"

namespace huge2::cuda::detail {
namespace {

// A thread's PER values of one shared stage row (gemm_frag_index): float4
// loads where it holds groups of 4.
template <int TILE, int PER>
__device__ __forceinline__ void load_fragment(const float* row, int t, float (&v)[PER]) {
#pragma unroll
  for (int i = 0; i < PER; i += (PER % 4 == 0 ? 4 : 1)) {
    if constexpr (PER % 4 == 0) {
      const float4 q = *reinterpret_cast<const float4*>(row + gemm_frag_index(TILE, PER, t, i));
      v[i] = q.x, v[i + 1] = q.y, v[i + 2] = q.z, v[i + 3] = q.w;
    } else {
      v[i] = row[gemm_frag_index(TILE, PER, t, i)];
    }
  }
}

template <int BM, int BN, int TM, int TN, int BK>
__global__ void __launch_bounds__(kGemmThreads) gemm_kernel(GemmParams P) {
  static_assert(kGemmKPad % BK == 0, "K splits and table rows come in whole stages");
  constexpr int LA = BK * BM / kGemmThreads, LB = BK * BN / kGemmThreads;  // loads per thread and stage
  constexpr int RA = kGemmThreads / BM, RB = kGemmThreads / BN;            // stage rows apart
  static_assert(BM / TM == 16 && BN / TN == 16, "16 x 16 threads");
  static_assert(LA >= 1 && LB >= 1, "every thread loads");
  __shared__ __align__(16) float As[2][BK][BM];
  __shared__ __align__(16) float Bs[2][BK][BN];

  const int q = blockIdx.z % P.nphases, split = blockIdx.z / P.nphases;
  const GemmPhase ph = P.phases[q];
  const long long p0 = (long long)blockIdx.x * BN;
  if (p0 >= (long long)ph.rows * ph.cols * P.batch) return;  // uniform: before any barrier
  const int m0 = blockIdx.y * BM;
  const int tid = threadIdx.x;
  const int k_begin = split * P.k_split, k_end = min(ph.k_len, k_begin + P.k_split);

  // This thread's loads: A column a_col (rows a_row + RA*l), B column b_col.
  const int a_col = tid % BM, a_row = tid / BM;
  const int b_col = tid % BN, b_row = tid / BN;
  const GemmPixel pix = gemm_pixel(P, ph, p0 + b_col);
  const float* __restrict__ A = P.w + ph.w_offset + m0 + a_col;
  const GemmTap* __restrict__ taps = P.taps + ph.t_offset;
  float ra[LA], rb[LB];
  auto load = [&](int k0) {
#pragma unroll
    for (int l = 0; l < LA; ++l) ra[l] = __ldg(A + (long long)(k0 + a_row + RA * l) * P.m_pad);
#pragma unroll
    for (int l = 0; l < LB; ++l) {
      const GemmTap t = taps[k0 + b_row + RB * l];
      rb[l] = gemm_b_element(P, pix, t);
    }
  };
  auto stash = [&](int buf) {
#pragma unroll
    for (int l = 0; l < LA; ++l) As[buf][a_row + RA * l][a_col] = ra[l];
#pragma unroll
    for (int l = 0; l < LB; ++l) Bs[buf][b_row + RB * l][b_col] = rb[l];
  };

  const int tx = tid % 16, ty = tid / 16;
  float acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = 0.f;

  if (k_begin < k_end) {
    load(k_begin);
    stash(0);
    __syncthreads();
    int buf = 0;
    for (int k0 = k_begin; k0 < k_end; k0 += BK) {
      const bool more = k0 + BK < k_end;
      if (more) load(k0 + BK);  // in flight during the multiply
#pragma unroll
      for (int kk = 0; kk < BK; ++kk) {
        float a[TM], b[TN];
        load_fragment<BM>(As[buf][kk], ty, a);
        load_fragment<BN>(Bs[buf][kk], tx, b);
#pragma unroll
        for (int i = 0; i < TM; ++i)
#pragma unroll
          for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
      }
      if (more) stash(buf ^ 1);  // nobody reads buf ^ 1 in this stage
      __syncthreads();
      buf ^= 1;
    }
  }

  float* __restrict__ Y = P.y + split * P.slice;
  const long long plane = (long long)P.out_h * P.out_w;
#pragma unroll
  for (int j = 0; j < TN; ++j) {
    const GemmPixel o = gemm_pixel(P, ph, p0 + gemm_frag_index(BN, TN, tx, j));
    if (!o.valid) continue;
#pragma unroll
    for (int i = 0; i < TM; ++i) {
      const int m = m0 + gemm_frag_index(BM, TM, ty, i);
      if (m < P.out_c) Y[o.out_base + m * plane] = acc[i][j];
    }
  }
}

// y[e] = the sum of the split slices' e-th partial sums, in split order.
__global__ void split_sum_kernel(const float* __restrict__ slices, float* __restrict__ y, long long count,
                                 int splits) {
  for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < count;
       e += (long long)gridDim.x * blockDim.x) {
    float s = slices[e];
    for (int k = 1; k < splits; ++k) s += slices[e + k * count];
    y[e] = s;
  }
}

__global__ void pack_gemm_kernel(const float* __restrict__ w, float* __restrict__ packed, const GemmTap* taps,
                                 GemmPhase ph, int out_c, int m_pad, int m_stride) {
  const long long count = (long long)ph.k_len * m_pad;
  for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < count;
       e += (long long)gridDim.x * blockDim.x) {
    const int kk = int(e / m_pad), m = int(e % m_pad);
    const GemmTap t = taps[ph.t_offset + kk];
    packed[ph.w_offset + e] = t.wsrc >= 0 && m < out_c ? w[t.wsrc + (long long)m * m_stride] : 0.f;
  }
}

}  // namespace

void launch_gemm_kernel(const GemmPlan& plan, const float* x, const float* packed_w, const GemmTap* taps,
                        const GemmPhase* phases, float* y, float* workspace, cudaStream_t stream) {
  if (plan.grid.x > 0x7fffffffLL || plan.grid.y > 65535 || plan.grid.z > 65535)
    throw CudaError("huge2 GEMM kernel: grid of " + std::to_string(plan.grid.x) + " x " +
                    std::to_string(plan.grid.y) + " x " + std::to_string(plan.grid.z) + " blocks is too large");
  GemmParams P = plan.params;
  P.x = x, P.w = packed_w, P.taps = taps, P.phases = phases;
  P.y = P.splits > 1 ? workspace : y;
  const dim3 grid(unsigned(plan.grid.x), unsigned(plan.grid.y), unsigned(plan.grid.z));
  switch (plan.tile) {
    case 0: gemm_kernel<128, 128, 8, 8, 8><<<grid, kGemmThreads, 0, stream>>>(P); break;
    case 1: gemm_kernel<64, 64, 4, 4, 8><<<grid, kGemmThreads, 0, stream>>>(P); break;
    case 2: gemm_kernel<128, 32, 8, 2, 8><<<grid, kGemmThreads, 0, stream>>>(P); break;
    case 3: gemm_kernel<32, 128, 2, 8, 8><<<grid, kGemmThreads, 0, stream>>>(P); break;
    case 4: gemm_kernel<128, 128, 8, 8, 16><<<grid, kGemmThreads, 0, stream>>>(P); break;
    case 5: gemm_kernel<64, 64, 4, 4, 16><<<grid, kGemmThreads, 0, stream>>>(P); break;
    default: throw CudaError("huge2 GEMM kernel: no tile shape planned (" + std::to_string(plan.tile) + ")");
  }
  check_launch("huge2 GEMM kernel launch");
  if (P.splits > 1) {
    const unsigned blocks = grid_stride_blocks(P.slice, kGemmThreads);
    split_sum_kernel<<<blocks, kGemmThreads, 0, stream>>>(workspace, y, P.slice, P.splits);
    check_launch("huge2 split-K sum kernel launch");
  }
}

void launch_pack_gemm(const float* w, float* packed, const GemmTap* taps, const GemmLayout& layout, int out_c,
                      cudaStream_t stream) {
  for (const GemmPhase& ph : layout.phases) {
    const long long count = (long long)ph.k_len * layout.m_pad;
    if (count == 0) continue;
    const unsigned blocks = grid_stride_blocks(count, kGemmThreads);
    pack_gemm_kernel<<<blocks, kGemmThreads, 0, stream>>>(w, packed, taps, ph, out_c, layout.m_pad, layout.m_stride);
    check_launch("GEMM weight packing kernel launch");
  }
}

}  // namespace huge2::cuda::detail
