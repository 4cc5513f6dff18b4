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

WindowGemv::WindowGemv(const ConvShape& shape, Isa isa)
    : s_(shape), k_(&tile_kernels(isa)), n_(long(shape.in_c) * shape.ksize * shape.ksize) {
  if (!applies(s_)) throw ShapeError("window GEMV: " + s_.describe() + " has more than one window");
}

std::string WindowGemv::describe() const {
  return std::string("one window: matrix-vector product on the weights as given, ") + isa_name(k_->isa);
}

void WindowGemv::forward(const float* x, const float* w, float* y, ThreadPool* pool) const {
  const int rows = s_.out_c;
  const int parts = std::min(useful_threads(pool, size_t(rows) * n_), rows);
  for (int b = 0; b < s_.batch; ++b) {
    const float* xb = x + size_t(b) * n_;
    float* yb = y + size_t(b) * rows;
    auto part = [&](int i) {
      const int r0 = int(long(rows) * i / parts), r1 = int(long(rows) * (i + 1) / parts);
      k_->dot_rows(w + size_t(r0) * n_, n_, xb, n_, yb + r0, r1 - r0);
    };
    if (parts > 1) pool->run(parts, part);
    else part(0);
  }
}

void WindowGemv::backward_data(const float* dy, const float* w, float* dx, ThreadPool* pool) const {
  const int rows = s_.out_c;
  // Columns in whole cache lines per thread: the threads never share one of dx's lines.
  const long lines = (n_ + 15) / 16;
  const int parts = int(std::min<long>(useful_threads(pool, size_t(rows) * n_), lines));
  for (int b = 0; b < s_.batch; ++b) {
    const float* dyb = dy + size_t(b) * rows;
    float* dxb = dx + size_t(b) * n_;
    auto part = [&](int i) {
      const long j0 = std::min(n_, lines * i / parts * 16), j1 = std::min(n_, lines * (i + 1) / parts * 16);
      std::fill(dxb + j0, dxb + j1, 0.f);
      k_->axpy_rows(w + j0, n_, dyb, rows, dxb + j0, j1 - j0);
    };
    if (parts > 1) pool->run(parts, part);
    else part(0);
  }
}

}  // namespace huge2
