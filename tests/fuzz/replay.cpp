// Deterministic fuzzing for CTest: replays a target's seed corpus, then N
// seeded mutations of it (the same inputs on every run and machine), so CI
// exercises the fuzz targets for a bounded time without libFuzzer.
//   huge2_fuzz_replay TARGET CORPUS_DIR MUTATIONS [SEED]
// A crash, sanitizer report or hang (CTest's TIMEOUT) fails the test; the
// input being run is named on stderr (every 1000th; each one and its bytes
// in ./fuzz-last-input when HUGE2_FUZZ_VERBOSE is set).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "targets.h"

namespace {

using Bytes = std::vector<uint8_t>;

Bytes read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Values that find boundaries: zero, signs, the int limits, powers of two.
const char* const kNumbers[] = {"0", "-1", "1", "2", "3", "7", "65536", "100000", "2147483647", "-2147483648",
                                "2147483648", "4294967296", "99999999999999999999", "", "1e9", "nan"};

// One mutation of `in`: the libFuzzer classics (bit flip, byte set, insert,
// erase, duplicate a chunk, splice another seed) plus, for text, replacing
// a number with a boundary value.
Bytes mutate(const Bytes& in, const std::vector<Bytes>& seeds, std::mt19937& rng) {
  Bytes b = in;
  const int rounds = 1 + int(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    const size_t n = b.size();
    const size_t at = n ? rng() % n : 0;
    switch (rng() % 8) {
      case 0:
        if (n) b[at] ^= uint8_t(1u << (rng() % 8));
        break;
      case 1:
        if (n) b[at] = uint8_t(rng());
        break;
      case 2: b.insert(b.begin() + long(at), uint8_t(rng())); break;
      case 3:
        if (n) b.erase(b.begin() + long(at), b.begin() + long(std::min(n, at + 1 + rng() % 16)));
        break;
      case 4:
        if (n) {
          const size_t len = std::min(n - at, size_t(1 + rng() % 64));
          const Bytes chunk(b.begin() + long(at), b.begin() + long(at + len));
          b.insert(b.begin() + long(rng() % (n + 1)), chunk.begin(), chunk.end());
        }
        break;
      case 5: {  // splice: our head, another seed's tail
        const Bytes& o = seeds[rng() % seeds.size()];
        if (!o.empty()) {
          b.resize(at);
          const size_t from = rng() % o.size();
          b.insert(b.end(), o.begin() + long(from), o.end());
        }
        break;
      }
      default: {  // a number in text becomes a boundary value
        size_t i = at;
        while (i < n && !(b[i] >= '0' && b[i] <= '9')) ++i;
        if (i >= n) break;
        size_t j = i;
        while (j < n && b[j] >= '0' && b[j] <= '9') ++j;
        const std::string v = kNumbers[rng() % (sizeof kNumbers / sizeof *kNumbers)];
        b.erase(b.begin() + long(i), b.begin() + long(j));
        b.insert(b.begin() + long(i), v.begin(), v.end());
        break;
      }
    }
  }
  if (b.size() > (1u << 20)) b.resize(1u << 20);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s TARGET CORPUS_DIR MUTATIONS [SEED]\n", argv[0]);
    return 2;
  }
  const huge2::fuzz::Target* t = huge2::fuzz::find_target(argv[1]);
  if (!t) return std::fprintf(stderr, "no fuzz target '%s' (cfg, weights, npy, image)\n", argv[1]), 2;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(argv[2]))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());  // directory order is not deterministic
  if (files.empty()) return std::fprintf(stderr, "%s: no seed files\n", argv[2]), 1;
  const long mutations = std::atol(argv[3]);
  const unsigned seed = argc > 4 ? unsigned(std::atol(argv[4])) : 1u;
  const bool verbose = std::getenv("HUGE2_FUZZ_VERBOSE") != nullptr;

  std::vector<Bytes> seeds;
  for (const auto& f : files) {
    seeds.push_back(read_file(f));
    if (verbose) std::fprintf(stderr, "seed %s\n", f.c_str());
    t->run(seeds.back().data(), seeds.back().size());
  }
  std::mt19937 rng(seed);
  for (long i = 0; i < mutations; ++i) {
    const size_t from = rng() % seeds.size();
    const Bytes b = mutate(seeds[from], seeds, rng);
    if (verbose || i % 1000 == 0)
      std::fprintf(stderr, "mutation %ld of %s (%zu bytes)\n", i, files[from].filename().c_str(), b.size());
    if (verbose)  // the input that crashes is then left behind, to add to the corpus
      std::ofstream("fuzz-last-input", std::ios::binary).write(reinterpret_cast<const char*>(b.data()), long(b.size()));
    t->run(b.data(), b.size());
  }
  std::printf("%s: %zu seeds and %ld mutations (seed %u) ran without a crash\n", t->name, seeds.size(), mutations,
              seed);
  return 0;
}
