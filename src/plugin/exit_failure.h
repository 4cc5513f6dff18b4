// How the plugin stops the process on a refusal: output flushed, then
// _Exit(1) at once. Not exit(): Darknet's training loader thread (load_data)
// may still be running, and exit()'s static destructors and atexit handlers
// (OpenBLAS's, the thread pool's, the layer registry's) pulled state from
// under it: a segfault (exit 139) in 4 of 5 refused training runs.
#pragma once
#include <cstdio>
#include <cstdlib>

namespace huge2::plugin {

[[noreturn]] inline void exit_failure() {
  std::fflush(nullptr);
  std::_Exit(EXIT_FAILURE);
}

}  // namespace huge2::plugin
