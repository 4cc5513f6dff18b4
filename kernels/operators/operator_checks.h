// What both operators do around a forward pass: the thread count they plan
// for, and the buffer checks before they touch anything.
#pragma once
#include <cstddef>

namespace huge2 {

// threads > 0 as given; otherwise OpenMP's default (1 without OpenMP).
int operator_threads(int threads);

// Throws ShapeError, naming `op`, for a null input or output, or a workspace
// smaller than `need` bytes.
void check_forward_buffers(const char* op, const void* x, const void* y, const void* ws, size_t ws_bytes,
                           size_t need);

}  // namespace huge2
