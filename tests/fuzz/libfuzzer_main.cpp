// libFuzzer entry for one target, chosen at compile time
// (HUGE2_FUZZ_TARGET="cfg" etc.; tests/fuzz/CMakeLists.txt builds one
// executable per target).
#include <cstdio>
#include <cstdlib>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const huge2::fuzz::Target* t = [] {
    const huge2::fuzz::Target* found = huge2::fuzz::find_target(HUGE2_FUZZ_TARGET);
    if (!found) std::fprintf(stderr, "no fuzz target '%s'\n", HUGE2_FUZZ_TARGET), std::abort();
    return found;
  }();
  return t->run(data, size);
}
