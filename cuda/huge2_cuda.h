// The CUDA backend's kernel layer: transposed and dilated convolution on the
// GPU with Darknet semantics (layers/core/shapes.h), three algorithms each.
//
//   darknet  Darknet's GPU method. Transposed: cuBLAS SGEMM W^T*X into an
//            (out_c*k*k) x (h*w) column buffer, then col2im (each output
//            pixel gathers its contributions). Convolution: dilated im2col,
//            then cuBLAS SGEMM. One image at a time, like Darknet.
//   huge2    Untangled. Transposed: every one of the stride*stride output
//            phases is a dense correlation of the original input with that
//            phase's sub-kernel, written straight to the interleaved outputs.
//            Convolution (any stride, dilation): the taps read at dilated
//            offsets. Two kernels, no column buffer, no zero taps, no
//            atomics: the GEMM kernel (gemm_tiling.h: each phase one implicit
//            GEMM over all images, tap tables, split K with a workspace
//            where the layer is too small to fill the GPU) and, forced by
//            GpuOptions::tile_config 0..3 only, the earlier tiled phase
//            kernel (phase_tiling.h; dilation as d*d sub-images).
//   cudnn    cuDNN (when built with HUGE2_CUDNN): backward-data of the forward
//            convolution whose filter is Darknet's [in_c][out_c][k][k] weights
//            (transposed), cudnnConvolutionForward with dilation
//            (convolution); the fastest algorithm within
//            GpuOptions::max_workspace_bytes, chosen at construction, pure
//            FP32 (CUDNN_FMA_MATH) where cuDNN offers it, else default math
//            (TF32 possible on sm_80+; describe() says which).
//
// All tensor and weight pointers are DEVICE pointers (or managed memory);
// host pointers are refused. Impossible shapes, null or host pointers and a
// short workspace throw huge2::ShapeError; CUDA/cuBLAS/cuDNN failures throw
// huge2::cuda::CudaError with the library's error string. Like the CPU
// operators, bias and activation are not part of forward(); bias_activation()
// is the separate epilogue kernel.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <memory>
#include <string>

#include "core/activation.h"
#include "core/algorithm.h"
#include "cuda_error.h"
#include "core/shapes.h"

namespace huge2::cuda {

// The GPU runs darknet, huge2 and (in builds with cuDNN) cudnn of the one
// Algorithm enum (core/algorithm.h); reference is the CPU's.
// "darknet", "huge2" or "cudnn"; throws std::invalid_argument otherwise.
Algorithm parse_gpu_algorithm(const std::string& name);
// Whether this build has the cudnn algorithm (HUGE2_CUDNN).
bool built_with_cudnn();
// CUDA devices visible; 0 (never an exception) when there is no device or
// no usable driver, in which case *why (if given) says what CUDA reported.
int device_count(std::string* why = nullptr) noexcept;

struct GpuOptions {
  // cudnn: the algorithm chosen is the fastest needing at most this much workspace.
  size_t max_workspace_bytes = size_t(1) << 30;
  // cudnn: true measures every algorithm (cudnnFind*Algorithm: slow to
  // construct, picks the truly fastest); false takes cuDNN's heuristic
  // ranking (cudnnGet*Algorithm_v7: instant).
  bool cudnn_exhaustive = true;
  // huge2: -1 picks the kernel and its tile shape from the geometry;
  // 0..kTileConfigs-1 forces one (tests and benchmarks): 0..3 the tiled
  // phase kernel's shapes (where they fit), 4..9 the GEMM kernel's.
  int tile_config = -1;
  // huge2's GEMM kernel: 0 picks the K split, n >= 1 forces n slices (or
  // fewer, when K is shorter).
  int k_splits = 0;
};
constexpr int kTileConfigs = 10;
constexpr int kPhaseTileConfigs = 4;  // 0..3: the tiled phase kernel; the rest the GEMM kernel

// What the two operators share: everything but the constructor and shape().
// Not made on its own; DeconvGpu and ConvGpu are move-only.
class GpuOperator {
 public:
  Algorithm algorithm() const;
  // Device scratch bytes forward() needs (0 for huge2); the caller owns it.
  size_t workspace_bytes() const;
  // Device bytes of weights the operator holds.
  size_t packed_weight_bytes() const;
  // One line: the method and its parameters (tile shape, cuDNN algorithm, ...).
  std::string describe() const;

  // x: batch x in_c x in_h x in_w; y: batch x out_c x out_h x out_w
  // (overwritten). Asynchronous on `stream`.
  void forward(const float* x, float* y, void* workspace, size_t workspace_bytes, cudaStream_t stream = nullptr) const;

  struct Impl;  // gpu_operator.h; each operator's file derives its own

 protected:
  explicit GpuOperator(std::unique_ptr<Impl> impl);
  ~GpuOperator();
  GpuOperator(GpuOperator&&) noexcept;
  GpuOperator& operator=(GpuOperator&&) noexcept;

  std::unique_ptr<Impl> impl_;
};

// Transposed convolution (Darknet [deconvolutional]).
class DeconvGpu : public GpuOperator {
 public:
  // weights: device pointer, [in_c][out_c][k][k] as Darknet stores them;
  // copied (darknet, cudnn) or packed per phase (huge2) into memory the
  // operator owns, so the caller may free them afterwards. Work at
  // construction runs on `stream`, which is synchronised before returning.
  DeconvGpu(const DeconvShape& shape, Algorithm algo, const float* weights, cudaStream_t stream = nullptr,
            const GpuOptions& options = {});
  const DeconvShape& shape() const;
};

// Convolution, plain, strided or dilated (Darknet [convolutional]; padding
// applied = pad * dilation).
class ConvGpu : public GpuOperator {
 public:
  // weights: device pointer, [out_c][in_c][k][k]; as DeconvGpu's.
  ConvGpu(const ConvShape& shape, Algorithm algo, const float* weights, cudaStream_t stream = nullptr,
          const GpuOptions& options = {});
  const ConvShape& shape() const;
};

// The layer epilogue: y[b][c][i] = act(y[b][c][i] + bias[c]) in place;
// bias may be null (no bias). y and bias are device pointers. act: the
// kernel library's Activation (parse_activation() reads cfg names), with the
// CPU kernels' formulas (Darknet's, except tanh, which is tanhf).
void bias_activation(float* y, const float* bias, int batch, int channels, int spatial, Activation act,
                     cudaStream_t stream = nullptr);

}  // namespace huge2::cuda
