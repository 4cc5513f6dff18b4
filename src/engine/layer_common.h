// Helpers the layer files share: cfg keys every conv-like layer reads, and
// the algorithm choice.
#pragma once
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/activation.h"
#include "layer.h"

namespace huge2 {

// Reads key as an int >= min, else NetworkError naming section and key.
// Keys that count things (classes, num, ...) also have an upper limit, one
// table for every layer type (layer_common.cpp).
int read_int_at_least(const cfg::Section& s, const BuildContext& ctx, const char* key, int fallback, int min);

// The product of factors (each >= 0) computed in 64 bits, for a size a layer
// derives from its keys; NetworkError naming the layer and `what` (e.g.
// "num x (coords + 1 + classes)") when it is more than 2^31-1, before any
// int arithmetic on it can wrap.
int checked_count(const BuildContext& ctx, const std::string& what, std::initializer_list<int64_t> factors);

// Darknet's `pad=1` means padding = size/2; `padding=N` sets it directly.
int read_padding(const cfg::Section& s, const BuildContext& ctx, int size);

// The section's huge2=0/1 key (huge2_keys.h), if present; NetworkError for
// other values, naming file, line and `layer` (e.g. " (layer 3)", or "" for
// [net]).
std::optional<bool> read_huge2_key(const cfg::Section& s, const std::string& layer);
std::optional<bool> read_huge2_key(const cfg::Section& s, const BuildContext& ctx);

// The activation= key (Darknet's names), else NetworkError naming the layer.
Activation read_activation(const cfg::Section& s, const BuildContext& ctx, const char* fallback);

// The algorithm of an eligible layer: command line override, else the
// layer's huge2=0/1, else [net] huge2=0/1, else the stock algorithm.
Algorithm choose_algorithm(const cfg::Section& s, const BuildContext& ctx);

// Runs f(x, y, oy, ox) for every output pixel of every channel plane of the
// batch, planes in parallel: x is the plane's input (in.h x in.w), y its
// output (out.h x out.w), for layers that map planes to planes (pooling,
// upsampling).
template <class F>
void for_each_plane_pixel(const ForwardArgs& a, const Shape3& in, const Shape3& out, F f) {
  parallel_for(a.pool, size_t(a.batch) * in.c, [&](size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; ++p) {
      const float* x = a.input + p * in.h * in.w;
      float* y = a.output + p * out.h * out.w;
      for (int oy = 0; oy < out.h; ++oy)
        for (int ox = 0; ox < out.w; ++ox) f(x, y, oy, ox);
    }
  });
}

// activate_array over the network's threads (long arrays only: a short one
// costs less than a dispatch).
void activate_parallel(float* x, size_t n, Activation act, ThreadPool* pool);

// The first n floats of the input into the output, unless the network gave
// an elementwise layer its input's buffer (Layer::runs_in_place).
inline void copy_input_unless_in_place(const ForwardArgs& a, size_t n) {
  if (a.output != a.input) std::memcpy(a.output, a.input, n * sizeof(float));
}

// Throws NetworkError with ctx.where prefixed.
[[noreturn]] void fail(const BuildContext& ctx, const std::string& what);

// Seeded normal values scaled for fan_in inputs (He init).
void fill_he(std::vector<float>& v, int fan_in, std::mt19937& rng);

}  // namespace huge2
