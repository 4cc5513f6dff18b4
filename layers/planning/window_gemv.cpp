#include "planning/window_gemv.h"

#include <algorithm>

#include "core/errors.h"

namespace huge2 {
namespace {

// Work per thread below which a second thread costs more than it saves
// (floats of weights streamed).
constexpr size_t kMinFloatsPerThread = 1 << 16;

// The grain, in items of `floats_per_item` weights each, that gives every
// thread at least kMinFloatsPerThread of them (parallel_for's `grain`).
size_t grain_for(size_t floats_per_item) {
  return std::max<size_t>(1, (kMinFloatsPerThread + floats_per_item - 1) / floats_per_item);
}

}  // namespace

bool WindowGemv::applies(const ConvShape& s) {
  return s.in_h == s.ksize && s.in_w == s.ksize && s.applied_pad() == 0 && s.dilation == 1;
}

bool WindowGemv::applies(const DeconvShape& s) { return s.in_h == 1 && s.in_w == 1 && s.pad == 0; }

WindowGemv::WindowGemv(const ConvShape& s, Isa isa)
    : batch_(s.batch), rows_(s.out_c), n_(long(s.in_c) * s.ksize * s.ksize), k_(&tile_kernels(isa)) {
  if (!applies(s)) throw ShapeError("window GEMV: " + s.describe() + " has more than one window");
}

WindowGemv::WindowGemv(const DeconvShape& s, Isa isa)
    : batch_(s.batch), rows_(s.in_c), n_(long(s.out_c) * s.ksize * s.ksize), k_(&tile_kernels(isa)) {
  if (!applies(s)) throw ShapeError("window GEMV: " + s.describe() + " is not one padless input pixel");
}

std::string WindowGemv::describe() const {
  return std::string("one window: matrix-vector product on the weights as given, ") + isa_name(k_->isa);
}

void WindowGemv::rows_dot(const float* in, const float* a, float* out, ThreadPool* pool) const {
  for (int b = 0; b < batch_; ++b) {
    const float* ib = in + size_t(b) * n_;
    float* ob = out + size_t(b) * rows_;
    parallel_for(pool, size_t(rows_), [&](size_t r0, size_t r1) {
      k_->dot_rows(a + r0 * n_, n_, ib, n_, ob + r0, int(r1 - r0));
    }, grain_for(size_t(n_)));
  }
}

void WindowGemv::rows_sum(const float* in, const float* a, float* out, ThreadPool* pool) const {
  // Columns in whole cache lines per thread: the threads never share one of out's lines.
  constexpr long kLine = 16;
  const size_t lines = size_t((n_ + kLine - 1) / kLine);
  for (int b = 0; b < batch_; ++b) {
    const float* ib = in + size_t(b) * rows_;
    float* ob = out + size_t(b) * n_;
    parallel_for(pool, lines, [&](size_t l0, size_t l1) {
      const long j0 = std::min(n_, long(l0) * kLine), j1 = std::min(n_, long(l1) * kLine);
      std::fill(ob + j0, ob + j1, 0.f);
      k_->axpy_rows(a + j0, n_, ib, rows_, ob + j0, j1 - j0);
    }, grain_for(size_t(rows_) * kLine));
  }
}

void WindowGemv::rank1_add(const float* u, const float* v, float* a, ThreadPool* pool) const {
  for (int b = 0; b < batch_; ++b) {
    const float* ub = u + size_t(b) * rows_;
    const float* vb = v + size_t(b) * n_;
    parallel_for(pool, size_t(rows_), [&](size_t r0, size_t r1) {
      for (size_t r = r0; r < r1; ++r) k_->axpy_rows(vb, 0, ub + r, 1, a + r * n_, n_);
    }, grain_for(size_t(n_)));
  }
}

std::string WindowGemv::describe_rank1() const {
  return std::string("one window: rank-1 update of the weights, ") + isa_name(k_->isa);
}

}  // namespace huge2
