// CUDA, cuBLAS and cuDNN failures as exceptions. Every runtime call of the
// backend goes through check(); the message names the call and carries the
// library's own error string.
#pragma once
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace huge2::cuda {

// A CUDA runtime, cuBLAS or cuDNN call failed (no device, out of memory, a
// failed launch, an unsupported cuDNN configuration, ...).
class CudaError : public std::runtime_error {
 public:
  explicit CudaError(const std::string& what) : std::runtime_error(what) {}
};

// Throws CudaError "<what>: <error name>: <error string>" unless e is cudaSuccess.
// Also resets CUDA's last-error state, so that a recoverable error (a failed
// cudaMalloc, say) is not reported again by the next check_launch().
inline void check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  cudaGetLastError();
  throw CudaError(std::string(what) + ": " + cudaGetErrorName(e) + ": " + cudaGetErrorString(e));
}

// After a kernel launch: a bad configuration shows up here, not at the launch.
inline void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

}  // namespace huge2::cuda
