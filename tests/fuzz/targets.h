// Fuzz targets: each takes arbitrary bytes and must return without a crash,
// a hang, a sanitizer report or an allocation beyond what the input really
// describes; every refusal is a C++ exception with a message, caught here.
// Built two ways: for libFuzzer (libfuzzer_main.cpp, scripts/fuzz.sh) and
// into the deterministic replay driver that CTest runs (replay.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace huge2::fuzz {

// A .cfg: parse, build the network for its shapes only, print the summary.
int cfg_target(const uint8_t* data, size_t size);
// A .weights file loaded into a small fixed network (every record kind).
int weights_target(const uint8_t* data, size_t size);
// An .npy file.
int npy_target(const uint8_t* data, size_t size);
// An image file (PNG, JPEG, BMP, ...): decoded, then resized the Darknet way.
int image_target(const uint8_t* data, size_t size);

struct Target {
  const char* name;  // also the corpus folder: tests/fuzz/corpus/NAME
  int (*run)(const uint8_t*, size_t);
};
// All four, by name; nullptr when there is none.
const Target* find_target(const std::string& name);

}  // namespace huge2::fuzz
