// The kernel tests' entry: CTest runs them once per ISA (HUGE2_ISA=avx512f,
// avx2, neon, scalar). An ISA this CPU lacks is reported as skipped (exit 77), not
// as passed.
#include "catch_runner.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/isa.h"

int main(int argc, char** argv) {
  const char* env = std::getenv("HUGE2_ISA");
  if (env && *env) {
    try {
      if (!huge2::isa_supported(huge2::parse_isa(env))) {
        std::printf("SKIPPED: this CPU has no %s (best: %s)\n", env, huge2::isa_name(huge2::best_isa()));
        return 77;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }
  std::printf("direct kernels under test: %s\n", huge2::isa_name(huge2::active_isa()));
  return run_catch_session(argc, argv);
}
