#include "layer_common.h"

#include <cmath>
#include <stdexcept>

#include "huge2_keys.h"

namespace huge2 {

void fail(const BuildContext& ctx, const std::string& what) { throw NetworkError(ctx.where + what); }

int read_int_at_least(const cfg::Section& s, const BuildContext& ctx, const char* key, int fallback, int min) {
  const int v = s.get_int(key, fallback);
  if (v < min)
    throw NetworkError(s.where(key) + ": [" + s.type + "] " + key + "=" + std::to_string(v) + " must be >= " +
                       std::to_string(min) + " (layer " + std::to_string(ctx.index) + ")");
  return v;
}

int read_padding(const cfg::Section& s, const BuildContext& ctx, int size) {
  const int pad = s.get_int("pad", 0);
  const int padding = read_int_at_least(s, ctx, "padding", 0, 0);
  return pad ? size / 2 : padding;
}

std::optional<bool> read_huge2_key(const cfg::Section& s, const std::string& layer) {
  if (!s.has(keys::kHuge2)) return std::nullopt;
  try {
    return keys::parse_huge2(s.get_string(keys::kHuge2, ""));
  } catch (const std::invalid_argument& e) {
    throw NetworkError(s.where(keys::kHuge2) + ": [" + s.type + "] " + e.what() + layer);
  }
}

std::optional<bool> read_huge2_key(const cfg::Section& s, const BuildContext& ctx) {
  return read_huge2_key(s, " (layer " + std::to_string(ctx.index) + ")");
}

Algorithm choose_algorithm(const cfg::Section& s, const BuildContext& ctx) {
  const std::optional<bool> key = read_huge2_key(s, ctx);  // read and checked even when overridden
  if (ctx.override_algorithm) return *ctx.override_algorithm;
  return keys::wants_huge2(key, ctx.huge2_default) ? Algorithm::huge2 : Algorithm::darknet;
}

Activation read_activation(const cfg::Section& s, const BuildContext& ctx, const char* fallback) {
  try {
    return parse_activation(s.get_string("activation", fallback));
  } catch (const std::exception& e) {
    fail(ctx, e.what());
  }
}

void fill_he(std::vector<float>& v, int fan_in, std::mt19937& rng) {
  std::normal_distribution<float> n(0.f, std::sqrt(2.f / float(fan_in > 0 ? fan_in : 1)));
  for (float& x : v) x = n(rng);
}

}  // namespace huge2

namespace huge2 {

void activate_parallel(float* x, size_t n, Activation act, ThreadPool* pool) {
  if (act == Activation::linear) return;
  constexpr size_t kGrain = 32768;  // a few microseconds of work per thread at least
  parallel_for(pool, n, [&](size_t i0, size_t i1) { activate_array(x + i0, i1 - i0, act); }, kGrain);
}

}  // namespace huge2
