// The epilogue as a separate pass, for the methods that do not fuse it (the
// stock method and the reference): on OpenMP threads, as the stock method's
// im2col/col2im and OpenBLAS SGEMM are, so that a stock layer runs on one
// thread team only (huge2's own pool would wake between two OpenMP regions
// and fight their spinning threads for the cores).
#pragma once
#include <cstddef>

#include "core/epilogue.h"

namespace huge2 {

// y: batch x channels x spatial, in place.
void apply_epilogue_pass(const Epilogue& e, float* y, int batch, int channels, size_t spatial);

}  // namespace huge2
