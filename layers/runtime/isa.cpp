#include "runtime/isa.h"

#include <cstdlib>
#include <stdexcept>

#include "core/named.h"

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace huge2 {

namespace {
// Best first: the order of "known: ..." in errors and of HUGE2_ISA's help.
constexpr Named<Isa> kIsaNames[] = {
    {"avx512f", Isa::avx512f}, {"avx2", Isa::avx2}, {"neon", Isa::neon}, {"scalar", Isa::scalar}};
}  // namespace

const char* isa_name(Isa isa) { return name_of(kIsaNames, isa); }

Isa parse_isa(const std::string& name) { return parse_named(kIsaNames, name, "instruction set"); }

bool isa_supported(Isa isa) {
  switch (isa) {
    case Isa::scalar: return true;
#if defined(HUGE2_HAVE_X86_KERNELS)
    case Isa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::avx512f: return __builtin_cpu_supports("avx512f");
#endif
#if defined(HUGE2_HAVE_NEON_KERNELS)
    // Advanced SIMD is architectural on AArch64 Linux, but the kernel says so
    // in the auxiliary vector; ask rather than assume.
    case Isa::neon: return (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
#endif
    default: return false;
  }
  return false;
}

Isa best_isa() {
  for (Isa i : {Isa::avx512f, Isa::avx2, Isa::neon})
    if (isa_supported(i)) return i;
  return Isa::scalar;
}

Isa active_isa() {
  const char* env = std::getenv("HUGE2_ISA");
  if (!env || !*env) return best_isa();
  Isa want;
  try {
    want = parse_isa(env);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("HUGE2_ISA: ") + e.what());
  }
  if (!isa_supported(want))
    throw std::invalid_argument(std::string("HUGE2_ISA=") + env + ": this CPU (or build) cannot run " + env +
                                " kernels; the best it offers is " + isa_name(best_isa()));
  return want;
}

}  // namespace huge2
