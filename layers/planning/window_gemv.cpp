#include "planning/window_gemv.h"

#include <algorithm>

#include "core/errors.h"

namespace huge2 {
namespace {

// Work per thread below which a second thread costs more than it saves
// (floats of weights streamed).
constexpr size_t kMinFloatsPerThread = 1 << 16;

// How many threads share `total` floats of weights, at most the pool's.
int useful_threads(const ThreadPool* pool, size_t total) {
  const int t = pool ? pool->threads() : 1;
  return int(std::clamp<size_t>(total / kMinFloatsPerThread, 1, size_t(t)));
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
  const int parts = std::min(useful_threads(pool, size_t(rows_) * n_), rows_);
  for (int b = 0; b < batch_; ++b) {
    const float* ib = in + size_t(b) * n_;
    float* ob = out + size_t(b) * rows_;
    auto part = [&](int i) {
      const int r0 = int(long(rows_) * i / parts), r1 = int(long(rows_) * (i + 1) / parts);
      k_->dot_rows(a + size_t(r0) * n_, n_, ib, n_, ob + r0, r1 - r0);
    };
    if (parts > 1) pool->run(parts, part);
    else part(0);
  }
}

void WindowGemv::rows_sum(const float* in, const float* a, float* out, ThreadPool* pool) const {
  // Columns in whole cache lines per thread: the threads never share one of out's lines.
  const long lines = (n_ + 15) / 16;
  const int parts = int(std::min<long>(useful_threads(pool, size_t(rows_) * n_), lines));
  for (int b = 0; b < batch_; ++b) {
    const float* ib = in + size_t(b) * rows_;
    float* ob = out + size_t(b) * n_;
    auto part = [&](int i) {
      const long j0 = std::min(n_, lines * i / parts * 16), j1 = std::min(n_, lines * (i + 1) / parts * 16);
      std::fill(ob + j0, ob + j1, 0.f);
      k_->axpy_rows(a + j0, n_, ib, rows_, ob + j0, j1 - j0);
    };
    if (parts > 1) pool->run(parts, part);
    else part(0);
  }
}

void WindowGemv::rank1_add(const float* u, const float* v, float* a, ThreadPool* pool) const {
  const int parts = std::min(useful_threads(pool, size_t(rows_) * n_), rows_);
  for (int b = 0; b < batch_; ++b) {
    const float* ub = u + size_t(b) * rows_;
    const float* vb = v + size_t(b) * n_;
    auto part = [&](int i) {
      const int r0 = int(long(rows_) * i / parts), r1 = int(long(rows_) * (i + 1) / parts);
      for (int r = r0; r < r1; ++r) k_->axpy_rows(vb, 0, ub + r, 1, a + size_t(r) * n_, n_);
    };
    if (parts > 1) pool->run(parts, part);
    else part(0);
  }
}

std::string WindowGemv::describe_rank1() const {
  return std::string("one window: rank-1 update of the weights, ") + isa_name(k_->isa);
}

}  // namespace huge2
