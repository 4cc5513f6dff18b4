// Main of the GPU tests: without a CUDA device there is nothing to test, so
// say so and exit 77, which CTest (SKIP_RETURN_CODE) reports as Skipped.
#include "catch_runner.h"

#include <cstdio>
#include <string>

#include "huge2_cuda.h"

#if defined(__SANITIZE_ADDRESS__)
// CUDA under AddressSanitizer: the driver maps memory where ASan's shadow gap
// is, and it keeps allocations to the end of the process (CPU tests check leaks).
extern "C" const char* __asan_default_options() { return "protect_shadow_gap=0:detect_leaks=0"; }
#endif

int main(int argc, char** argv) {
  std::string why;
  const int devices = huge2::cuda::device_count(&why);
  if (devices == 0) {
    std::printf("no CUDA device: GPU tests skipped\n(%s)\n", why.c_str());
    return 77;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess)
    std::printf("GPU tests on %s (sm_%d%d, %d SMs); cuDNN algorithm %s\n", prop.name, prop.major, prop.minor,
                prop.multiProcessorCount, huge2::cuda::built_with_cudnn() ? "built" : "not built");
  return run_catch_session(argc, argv);
}
