// RAII device memory: cudaMalloc in the constructor, cudaFree in the
// destructor, move-only. Errors throw huge2::cuda::CudaError.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "cuda_error.h"

namespace huge2::cuda {

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  // `count` elements of uninitialised device memory (none for count 0).
  explicit DeviceBuffer(size_t count) : count_(count) {
    if (count_ == 0) return;
    void* p = nullptr;
    check(cudaMalloc(&p, count_ * sizeof(T)),
          ("cudaMalloc of " + std::to_string(count_ * sizeof(T)) + " bytes").c_str());
    ptr_ = static_cast<T*>(p);
  }
  // A device copy of host data (synchronous).
  explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host.data(), host.size()); }
  ~DeviceBuffer() { release(); }

  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }

  T* get() { return ptr_; }
  const T* get() const { return ptr_; }
  size_t size() const { return count_; }
  size_t bytes() const { return count_ * sizeof(T); }
  bool empty() const { return count_ == 0; }

  // Copies `n` (<= size()) elements from host memory, synchronously.
  void upload(const T* host, size_t n) {
    if (n > count_) throw std::out_of_range("DeviceBuffer::upload: " + std::to_string(n) + " > " + std::to_string(count_));
    if (n) check(cudaMemcpy(ptr_, host, n * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy host to device");
  }
  void upload(const std::vector<T>& host) { upload(host.data(), host.size()); }
  // The whole buffer back to the host, synchronously.
  std::vector<T> download() const {
    std::vector<T> host(count_);
    if (count_) check(cudaMemcpy(host.data(), ptr_, bytes(), cudaMemcpyDeviceToHost), "cudaMemcpy device to host");
    return host;
  }
  // Sets every byte to `byte` (cudaMemset), synchronously.
  void fill_bytes(int byte) {
    if (count_) check(cudaMemset(ptr_, byte, bytes()), "cudaMemset");
  }

 private:
  void release() noexcept {
    if (ptr_) cudaFree(ptr_);  // an error here (e.g. a sticky launch failure) cannot be reported
    ptr_ = nullptr;
    count_ = 0;
  }

  T* ptr_ = nullptr;
  size_t count_ = 0;
};

}  // namespace huge2::cuda
