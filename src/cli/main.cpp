// huge2: run, benchmark and compare Darknet networks with huge2's untangled
// transposed and dilated convolutions. One verb, one job.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "common.h"
#include "verbs_image.h"

namespace {

const char* const kUsage =
    "usage: huge2 VERB [arguments] [options]   (huge2 VERB --help for each)\n"
    "verbs:\n"
    "  summary CFG                     print the network, its algorithms and unused cfg keys\n"
    "  run CFG WEIGHTS --input X.npy|IMAGE --output Y.npy\n"
    "                                  one forward pass on a float32 NCHW .npy tensor or an image\n"
    "  generate CFG WEIGHTS [--count N] [--seed S] [--output GRID.png] [--columns K]\n"
    "                                  DCGAN samples from seeded latent vectors, as a PNG grid\n"
    "  segment CFG WEIGHTS IMAGE [--output-prefix P] [--alpha A]\n"
    "                                  per-pixel classes: P-classes.png, P-overlay.png, histogram\n"
    "  detect CFG WEIGHTS IMAGE [--thresh T] [--nms N] [--names FILE] [--output OUT.png]\n"
    "                                  YOLO boxes ([yolo]/[region]) as Darknet's detector test\n"
    "  bench CFG [WEIGHTS] [--compare] per-layer timing; --compare runs stock and huge2 algorithms\n"
    "  compare CFG WEIGHTS             the real Darknet library (libdarknet.so) against huge2\n"
    "  init-weights CFG OUT.weights [--seed N]\n"
    "                                  seeded random weights in Darknet format\n"
    "common options: --algorithm darknet|huge2 (every eligible layer), --threads N, --batch N\n";

struct Verb {
  const char* name;
  int (*run)(int, char**);
};
const Verb kVerbs[] = {
    {"summary", huge2::cli::verb_summary},   {"run", huge2::cli::verb_run},
    {"bench", huge2::cli::verb_bench},       {"compare", huge2::cli::verb_compare},
    {"init-weights", huge2::cli::verb_init_weights},
    {"generate", huge2::cli::verb_generate},  {"segment", huge2::cli::verb_segment},
    {"detect", huge2::cli::verb_detect},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  // A file-size limit (ulimit -f) then fails a write with EFBIG, reported
  // with the file's name like a full disk, instead of killing the process
  // halfway through an output.
  std::signal(SIGXFSZ, SIG_IGN);
  for (const Verb& v : kVerbs) {
    if (std::strcmp(argv[1], v.name) != 0) continue;
    try {
      return v.run(argc, argv);
    } catch (const huge2::cli::UsageError& e) {
      std::fprintf(stderr, "huge2 %s: %s (see huge2 %s --help)\n", v.name, e.what(), v.name);
      return 2;
    } catch (const std::bad_alloc&) {
      // The network's own arrays are checked against the memory budget first;
      // this is something else (a peer library, the image, a huge --count).
      // Not blamed on --max-memory or the batch: those are checked up front.
      std::fprintf(stderr, "huge2 %s: out of memory (an allocation beyond the network's checked plan failed)\n",
                   v.name);
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "huge2 %s: %s\n", v.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "huge2: unknown verb '%s'\n%s", argv[1], kUsage);
  return 2;
}
