// Shared test helpers: seeded random tensors, a tolerance check that
// prints where and by how much two tensors differ, one forward pass of an
// operator.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/algorithm.h"
#include "core/shapes.h"

namespace huge2::test {

inline std::vector<float> random_tensor(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

// The random geometries of the issue: batch 1..3, k 1..7, stride 1..4,
// (dilation 1..6,) padding 0..k-1, sizes 1..33, channels 1..64 but bounded
// so that the naive reference does about `work` multiply-adds per channel
// pair squared. nullopt when the draw is an impossible geometry (the caller
// draws again); the draws happen in a fixed order, so a seed names a sequence.
inline int random_channel_bound(int work, int64_t per_channel_pair) {
  const int budget = int(work / per_channel_pair);
  return std::max(1, std::min(64, int(std::sqrt(double(budget)))));
}

inline std::optional<DeconvShape> random_deconv_shape(std::mt19937& rng, int work) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  DeconvShape s;
  s.batch = pick(1, 3);
  s.ksize = pick(1, 7);
  s.stride = pick(1, 4);
  s.pad = pick(0, s.ksize - 1);
  s.in_h = pick(1, 33), s.in_w = pick(1, 33);
  const int cmax = random_channel_bound(work, int64_t(s.batch) * s.ksize * s.ksize * s.in_h * s.in_w);
  s.in_c = pick(1, cmax), s.out_c = pick(1, cmax);
  if (s.out_h() < 1 || s.out_w() < 1) return std::nullopt;
  return s;
}

inline std::optional<ConvShape> random_conv_shape(std::mt19937& rng, int work) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ConvShape s;
  s.batch = pick(1, 3);
  s.ksize = pick(1, 7);
  s.stride = pick(1, 4);
  s.dilation = pick(1, 6);
  s.pad = pick(0, s.ksize - 1);
  s.in_h = pick(1, 33), s.in_w = pick(1, 33);
  const int64_t span = int64_t(s.dilation) * (s.ksize - 1) + 1;
  if (s.in_h + 2 * s.applied_pad() < span || s.in_w + 2 * s.applied_pad() < span) return std::nullopt;
  const int cmax = random_channel_bound(work, int64_t(s.batch) * s.ksize * s.ksize * s.out_h() * s.out_w());
  s.in_c = pick(1, cmax), s.out_c = pick(1, cmax);
  return s;
}

// Empty string when |got - want| <= rtol * max(1, max|want|) everywhere;
// otherwise a description of the worst element.
inline std::string compare(const std::vector<float>& got, const std::vector<float>& want, double rtol = 1e-4) {
  if (got.size() != want.size())
    return "size " + std::to_string(got.size()) + " != " + std::to_string(want.size());
  double scale = 1.0;
  for (float w : want) scale = std::max(scale, double(std::fabs(w)));
  size_t worst = 0;
  double worst_err = -1;
  for (size_t i = 0; i < got.size(); ++i) {
    const double e = std::isfinite(got[i]) ? std::fabs(double(got[i]) - want[i]) : INFINITY;
    if (e > worst_err) worst_err = e, worst = i;
  }
  if (worst_err <= rtol * scale) return "";
  std::ostringstream s;
  s << "element " << worst << ": got " << got[worst] << ", want " << want[worst] << " (error " << worst_err
    << " > " << rtol << " * " << scale << ")";
  return s.str();
}

// One forward pass of a CPU operator (Convolution, Deconvolution) with the
// weights as given, into an output of garbage: every output must be written.
template <class Op, class Shape>
std::vector<float> run_operator(const Shape& s, Algorithm algo, const std::vector<float>& w,
                                const std::vector<float>& x) {
  Op op(s, algo, w.data());
  std::vector<float> ws(op.workspace_bytes() / sizeof(float) + 1);
  std::vector<float> y(s.output_count(), -7.f);
  op.forward(x.data(), y.data(), ws.data(), ws.size() * sizeof(float));
  return y;
}

// op against the definition (ref, the same operator with Algorithm::reference)
// on input x, on the calling thread alone and on `pool`; "" when both agree.
template <class Op, class Shape, class Pool>
std::string compare_to_reference(const Op& op, const Op& ref, const Shape& s, const std::vector<float>& x, Pool* pool) {
  std::vector<float> want(s.output_count()), alone(s.output_count(), -7.f), pooled(s.output_count(), -7.f);
  ref.forward(x.data(), want.data(), nullptr, 0);
  op.forward(x.data(), alone.data(), nullptr, 0);
  op.forward(x.data(), pooled.data(), nullptr, 0, pool);
  return compare(alone, want) + compare(pooled, want);
}

}  // namespace huge2::test
