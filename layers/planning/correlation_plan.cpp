#include "planning/correlation_plan.h"

#include <algorithm>
#include <stdexcept>

#include "planning/lane_correlation.h"
#include "planning/tap_correlation.h"
#include "planning/window_copy.h"

namespace huge2 {
namespace {

CorrelationProblem checked(const CorrelationProblem& p) {
  if (p.batch < 1 || p.m < 1 || p.h < 1 || p.w < 1 || p.c < 1 || p.src_h < 1 || p.src_w < 1 || p.ksize < 1 ||
      p.step < 1 || p.dilation < 1)
    throw std::invalid_argument("weight gradient: empty or negative geometry");
  return p;
}

struct PanelSource {
  const CorrelationProblem* problem;
  const float* src;
};

// Columns n0 .. n0+width-1 of B for K indices k0 .. k0+kc-1, as [k][width];
// columns past n and taps in src's padding are 0. Columns of one (c, ky)
// are consecutive kx: a run of src floats `dilation` apart in one row, and
// consecutive pixels of a row read runs `step` floats apart, so each run is
// copied row segment by row segment (a strided transpose, no per-float
// index arithmetic inside the row), a run's consecutive whole rows in one
// call. The segments' pixels and a whole row's in-bounds span are found once
// per call and once per run, not per segment: their divisions cost more than
// the copy of an 8-pixel row.
void pack_panel(const void* ctx, int, int n0, int nr, long k0, int kc, float* panel) {
  const PanelSource& source = *static_cast<const PanelSource*>(ctx);
  const CorrelationProblem& p = *source.problem;
  const int kk = p.ksize * p.ksize, d = p.dilation, n_total = p.c * kk;
  const long hw = long(p.h) * p.w, image = long(p.c) * p.src_h * p.src_w;
  const long b0 = k0 / hw;
  const int u0 = int(k0 % hw / p.w), v0 = int(k0 % hw % p.w);
  int j = 0;
  for (; j < nr && n0 + j < n_total;) {
    const int n = n0 + j, c = n / kk, e = n % kk, ky = e / p.ksize, kx = e % p.ksize;
    const int len = std::min({p.ksize - kx, nr - j, n_total - n});
    const int oy = d * ky - p.offset, ox = d * kx - p.offset;
    const CopyWindowRows copy = copy_window_rows_for(len);
    const WindowSpan row_span = window_span(ox, p.w, p.step, d, len, p.src_w);
    // Row segments of the K block: pixels v .. v+count-1 of image b, row u.
    long b = b0;
    for (int t = 0, u = u0, v = v0; t < kc;) {
      const int count = std::min(kc - t, p.w - v);
      float* out = panel + size_t(t) * nr + j;
      const int sy = p.step * u + oy;
      if (sy < 0 || sy >= p.src_h) {
        for (int i = 0; i < count; ++i) std::fill(out + size_t(i) * nr, out + size_t(i) * nr + len, 0.f);
      } else {
        const float* row = source.src + b * image + (long(c) * p.src_h + sy) * p.src_w;
        const int x0 = p.step * v + ox;
        const bool whole = v == 0 && count == p.w;
        // Whole rows of this image after it whose src rows exist (sy grows
        // with u) join the call.
        int rows = 1;
        if (whole)
          while (u + rows < p.h && t + (rows + 1) * p.w <= kc && p.step * (u + rows) + oy < p.src_h) ++rows;
        const WindowSpan span = whole ? row_span : window_span(x0, count, p.step, d, len, p.src_w);
        copy(row, ptrdiff_t(p.step) * p.src_w, rows, x0, span, count, p.step, d, len, p.src_w, out, nr,
             ptrdiff_t(p.w) * nr);
        t += (rows - 1) * p.w;
        u += rows - 1;
      }
      t += count;
      v = 0;
      if (++u == p.h) u = 0, ++b;
    }
    j += len;
  }
  if (j < nr)
    for (int t = 0; t < kc; ++t) std::fill(panel + size_t(t) * nr + j, panel + size_t(t + 1) * nr, 0.f);
}

}  // namespace

CorrelationPlan::CorrelationPlan(const CorrelationProblem& problem, int threads, Isa isa)
    : p_(checked(problem)),
      gemm_(p_.m, p_.c * p_.ksize * p_.ksize, long(p_.batch) * p_.h * p_.w, isa, threads, long(p_.h) * p_.w),
      threads_(gemm_.useful_threads(threads)) {
  if (LaneCorrelation::applies(p_, isa)) lanes_ = std::make_unique<LaneCorrelation>(p_, threads, isa);
  else if (TapCorrelation::applies(p_, isa)) taps_ = std::make_unique<TapCorrelation>(p_, threads, isa);
}

CorrelationPlan::~CorrelationPlan() = default;

size_t CorrelationPlan::workspace_floats() const {
  if (lanes_) return lanes_->workspace_floats();
  if (taps_) return taps_->workspace_floats();
  return gemm_.panel_floats();
}

std::string CorrelationPlan::describe() const {
  if (lanes_) return lanes_->describe();
  if (taps_) return taps_->describe();
  return "packed GEMM " + gemm_.describe() + ", " + std::to_string(threads_) + " thread" + (threads_ > 1 ? "s" : "");
}

void CorrelationPlan::run(const float* a, const float* src, float* dw, float* ws, ThreadPool* pool) const {
  if (lanes_) return lanes_->run(a, src, dw, ws, pool);
  if (taps_) return taps_->run(a, src, dw, ws, pool);
  const size_t hw = size_t(p_.h) * p_.w;
  const PanelSource source{&p_, src};
  const int n = p_.c * p_.ksize * p_.ksize;
  gemm_.run(a, ptrdiff_t(hw), ptrdiff_t(p_.m * hw), ws, dw, n, &pack_panel, &source, pool);
}

}  // namespace huge2
