#include "planning/panel_gemm.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "planning/ranges.h"
#include "runtime/tuning.h"

namespace huge2 {
namespace {

// A K block's slice of packed A stays in L2 while every panel of the block
// passes over it (half of the L2 the direct plans assume), and a panel
// (kc x NR floats) stays in L1 while the block's tiles read it.
constexpr long kMaxKc = 256;
// C's floats at most, for K in halves (a second pass over it per call).
constexpr long kHalvesMaxC = 16384;

}  // namespace

PanelColumns::PanelColumns(int n_, const TileKernels& k) : n(n_), vl(k.vl), nr(k.gemm_nv * k.vl) {
  count = int(ceil_div(n, nr));
  if (count > 1 && n - (count - 1) * nr <= vl && k.gemm_last_nv > k.gemm_nv)
    --count;  // the last vector's columns join the panel before them (width)
}

PanelGemm::PanelGemm(int m, int n, long k, Isa isa, int threads, long k_per_image)
    : kernels_(&tile_kernels(isa)), isa_(isa), m_(m), n_(n), k_(k), cols_(n, *kernels_) {
  if (m < 1 || n < 1 || k < 1) throw std::invalid_argument("panel GEMM: empty matrix");
  mr_ = kernels_->gemm_mr;
  m_blocks_ = int(ceil_div(m, mr_));
  const CpuTuning& tune = cpu_tuning();
  const long m_pad = long(m_blocks_) * mr_;
  const long kc_target = std::clamp(long(tune.l2_weight_bytes / 2 / sizeof(float)) / m_pad, 16L, kMaxKc);
  kpi_ = k_per_image > 0 ? k_per_image : k;
  if (k % kpi_) throw std::invalid_argument("panel GEMM: K is not whole images");
  const long images = k / kpi_;
  if (kpi_ >= kc_target) {  // blocks inside each image
    blocks_per_image_ = int(ceil_div(kpi_, kc_target));
    kc_ = int(ceil_div(kpi_, blocks_per_image_));
    k_blocks_ = int(images * blocks_per_image_);
  } else {  // whole images per block
    blocks_per_image_ = 0;
    k_blocks_ = int(ceil_div(images, kc_target / kpi_));
    kc_ = int(ceil_div(images, k_blocks_) * kpi_);  // near-equal blocks (8 images: 4 + 4, not 6 + 2)
  }
  group_max_ = int(std::max(1L, long(tune.l2_weight_bytes / 2) / (long(kc_) * cols_.nr * long(sizeof(float)))));
  whole_b_ = k_blocks_ > 1 && double(cols_.total()) * k_ * sizeof(float) <= tune.l2_weight_bytes / 2;
  threads_ = useful_threads(threads);
  // K in two halves where C is small and K long (DCGAN's RGB layers: C =
  // 128 x 48, K = 1024 pixels a image): each thread would otherwise gather
  // all of B for its rows (one group of panels), and the second half's sum
  // costs one pass over a C this small. Chosen by the shape alone, so that
  // plans for any threads sum alike.
  k_halves_ = k_blocks_ >= 2 && k_ >= 4L * m_ && long(m_) * n_ <= kHalvesMaxC;
}

size_t PanelGemm::span_floats(int first, int last) const {
  // Only the last panel of all may be wider or narrower than NR.
  return first == last ? 0 : size_t(cols_.width(last - 1) + (last - 1 - first) * cols_.nr) * kc_;
}

size_t PanelGemm::half_panel_floats() const {
  return span_floats(0, cols_.count) * (whole_b_ ? ceil_div(k_blocks_, 2) : 1);
}

PanelGemm::KBlock PanelGemm::block(int kb) const {
  KBlock b;
  if (blocks_per_image_) {
    b.image = kb / blocks_per_image_;
    b.q0 = long(kb % blocks_per_image_) * kc_;
    b.kc = int(std::min<long>(kc_, kpi_ - b.q0));
  } else {
    b.image = long(kb) * (kc_ / kpi_);
    b.q0 = 0;
    b.kc = int(std::min<long>(kc_, k_ - b.image * kpi_));
  }
  b.k0 = b.image * kpi_ + b.q0;
  return b;
}

PanelGemm::Split PanelGemm::split(int threads) const {
  // Panel groups: a K block of a group's B stays in L2 while the row blocks
  // pass over it; more groups when there are too few row blocks to share
  // among the threads.
  Split s;
  s.groups = int(std::max(ceil_div(cols_.count, group_max_),
                          std::min<long>(cols_.count, ceil_div(2 * threads, m_blocks_))));
  // Whole groups per thread where there are enough: a group two threads
  // share is packed by both (DCGAN 512->256's 3 groups on 2 threads: a
  // third of B packed twice, the weight gradient 3% slower with its data
  // gradient alternating, 10-25% in huge2-bench; 4 groups: none).
  if (s.groups >= threads) s.groups = int(std::min<long>(cols_.count, ceil_div(s.groups, threads) * threads));
  s.items = s.groups * m_blocks_;
  s.slots = std::min(threads, s.items);
  return s;
}

void PanelGemm::slot_panels(const Split& s, int t, int& first, int& last) const {
  first = last = 0;
  if (s.first_item(t) == s.first_item(t + 1)) return;
  const int g0 = s.first_item(t) / m_blocks_, g1 = (s.first_item(t + 1) - 1) / m_blocks_ + 1;
  first = int(long(cols_.count) * g0 / s.groups);
  last = int(long(cols_.count) * g1 / s.groups);
}

size_t PanelGemm::slot_floats(const Split& s, int t) const {
  int first, last;
  slot_panels(s, t, first, last);
  return span_floats(first, last);
}

size_t PanelGemm::slot_offset(const Split& s, int t) const {
  size_t offset = 0;
  for (int u = 0; u < t; ++u) offset += slot_floats(s, u);
  return offset;
}

size_t PanelGemm::panel_floats() const {
  if (k_halves_) return 2 * half_panel_floats() + size_t(m_) * n_;
  size_t floats = 0;
  for (int threads = 1; threads <= threads_; ++threads) {
    const Split s = split(threads);
    floats = std::max(floats, slot_offset(s, s.slots));
  }
  return floats * (whole_b_ ? k_blocks_ : 1);
}

int PanelGemm::useful_threads(int threads) const {
  const CpuTuning& tune = cpu_tuning();
  const double vectors = double(ceil_div(n_, kernels_->vl));  // B's row, over all panels
  const double fma_cycles = double(m_blocks_) * mr_ * vectors * double(k_) / tune.fma_per_cycle;
  const double c_cycles = 2.0 * sizeof(float) * double(m_) * n_ * k_blocks_ / tune.far_bytes_per_cycle;
  // Gathering B's panels runs on the same threads, and A streams in from
  // beyond L2 (DCGAN's 128->3 weight gradient: 49 K floats of B and 131 K
  // of A beside 196 K FMA cycles). A was packed when this estimate was
  // made; its term stays, so no plan's thread count moved with that.
  const double pack_cycles = tune.copy_cycles_per_float * (double(m_) + n_) * double(k_);
  const double cycles = std::max(fma_cycles, c_cycles) + pack_cycles;
  return int(std::clamp<double>(cycles / tune.min_cycles_per_thread, 1.0, double(std::max(1, threads))));
}

std::string PanelGemm::describe() const {
  return std::string(isa_name(isa_)) + " " + std::to_string(mr_) + "x" + std::to_string(cols_.nr) + " tiles, " +
         std::to_string(k_blocks_) + " K block" + (k_blocks_ > 1 ? "s" : "") + " of " + std::to_string(kc_) +
         (whole_b_ ? ", all packed first" : "") +
         (k_halves_ ? ", K in two halves" : threads_ > 1 ? ", panels packed per thread" : "");
}

namespace {

// Four floats as one vector of the compiler's generic vector extension
// (SSE on x86, NEON on aarch64, whatever the file's flags).
typedef float Float4 __attribute__((vector_size(16)));
#if defined(__clang__)
#define HUGE2_SHUFFLE(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
typedef int Int4 __attribute__((vector_size(16)));
#define HUGE2_SHUFFLE(a, b, i, j, k, l) __builtin_shuffle(a, b, Int4{i, j, k, l})
#endif

Float4 load4(const float* p) {
  Float4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store4(float* p, Float4 v) { std::memcpy(p, &v, sizeof v); }

// Rows r0 .. r0+3 (row[r] = rows + r * row_stride) of columns q .. q+3 into
// d[(q + j) * width + r0 + r]: a 4x4 transpose in registers, four vector
// stores where the plain loop made sixteen scalar ones (A of the 128->3
// DCGAN layer's weight gradient at batch 8: 1 M floats, a third of the time).
void transpose4(const float* rows, size_t row_stride, long q, float* d, int width) {
  const Float4 a = load4(rows + q), b = load4(rows + row_stride + q), c = load4(rows + 2 * row_stride + q),
               e = load4(rows + 3 * row_stride + q);
  const Float4 t0 = HUGE2_SHUFFLE(a, b, 0, 4, 1, 5), t1 = HUGE2_SHUFFLE(a, b, 2, 6, 3, 7);
  const Float4 t2 = HUGE2_SHUFFLE(c, e, 0, 4, 1, 5), t3 = HUGE2_SHUFFLE(c, e, 2, 6, 3, 7);
  store4(d + (q + 0) * width, HUGE2_SHUFFLE(t0, t2, 0, 1, 4, 5));
  store4(d + (q + 1) * width, HUGE2_SHUFFLE(t0, t2, 2, 3, 6, 7));
  store4(d + (q + 2) * width, HUGE2_SHUFFLE(t1, t3, 0, 1, 4, 5));
  store4(d + (q + 3) * width, HUGE2_SHUFFLE(t1, t3, 2, 3, 6, 7));
}
#undef HUGE2_SHUFFLE

}  // namespace

void pack_rows_transposed(const float* rows, size_t row_stride, int width, long k, float* d, int ld) {
  if (ld == 0) ld = width;
  int r = 0;
  for (; r + 4 <= width; r += 4) {  // four rows at a time, then the rest one by one
    long q = 0;
    for (; q + 4 <= k; q += 4) transpose4(rows + r * row_stride, row_stride, q, d + r, ld);
    for (int j = 0; j < 4; ++j)
      for (long t = q; t < k; ++t) d[t * ld + r + j] = rows[(r + j) * row_stride + t];
  }
  for (; r < width; ++r)
    for (long q = 0; q < k; ++q) d[q * ld + r] = rows[r * row_stride + q];
}

void PanelGemm::run(const float* a, ptrdiff_t lda, ptrdiff_t image_stride, float* panels, float* c, ptrdiff_t ldc,
                    PackPanel pack, const void* ctx, ThreadPool* pool) const {
  const int nr = cols_.nr;
  const int threads = std::min(threads_, useful_threads(pool ? pool->threads() : 1));
  // Items item0 .. item1-1 of split sp (row blocks of C along a group of
  // panels) through K blocks kb0 .. kb1-1 in order, into cc (row stride
  // ldcc), over panels first .. last-1 packed into `mine`.
  auto sweep = [&](const Split& sp, int item0, int item1, int kb0, int kb1, int first, int last, float* mine,
                   float* cc, ptrdiff_t ldcc) {
    const size_t block_floats = span_floats(first, last);
    auto panel_of = [&](int kb, int pn) {
      return mine + (whole_b_ ? size_t(kb - kb0) * block_floats : 0) + size_t(pn - first) * kc_ * nr;
    };
    // Panels p0 .. p1-1 of K block kb.
    auto pack_panels = [&](int kb, int p0, int p1) {
      const KBlock kblock = block(kb);
      for (int pn = p0; pn < p1; ++pn)
        pack(ctx, pn, pn * nr, panel_columns(pn), kblock.k0, kblock.kc, panel_of(kb, pn));
    };
    if (whole_b_)
      for (int kb = kb0; kb < kb1; ++kb) pack_panels(kb, first, last);
    for (int kb = kb0; kb < kb1; ++kb) {
      const KBlock kblock = block(kb);
      const float* a_block = a + kblock.image * image_stride + kblock.q0;
      // Group by group: its panels packed right before its tiles read them,
      // while they are in L2. (Packed all at once, a thread's panels of
      // DCGAN's 256->128 weight gradient were 1 MB on 2 threads, 2 MB on 1:
      // the first group's were out of L2 again before its tiles ran.)
      for (int item = item0; item < item1;) {
        const int group = item / m_blocks_, group_end = std::min(item1, (group + 1) * m_blocks_);
        const int p0 = cols_.count * group / sp.groups, p1 = cols_.count * (group + 1) / sp.groups;
        if (!whole_b_) pack_panels(kb, p0, p1);
        for (; item < group_end; ++item) {
          const int blk = item % m_blocks_;
          const int width = std::min(mr_, m_ - blk * mr_);
          GemmCall g;
          g.a = a_block + size_t(blk) * mr_ * lda;
          g.lda = lda;
          g.kc = kblock.kc;
          g.ldc = ldcc;
          if (kblock.kc > kpi_) {  // whole images: a segment per image (the kernel keeps the tile across them)
            g.kc = int(kpi_);
            g.k_rows = int(kblock.kc / kpi_);
            g.a_step = 1;
            g.a_row_step = image_stride;
          }
          const GemmFn whole_panel = kernels_->gemm_lookup(width, cols_.nr / kernels_->vl);
          for (int pn = p0; pn < p1; ++pn) {
            const int columns = panel_columns(pn);
            g.b = panel_of(kb, pn);
            g.ldb = columns;
            g.b_row_step = ptrdiff_t(g.kc) * columns;
            g.c = cc + size_t(blk) * mr_ * ldcc + size_t(pn) * nr;
            g.cols = std::min(columns, n_ - pn * nr);
            (columns == nr ? whole_panel : kernels_->gemm_lookup(width, columns / kernels_->vl))(g);
          }
        }
      }
    }
  };
  if (k_halves_) {
    // Half h of the K blocks over all of C: half 0 into C, half 1 into a
    // partial C of its own (zeroed first), added into C at the end; on one
    // thread or two, the same sums in the same order.
    const Split sp = split(1);
    float* partial = panels + 2 * half_panel_floats();
    auto half = [&](int h) {
      float* cc = c;
      ptrdiff_t ldcc = ldc;
      if (h) {
        cc = partial, ldcc = n_;
        std::fill(partial, partial + size_t(m_) * n_, 0.f);
      }
      sweep(sp, 0, sp.items, k_blocks_ * h / 2, k_blocks_ * (h + 1) / 2, 0, cols_.count,
            panels + h * half_panel_floats(), cc, ldcc);
    };
    if (pool && threads > 1) {
      pool->run(2, half);
    } else {
      half(0);
      half(1);
    }
    for (int r = 0; r < m_; ++r)
      for (int j = 0; j < n_; ++j) c[size_t(r) * ldc + j] += partial[size_t(r) * n_ + j];
    return;
  }
  const Split sp = split(threads);
  // Slot t: its items through the K blocks in order, each C tile summing
  // them as on one thread (so the bits do not depend on the threads), over
  // panels it packed itself.
  auto slot = [&](int t) {
    int first, last;
    slot_panels(sp, t, first, last);
    if (first == last) return;
    sweep(sp, sp.first_item(t), sp.first_item(t + 1), 0, k_blocks_, first, last,
          panels + slot_offset(sp, t) * (whole_b_ ? k_blocks_ : 1), c, ldc);
  };
  if (pool && sp.slots > 1) pool->run(sp.slots, slot);
  else slot(0);
}

}  // namespace huge2
