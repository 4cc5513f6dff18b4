#include "planning/tap_correlation.h"

#include <algorithm>

#include "planning/panel_gemm.h"
#include "planning/ranges.h"
#include "runtime/tuning.h"

namespace huge2 {
namespace {

// A K block of a, transposed (kc x a's channels), stays in L2 while every
// row block passes over it: half of the L2 the direct plans assume, as the
// panel GEMM's K blocks.
long k_block_target(const CorrelationProblem& p) {
  return std::max(16L, long(cpu_tuning().l2_weight_bytes / 2 / sizeof(float)) / p.m);
}

}  // namespace

bool TapCorrelation::applies(const CorrelationProblem& p, Isa isa) {
  // Fewer channels than half the kernel's rows leave its broadcasts idle:
  // the panel GEMM packs (c, ky, kx) columns instead (a 3-channel stem).
  // At a step, A's broadcasts read every s-th float, so each line serves
  // fewer of them: steps above 2 stay on the panel GEMM (AVX2, the ReID
  // 8x8/8 layer's weight gradient: 1.78 ms there, 2.73 per tap), and a step
  // of 2 takes whole blocks of channels only (AVX2, DCGAN's 128->3, 3 rows
  // per block: 0.106 ms there, 0.146 per tap).
  const int mr = tile_kernels(isa).gemm_mr;
  if (p.ksize < 2 || p.step > 2 || 2 * p.c < mr || (p.step > 1 && p.c < mr)) return false;
  // The gather this saves is K floats per dw column, the add of dwt into dw
  // costs one pass over dw's m floats per column: K must be well above m.
  // Driver, 1 thread, AVX-512, time per-tap / panel GEMM, 3x3 layers:
  // K = m / 8 (512->512 on 8x8) 1.74-1.95x, m / 6 (YOLO's 13x13 512->1024
  // head) 1.74x, 1.3 m (256->512 on 26x26) 1.03x, 4 m (128->256 on 32x32)
  // 0.94x, 8 m (512->512 on 64x64) 0.97x at d2 and 0.74x at d12, 64 m
  // (128->128 on 64x128) 0.80x at d2 and 0.61x at d16.
  return double(p.batch) * p.h * p.w >= 2.0 * p.m;
}

TapCorrelation::TapCorrelation(const CorrelationProblem& p, int threads, Isa isa)
    : p_(p), k_(&tile_kernels(isa)), cols_(p.m, *k_) {
  const int vl = k_->vl;
  mr_ = k_->gemm_mr;
  // Near-equal channel blocks of at most MR rows: 8 channels on AVX2's
  // 6-row kernel as 4 + 4, not 6 + 2, whose 2-row block spends a B load
  // per 2 FMAs (8->128 3x3 on 64x64, AVX2: 0.77-0.79 ms as 6 + 2, 0.67-0.68
  // as 4 + 4, the panel GEMM 0.66-0.67).
  channel_blocks_ = split(p.c, int(ceil_div(p.c, mr_)));
  rows_per_block_ = int(std::clamp<long>(k_block_target(p) / p.w, 1, p.h));
  k_blocks_per_image_ = int(ceil_div(p.h, rows_per_block_));
  // Per tap, a's rows u and columns v whose src pixel (s*u + oy, s*v + ox)
  // exists: 0 <= s*u + oy < src_h.
  const int s = p.step;
  auto first = [s](int o) { return o >= 0 ? 0 : (-o + s - 1) / s; };        // least u with s*u + o >= 0
  auto end = [s](int o, int n) { return n - o <= 0 ? 0 : (n - o + s - 1) / s; };  // least u with s*u + o >= n
  double valid_pixels = 0;
  for (int ky = 0; ky < p.ksize; ++ky)
    for (int kx = 0; kx < p.ksize; ++kx) {
      Tap t;
      t.oy = p.dilation * ky - p.offset;
      t.ox = p.dilation * kx - p.offset;
      t.u0 = std::min(first(t.oy), p.h), t.u1 = std::clamp(end(t.oy, p.src_h), t.u0, p.h);
      t.v0 = std::min(first(t.ox), p.w), t.v1 = std::clamp(end(t.ox, p.src_w), t.v0, p.w);
      valid_pixels += double(t.u1 - t.u0) * (t.v1 - t.v0);
      taps_.push_back(t);
    }
  // A thread must get min_cycles_per_thread of work: the FMAs, and the
  // transposes of a and of dwt that run on the same threads.
  const CpuTuning& tune = cpu_tuning();
  const double fmas = valid_pixels * p.batch * p.c * ceil_div(p.m, vl);
  const double copies = double(p.batch) * p.h * p.w * p.m + 2.0 * dwt_floats();
  const double cycles = fmas / tune.fma_per_cycle + copies * tune.copy_cycles_per_float;
  const int items = int(channel_blocks_.size() * taps_.size());
  threads_ = int(std::clamp<double>(cycles / tune.min_cycles_per_thread, 1.0, double(std::min(threads, items))));
}

std::string TapCorrelation::describe() const {
  return "tap GEMM " + std::string(isa_name(k_->isa)) + " " + std::to_string(mr_) + "x" + std::to_string(cols_.nr) +
         " tiles, " + std::to_string(taps_.size()) + " taps x " + std::to_string(channel_blocks_.size()) + " channel block" +
         (channel_blocks_.size() > 1 ? "s" : "") + ", K blocks of " + std::to_string(rows_per_block_) + " row" +
         (rows_per_block_ > 1 ? "s" : "") + ", " + std::to_string(threads_) + " thread" + (threads_ > 1 ? "s" : "");
}

void TapCorrelation::run_item(int item, const float* src_image, int u0, int u1, const float* panels,
                              float* dwt) const {
  const CorrelationProblem& p = p_;
  const int kk = int(taps_.size());
  const auto [c0, width] = channel_blocks_[item / kk];
  const Tap& t = taps_[item % kk];
  const int r0 = std::max(u0, t.u0), r1 = std::min(u1, t.u1);
  if (r0 >= r1 || t.v0 >= t.v1) return;  // this tap lands in padding for the whole K block
  const ptrdiff_t plane = ptrdiff_t(p.src_h) * p.src_w;
  const float* rows = src_image + c0 * plane;
  float* out = dwt + (size_t(item % kk) * p.c + c0) * p.m;
  // The block's rows as K segments of one call per panel: between rows the
  // tap's src run jumps (and the columns outside [v0, v1) are skipped).
  GemmCall g;
  g.a = rows + ptrdiff_t(p.step * r0 + t.oy) * p.src_w + p.step * t.v0 + t.ox;
  g.lda = plane;
  g.kc = t.v1 - t.v0;
  g.ldc = p.m;
  g.k_rows = r1 - r0;
  g.a_step = p.step;
  g.a_row_step = ptrdiff_t(p.step) * p.src_w;
  const float* panel = panels;
  for (int pn = 0; pn < cols_.count; ++pn) {
    const int columns = cols_.width(pn);
    g.b = panel + (size_t(r0 - u0) * p.w + t.v0) * columns;
    g.ldb = columns;
    g.b_row_step = ptrdiff_t(p.w) * columns;
    g.c = out + pn * cols_.nr;
    g.cols = std::min(columns, p.m - pn * cols_.nr);
    k_->gemm_lookup(width, columns / k_->vl)(g);
    panel += size_t(rows_per_block_) * p.w * columns;
  }
}

void TapCorrelation::run(const float* a, const float* src, float* dw, float* ws, ThreadPool* pool) const {
  const CorrelationProblem& p = p_;
  const int kk = int(taps_.size()), items = int(channel_blocks_.size()) * kk;
  const int threads = pool ? std::min(threads_, pool->threads()) : 1;
  if (threads == 1) pool = nullptr;
  float* dwt = ws;
  float* panels = ws + dwt_floats();
  const size_t hw = size_t(p.h) * p.w, plane = size_t(p.src_h) * p.src_w;
  parallel_for(pool, dwt_floats(), [&](size_t i0, size_t i1) { std::fill(dwt + i0, dwt + i1, 0.f); });
  for (int b = 0; b < p.batch; ++b) {
    const float* a_image = a + size_t(b) * p.m * hw;
    const float* src_image = src + size_t(b) * p.c * plane;
    for (int kb = 0; kb < k_blocks_per_image_; ++kb) {
      const int u0 = kb * rows_per_block_, u1 = std::min(p.h, u0 + rows_per_block_);
      const long kc = long(u1 - u0) * p.w;
      // a's rows u0 .. u1-1, channels of panel pn, as [k][panel columns]
      // (zero columns past m).
      parallel_for(pool, size_t(cols_.count), [&](size_t q0, size_t q1) {
        for (size_t pn = q0; pn < q1; ++pn) {
          const int m0 = int(pn) * cols_.nr, columns = cols_.width(int(pn)), valid = std::min(columns, p.m - m0);
          float* panel = panels + size_t(rows_per_block_) * p.w * m0;
          pack_rows_transposed(a_image + m0 * hw + size_t(u0) * p.w, hw, valid, kc, panel, columns);
          if (valid < columns)
            for (long q = 0; q < kc; ++q) std::fill(panel + q * columns + valid, panel + (q + 1) * columns, 0.f);
        }
      });
      auto slot = [&](int s) {
        for (int item = items * s / threads; item < items * (s + 1) / threads; ++item)
          run_item(item, src_image, u0, u1, panels, dwt);
      };
      if (pool) pool->run(threads, slot);
      else slot(0);
    }
  }
  // dw[m][c][t] += dwt[t][c][m], in blocks of 16 m per thread: a block's 16
  // rows of dw are written in order, and each line of dwt is read once.
  // (Unblocked, one (c, t) at a time over all m, the rows of dw were
  // c*k*k floats apart: 18 KB for 512 channels, two L1 sets; the add took
  // 15% of the 512->512 3x3 d2 layer's time.)
  constexpr int kBlock = 16;
  parallel_for(pool, size_t(ceil_div(p.m, kBlock)), [&](size_t b0, size_t b1) {
    const size_t row = size_t(p.c) * kk;
    for (size_t blk = b0; blk < b1; ++blk) {
      const int m0 = int(blk) * kBlock, n = std::min(kBlock, p.m - m0);
      for (int c = 0; c < p.c; ++c)
        for (int t = 0; t < kk; ++t) {
          const float* from = dwt + (size_t(t) * p.c + c) * p.m + m0;
          float* to = dw + m0 * row + size_t(c) * kk + t;
          for (int i = 0; i < n; ++i) to[i * row] += from[i];
        }
    }
  });
}

}  // namespace huge2
