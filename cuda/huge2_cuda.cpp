// Shared host-side pieces: names, device facts, handles, pointer checks,
// the epilogue.
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "backend.h"
#include "core/errors.h"
#include "huge2_cuda.h"
#include "kernels.h"

namespace huge2::cuda {

Algorithm parse_gpu_algorithm(const std::string& name) {
  const Algorithm a = parse_algorithm(name);
  if (a == Algorithm::reference)
    throw std::invalid_argument("the reference algorithm runs on the CPU only (GPU: darknet, huge2, cudnn)");
  return a;
}

bool built_with_cudnn() {
#ifdef HUGE2_HAVE_CUDNN
  return true;
#else
  return false;
#endif
}

int device_count(std::string* why) noexcept {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    if (why) *why = std::string("cudaGetDeviceCount: ") + cudaGetErrorName(e) + ": " + cudaGetErrorString(e);
    cudaGetLastError();  // not sticky: leave no error behind
    return 0;
  }
  if (n == 0 && why) *why = "cudaGetDeviceCount: 0 devices";
  return n;
}

void bias_activation(float* y, const float* bias, int batch, int channels, int spatial, Activation act,
                     cudaStream_t stream) {
  const char* op = "bias_activation";
  if (batch < 1 || channels < 1 || spatial < 1)
    throw ShapeError(std::string(op) + ": batch, channels and spatial must be >= 1, got " + std::to_string(batch) +
                     ", " + std::to_string(channels) + ", " + std::to_string(spatial));
  detail::require_device_pointer(y, op, "output");
  if (bias) detail::require_device_pointer(bias, op, "bias");
  detail::launch_bias_activation(y, bias, batch, channels, spatial, act, stream);
}

namespace detail {
namespace {

// Handles per (thread, device), created on first use. They live as long as
// the process (like Darknet's): destroying them at exit races the CUDA
// runtime's own teardown. The map is reachable, so leak checkers stay quiet.
template <class Handle>
struct HandleTable {
  std::mutex mutex;
  std::map<std::pair<std::thread::id, int>, Handle> handles;
};

int current_device() {
  int dev = 0;
  check(cudaGetDevice(&dev), "cudaGetDevice");
  return dev;
}

}  // namespace

void check_cublas(cublasStatus_t s, const char* what) {
  if (s == CUBLAS_STATUS_SUCCESS) return;
  throw CudaError(std::string(what) + ": " + cublasGetStatusName(s) + ": " + cublasGetStatusString(s));
}

cublasHandle_t cublas_handle(cudaStream_t stream) {
  static auto* table = new HandleTable<cublasHandle_t>;
  const auto key = std::make_pair(std::this_thread::get_id(), current_device());
  cublasHandle_t h = nullptr;
  {
    std::lock_guard<std::mutex> lock(table->mutex);
    auto it = table->handles.find(key);
    if (it != table->handles.end()) {
      h = it->second;
    } else {
      check_cublas(cublasCreate(&h), "cublasCreate");
      // FP32 SGEMM as Darknet's: no TF32 tensor-op math.
      check_cublas(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
      table->handles.emplace(key, h);
    }
  }
  check_cublas(cublasSetStream(h, stream), "cublasSetStream");
  return h;
}

int sm_count() {
  int n = 0;
  check(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, current_device()),
        "cudaDeviceGetAttribute(multiProcessorCount)");
  return n;
}

void require_device_pointer(const void* p, const char* op, const char* what) {
  if (!p) throw ShapeError(std::string(op) + ": " + what + " pointer is null");
  cudaPointerAttributes a{};
  const cudaError_t e = cudaPointerGetAttributes(&a, p);
  if (e != cudaSuccess) {
    cudaGetLastError();
    throw ShapeError(std::string(op) + ": " + what + " is not a device pointer (cudaPointerGetAttributes: " +
                     cudaGetErrorString(e) + ")");
  }
  switch (a.type) {
    case cudaMemoryTypeManaged: return;
    case cudaMemoryTypeDevice:
      if (a.device != current_device())
        throw ShapeError(std::string(op) + ": " + what + " lives on device " + std::to_string(a.device) +
                         ", the current device is " + std::to_string(current_device()));
      return;
    case cudaMemoryTypeHost:
      if (a.devicePointer == p) return;  // mapped pinned memory, same address on both sides
      break;
    default: break;
  }
  throw ShapeError(std::string(op) + ": " + what +
                   " is a host pointer; the GPU operators take device pointers (cudaMalloc)");
}

}  // namespace detail
}  // namespace huge2::cuda
