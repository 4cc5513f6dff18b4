#include "operator_checks.h"

#include <string>

#include "errors.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace huge2 {

int operator_threads(int threads) {
  if (threads > 0) return threads;
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

void check_forward_buffers(const char* op, const void* x, const void* y, const void* ws, size_t ws_bytes,
                           size_t need) {
  if (!x) throw ShapeError(std::string(op) + ": input buffer is null");
  if (!y) throw ShapeError(std::string(op) + ": output buffer is null");
  if (need && (!ws || ws_bytes < need))
    throw ShapeError(std::string(op) + ": workspace of " + std::to_string(ws ? ws_bytes : 0) +
                     " bytes is smaller than the " + std::to_string(need) + " bytes needed");
}

}  // namespace huge2
