#include "planning/correlation_plan.h"

#include <algorithm>
#include <stdexcept>

#include "runtime/tuning.h"

namespace huge2 {
namespace {

long ceil_div(long a, long b) { return (a + b - 1) / b; }

// A K block's slice of packed A stays in L2 while every panel of the block
// passes over it (half of the L2 the direct plans assume), and a panel
// (kc x NR floats) stays in L1 while the block's tiles read it.
constexpr long kMaxKc = 256;

}  // namespace

CorrelationPlan::CorrelationPlan(const CorrelationProblem& problem, int threads, Isa isa)
    : p_(problem), kernels_(&tile_kernels(isa)), isa_(isa) {
  const CorrelationProblem& p = p_;
  if (p.batch < 1 || p.m < 1 || p.h < 1 || p.w < 1 || p.c < 1 || p.src_h < 1 || p.src_w < 1 || p.ksize < 1 ||
      p.step < 1 || p.dilation < 1)
    throw std::invalid_argument("weight gradient: empty or negative geometry");
  mr_ = kernels_->gemm_mr;
  nr_ = kernels_->gemm_nv * kernels_->vl;
  n_ = p.c * p.ksize * p.ksize;
  panels_ = int(ceil_div(n_, nr_));
  m_blocks_ = int(ceil_div(p.m, mr_));
  k_total_ = long(p.batch) * p.h * p.w;
  const long m_pad = long(m_blocks_) * mr_;
  const long kc_target = std::clamp(long(cpu_tuning().l2_weight_bytes / 2 / sizeof(float)) / m_pad, 16L, kMaxKc);
  k_blocks_ = int(ceil_div(k_total_, kc_target));
  kc_ = int(ceil_div(k_total_, k_blocks_));
  // Threads: as many as the work pays for (a thread must get
  // min_cycles_per_thread of FMAs at fma_per_cycle, or of dw's reads and
  // writes per K block from beyond L2: a layer with K = 1 is all traffic).
  const CpuTuning& tune = cpu_tuning();
  const double fma_cycles = double(m_pad) * panels_ * kernels_->gemm_nv * k_total_ / tune.fma_per_cycle;
  const double dw_cycles = 2.0 * sizeof(float) * p.m * n_ * k_blocks_ / tune.far_bytes_per_cycle;
  const double cycles = std::max(fma_cycles, dw_cycles);
  const int want = std::max(1, threads);
  threads_ = int(std::clamp<double>(cycles / tune.min_cycles_per_thread, 1.0, double(want)));
  // Panel groups: a K block of a group's B stays in L2 while the row blocks
  // pass over it; more groups when there are too few row blocks to share
  // among the threads.
  const long group_max = std::max(1L, long(tune.l2_weight_bytes / 2) / (long(kc_) * nr_ * long(sizeof(float))));
  groups_ = int(std::max(ceil_div(panels_, group_max), std::min<long>(panels_, ceil_div(2 * threads_, m_blocks_))));
}

size_t CorrelationPlan::workspace_floats() const {
  return packed_a_floats() + size_t(panels_) * kc_ * nr_;
}

std::string CorrelationPlan::describe() const {
  return std::string("packed GEMM ") + isa_name(isa_) + ", " + std::to_string(mr_) + "x" + std::to_string(nr_) +
         " tiles, " + std::to_string(k_blocks_) + " K block" + (k_blocks_ > 1 ? "s" : "") + " of " +
         std::to_string(kc_) + ", " + std::to_string(threads_) + " thread" + (threads_ > 1 ? "s" : "");
}

// Block `block` of MR rows of a, as [k][width] over all K (images back to back).
void CorrelationPlan::pack_a(const float* a, float* packed, int block) const {
  const int m0 = block * mr_, width = std::min(mr_, p_.m - m0);
  const size_t hw = size_t(p_.h) * p_.w;
  float* dst = packed + size_t(block) * mr_ * k_total_;
  for (int b = 0; b < p_.batch; ++b)
    for (int r = 0; r < width; ++r) {
      const float* row = a + (size_t(b) * p_.m + m0 + r) * hw;
      float* d = dst + size_t(b) * hw * width + r;
      for (size_t k = 0; k < hw; ++k) d[k * width] = row[k];
    }
}

namespace {

// One run of a panel's columns (consecutive kx of one (c, ky)) for the pixels
// v0 .. v0+count-1 of one row: out[i*NR + q] = row[x0 + step*i + d*q], 0
// outside [0, width). L: the run length when known at compile time (the
// common full runs: whole kernel rows), else 0 and `len` says.
template <int L>
void copy_run(const float* row, int x0, int count, int step, int d, int len, int width, float* out, int nr) {
  const int n = L ? L : len;
  // Pixels whose whole run lies inside the row: [first, last).
  const int first = x0 >= 0 ? 0 : std::min(count, (-x0 + step - 1) / step);
  const int reach = width - 1 - x0 - d * (n - 1);
  const int last = reach < 0 ? 0 : std::max(first, std::min(count, reach / step + 1));
  auto edge = [&](int i) {
    for (int q = 0; q < n; ++q) {
      const int xx = x0 + step * i + d * q;
      out[size_t(i) * nr + q] = xx >= 0 && xx < width ? row[xx] : 0.f;
    }
  };
  for (int i = 0; i < first; ++i) edge(i);
  const float* src = row + x0 + step * first;
  float* dst = out + size_t(first) * nr;
  if (d == 1)
    for (int i = first; i < last; ++i, src += step, dst += nr)
      for (int q = 0; q < n; ++q) dst[q] = src[q];
  else
    for (int i = first; i < last; ++i, src += step, dst += nr)
      for (int q = 0; q < n; ++q) dst[q] = src[d * q];
  for (int i = last; i < count; ++i) edge(i);
}

using CopyRun = void (*)(const float*, int, int, int, int, int, int, float*, int);
CopyRun copy_run_for(int len) {
  switch (len) {
    case 1: return &copy_run<1>;
    case 2: return &copy_run<2>;
    case 3: return &copy_run<3>;
    case 4: return &copy_run<4>;
    case 8: return &copy_run<8>;
    default: return &copy_run<0>;
  }
}

}  // namespace

// Columns n0 .. n0+NR-1 of B for K indices k0 .. k0+kc-1, as [k][NR];
// columns past n_ and taps in src's padding are 0. Columns of one (c, ky)
// are consecutive kx: a run of src floats `dilation` apart in one row, and
// consecutive pixels of a row read runs `step` floats apart, so each run is
// copied row segment by row segment (a strided transpose, no per-float
// index arithmetic inside the row).
void CorrelationPlan::pack_panel(const float* src, int pn, long k0, int kc, float* panel) const {
  const CorrelationProblem& p = p_;
  const int n0 = pn * nr_, nr = panel_columns(pn);
  const int kk = p.ksize * p.ksize, d = p.dilation;
  const long hw = long(p.h) * p.w, image = long(p.c) * p.src_h * p.src_w;
  int j = 0;
  for (; j < nr && n0 + j < n_;) {
    const int n = n0 + j, c = n / kk, e = n % kk, ky = e / p.ksize, kx = e % p.ksize;
    const int len = std::min({p.ksize - kx, nr - j, n_ - n});
    const int oy = d * ky - p.offset, ox = d * kx - p.offset;
    const CopyRun copy = copy_run_for(len);
    // Row segments of the K block: pixels of one (image, row u).
    for (int t = 0; t < kc;) {
      const long k = k0 + t, b = k / hw;
      const int u = int(k % hw / p.w), v = int(k % hw % p.w), count = int(std::min<long>(kc - t, p.w - v));
      float* out = panel + size_t(t) * nr + j;
      const int sy = p.step * u + oy;
      if (sy < 0 || sy >= p.src_h) {
        for (int i = 0; i < count; ++i) std::fill(out + size_t(i) * nr, out + size_t(i) * nr + len, 0.f);
      } else {
        const float* row = src + b * image + (long(c) * p.src_h + sy) * p.src_w;
        copy(row, p.step * v + ox, count, p.step, d, len, p.src_w, out, nr);
      }
      t += count;
    }
    j += len;
  }
  if (j < nr)
    for (int t = 0; t < kc; ++t) std::fill(panel + size_t(t) * nr + j, panel + size_t(t + 1) * nr, 0.f);
}

void CorrelationPlan::run(const float* a, const float* src, float* dw, float* ws, ThreadPool* pool) const {
  float* packed = ws;
  float* bpack = ws + packed_a_floats();
  if (threads_ == 1) pool = nullptr;  // too little work to wake a worker for
  parallel_for(pool, size_t(m_blocks_), [&](size_t b0, size_t b1) {
    for (size_t b = b0; b < b1; ++b) pack_a(a, packed, int(b));
  });
  // Work items: (group, row block), group-major, so that a thread's run of
  // items keeps one group's panels in L2 and sweeps dw's rows along them.
  const int items = groups_ * m_blocks_;
  const int slots = std::min(threads_, items);
  for (int kb = 0; kb < k_blocks_; ++kb) {
    const long k0 = long(kb) * kc_;
    const int kc = int(std::min<long>(kc_, k_total_ - k0));
    parallel_for(pool, size_t(panels_), [&](size_t p0, size_t p1) {
      for (size_t pn = p0; pn < p1; ++pn) pack_panel(src, int(pn), k0, kc, bpack + pn * kc_ * nr_);
    });
    auto slot = [&](int t) {
      for (int item = items * t / slots; item < items * (t + 1) / slots; ++item) {
        const int group = item / m_blocks_, blk = item % m_blocks_;
        const int width = std::min(mr_, p_.m - blk * mr_);
        GemmCall g;
        g.a = packed + size_t(blk) * mr_ * k_total_ + size_t(k0) * width;
        g.kc = kc;
        g.ldc = n_;
        for (int pn = panels_ * group / groups_; pn < panels_ * (group + 1) / groups_; ++pn) {
          g.b = bpack + size_t(pn) * kc_ * nr_;
          g.c = dw + size_t(blk) * mr_ * n_ + size_t(pn) * nr_;
          g.cols = std::min(nr_, n_ - pn * nr_);
          kernels_->gemm_lookup(width, panel_columns(pn) / kernels_->vl)(g);
        }
      }
    };
    if (pool && slots > 1) pool->run(slots, slot);
    else for (int t = 0; t < slots; ++t) slot(t);
  }
}

}  // namespace huge2
