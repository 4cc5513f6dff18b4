#include <stdexcept>
#include <string>

#include "ukernels/tile_kernel.h"

namespace huge2 {

const TileKernels& tile_kernels_scalar();
#if defined(HUGE2_HAVE_X86_KERNELS)
const TileKernels& tile_kernels_avx2();
const TileKernels& tile_kernels_avx512f();
#endif
#if defined(HUGE2_HAVE_NEON_KERNELS)
const TileKernels& tile_kernels_neon();
#endif

const TileKernels& tile_kernels(Isa isa) {
  switch (isa) {
    case Isa::scalar: return tile_kernels_scalar();
#if defined(HUGE2_HAVE_X86_KERNELS)
    case Isa::avx2: return tile_kernels_avx2();
    case Isa::avx512f: return tile_kernels_avx512f();
#endif
#if defined(HUGE2_HAVE_NEON_KERNELS)
    case Isa::neon: return tile_kernels_neon();
#endif
    default: break;
  }
  throw std::invalid_argument(std::string("no ") + isa_name(isa) + " kernels in this build");
}

}  // namespace huge2
