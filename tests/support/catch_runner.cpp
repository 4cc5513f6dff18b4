// Catch2's runner (its whole implementation, no main), compiled once for every
// test program: each copy took 16-21 s of the Release build and 23-31 s of
// the sanitizer build's on the 2-core CI VM, and there were four (this
// folder's main, the kernel tests' entry, the ThreadSanitizer tests' and the
// GPU tests'). Catch2 2 declares its Session only beside the implementation,
// so the mains call it through run_catch_session().
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "catch_runner.h"

int run_catch_session(int argc, char** argv) { return Catch::Session().run(argc, argv); }
