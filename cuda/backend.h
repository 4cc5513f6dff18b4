// Internal helpers of the host side: per-thread library handles, device
// facts, pointer checks, and the cuDNN plans (cudnn_backend.cpp).
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <memory>
#include <string>

#include "core/shapes.h"

namespace huge2::cuda::detail {

// Throws CudaError "<what>: <cuBLAS status string>" unless s is CUBLAS_STATUS_SUCCESS.
void check_cublas(cublasStatus_t s, const char* what);
// This thread's cuBLAS handle for the current device (created on first use,
// pure FP32 math, kept for the life of the process), bound to `stream`.
cublasHandle_t cublas_handle(cudaStream_t stream);
// Multiprocessors of the current device.
int sm_count();
// ShapeError "<op>: <what> ..." unless p is a device (or managed, or mapped
// pinned) pointer usable by the current device; null is refused too.
void require_device_pointer(const void* p, const char* op, const char* what);

// A cuDNN convolution plan: descriptors and the algorithm chosen at
// construction, by measurement (exhaustive: cudnnFind*) or heuristics (_v7).
class CudnnPlan {
 public:
  virtual ~CudnnPlan() = default;
  // Transposed convolution = backward-data of the forward convolution whose
  // K x C x k x k filter is Darknet's [in_c][out_c][k][k] weights.
  static std::unique_ptr<CudnnPlan> transposed(const DeconvShape& s, size_t max_workspace, bool exhaustive,
                                               cudaStream_t stream);
  // Convolution with dilation (cudnnConvolutionForward).
  static std::unique_ptr<CudnnPlan> convolution(const ConvShape& s, size_t max_workspace, bool exhaustive,
                                                cudaStream_t stream);
  virtual size_t workspace_bytes() const = 0;
  virtual std::string describe() const = 0;
  virtual void run(const float* x, const float* w, float* y, void* workspace, size_t workspace_bytes,
                   cudaStream_t stream) const = 0;
};

}  // namespace huge2::cuda::detail
