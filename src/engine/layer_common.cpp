#include "layer_common.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "core/shapes.h"
#include "huge2_keys.h"

namespace huge2 {
namespace {

// Upper limits of the keys that count things a layer multiplies into its
// shape (issue 21: classes=1073741824 num=4 wrapped num*(5+classes) to the
// input's channel count). One table for every layer type: far above any real
// network (ImageNet-22k has 21841 classes), low enough that every product of
// these keys fits in 64 bits and a message can name the key, not a product.
// stride and size are not here: their products are checked where formed.
struct KeyLimit {
  const char* key;
  int max;
};
constexpr KeyLimit kKeyLimits[] = {
    {"classes", 1 << 20}, {"num", 1 << 16},      {"ids", 1 << 20},   {"coords", 1 << 10},
    {"dilation", 1 << 16}, {"side", 1 << 16},
};

int key_limit(const char* key) {
  for (const KeyLimit& k : kKeyLimits)
    if (!std::strcmp(k.key, key)) return k.max;
  return INT32_MAX;
}

}  // namespace

void fail(const BuildContext& ctx, const std::string& what) { throw NetworkError(ctx.where + what); }

int read_int_at_least(const cfg::Section& s, const BuildContext& ctx, const char* key, int fallback, int min) {
  const int v = s.get_int(key, fallback);
  if (v < min)
    throw NetworkError(s.where(key) + ": [" + s.type + "] " + key + "=" + std::to_string(v) + " must be >= " +
                       std::to_string(min) + " (layer " + std::to_string(ctx.index) + ")");
  if (v > key_limit(key))
    throw NetworkError(s.where(key) + ": [" + s.type + "] " + key + "=" + std::to_string(v) + " is more than " +
                       std::to_string(key_limit(key)) + ", huge2's limit for it (layer " + std::to_string(ctx.index) +
                       ")");
  return v;
}

int checked_count(const BuildContext& ctx, const std::string& what, std::initializer_list<int64_t> factors) {
  const int64_t n = checked_elements(factors);
  if (n < 0) {
    std::string product;
    for (int64_t f : factors) product += (product.empty() ? "" : " x ") + std::to_string(f);
    fail(ctx, what + " = " + product + " is more than 2^31-1");
  }
  return int(n);
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
