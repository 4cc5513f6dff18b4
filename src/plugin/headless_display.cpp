// Darknet's image windows on a machine without a display. The packaged
// libdarknet.so is built with OpenCV: its show_image opens a HighGUI window
// (with ms = 0 it then waits for a key press) and make_window creates one;
// with no X or Wayland display HighGUI aborts the program. When neither
// DISPLAY nor WAYLAND_DISPLAY is set these two save the image instead
// (save_image: NAME.jpg in the current directory, as a Darknet built without
// OpenCV does) and return at once; with a display they are Darknet's own.
// HUGE2_SHOW_LIMIT=N ends the program (exit status 0) after the N-th image
// saved that way: `darknet lsd gan` generates images forever.
#include <dlfcn.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "darknet_abi.h"

#define HUGE2_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

bool headless() {
  const char* x = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return !(x && *x) && !(wayland && *wayland);
}

template <class Fn>
Fn darknet_definition(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (!f) {
    std::fprintf(stderr, "huge2 plugin: %s not found behind the plugin (%s)\n", name, dlerror());
    std::exit(EXIT_FAILURE);
  }
  return reinterpret_cast<Fn>(f);
}

}  // namespace

// HUGE2_SHOW_LIMIT as a positive integer; anything else stops the program
// with a message (issue 21: "abc" read as atol's 0 and acted as 1, silently).
static long show_limit(const char* text) {
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(text, &end, 10);
  if (errno || end == text || *end || n < 1) {
    std::fprintf(stderr, "huge2 plugin: HUGE2_SHOW_LIMIT=%s is not a positive integer\n", text);
    std::fflush(stdout);
    std::exit(EXIT_FAILURE);
  }
  return n;
}

HUGE2_EXPORT int show_image(image p, const char* name, int ms) {
  if (!headless()) {
    static const auto real = darknet_definition<int (*)(image, const char*, int)>("show_image");
    return real(p, name, ms);
  }
  std::fprintf(stderr, "huge2 plugin: no display; saving %s.jpg instead of showing it\n", name);
  save_image(p, name);
  static std::atomic<long> shown{0};  // counts across the process: the limit is per program run
  const char* limit = std::getenv("HUGE2_SHOW_LIMIT");
  if (limit && *limit && ++shown >= show_limit(limit)) {
    std::fprintf(stderr, "huge2 plugin: HUGE2_SHOW_LIMIT=%s images saved; exiting\n", limit);
    std::fflush(stdout);
    std::exit(EXIT_SUCCESS);
  }
  return -1;  // no key pressed
}

HUGE2_EXPORT void make_window(char* name, int w, int h, int fullscreen) {
  if (!headless()) {
    static const auto real = darknet_definition<void (*)(char*, int, int, int)>("make_window");
    real(name, w, h, fullscreen);
  }
}
