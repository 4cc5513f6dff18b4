#include "planning/window_gemv.h"

#include <algorithm>
#include <vector>

#include "core/errors.h"
#include "planning/panel_gemm.h"

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

// A batch's images share each block of the weights while it sits in L2
// (a quarter of the 1 MB of the x86 cores, the whole of a Cortex-A57's
// share: the images' own inputs and outputs pass through beside it).
constexpr size_t kBlockBytes = 256 * 1024;

// rows_sum_images prefetches the weights this many panels ahead.
constexpr long kPrefetchPanels = 4;

// How many items of `floats_per_item` floats fit in `bytes` (at least one).
size_t rows_within(size_t bytes, size_t floats_per_item) {
  return std::max<size_t>(1, bytes / (sizeof(float) * floats_per_item));
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
    : transposed_(true), batch_(s.batch), rows_(s.in_c), n_(long(s.out_c) * s.ksize * s.ksize),
      k_(&tile_kernels(isa)) {
  if (!applies(s)) throw ShapeError("window GEMV: " + s.describe() + " is not one padless input pixel");
}

std::string WindowGemv::describe() const {
  const std::string product = transposed_ && batch_ > 1 ? "a GEMM over the batch" : "matrix-vector product";
  return "one window: " + product + " on the weights as given, " + isa_name(k_->isa);
}

void WindowGemv::rows_dot(const float* in, const float* a, float* out, ThreadPool* pool) const {
  // Rows in blocks that stay in L2 while every image takes its dot products
  // with them: a batch reads the weights from memory once, not per image.
  const size_t block = rows_within(kBlockBytes, size_t(n_));
  parallel_for(pool, size_t(rows_), [&](size_t r0, size_t r1) {
    for (size_t rb = r0; rb < r1; rb += block) {
      const size_t re = std::min(r1, rb + block);
      for (int b = 0; b < batch_; ++b)
        k_->dot_rows(a + rb * n_, n_, in + size_t(b) * n_, n_, out + size_t(b) * rows_ + rb, int(re - rb));
    }
  }, grain_for(size_t(n_)));
}

void WindowGemv::rows_sum(const float* in, const float* a, float* out, ThreadPool* pool) const {
  if (batch_ > 1) return rows_sum_images(in, a, out, pool);
  // One image: columns in whole cache lines per thread (the threads never
  // share one of out's lines).
  const size_t lines = size_t((n_ + kCacheLineFloats - 1) / kCacheLineFloats);
  parallel_for(pool, lines, [&](size_t l0, size_t l1) {
    const long j0 = std::min(n_, long(l0) * kCacheLineFloats), j1 = std::min(n_, long(l1) * kCacheLineFloats);
    std::fill(out + j0, out + j1, 0.f);
    k_->axpy_rows(a + j0, n_, in, rows_, out + j0, j1 - j0);
  }, grain_for(size_t(rows_) * kCacheLineFloats));
}

// out[b][j] = sum_r in[b][r] * a[r][j] for a batch is a GEMM (M = images,
// K = rows, N = columns) whose B is the weights as given: the weight
// gradients' register tiles (gemm_kernel_impl.h) load each weight vector once
// for up to gemm_mr images, where the matrix-vector kernel loads it once per
// image (one load per FMA: half the FMA rate at best). A panel of NR columns
// (all of its rows: at most a few hundred KB) stays in L1/L2 while the image
// groups pass over it, so the weights leave memory once a batch.
void WindowGemv::rows_sum_images(const float* in, const float* a, float* out, ThreadPool* pool) const {
  const int mr = k_->gemm_mr, vl = k_->vl, nr = k_->gemm_nv * vl;
  // A: each group of mr images packed [r][image], the kernel's broadcast order.
  const int groups = (batch_ + mr - 1) / mr;
  std::vector<float> packed(size_t(batch_) * rows_);
  for (int g = 0; g < groups; ++g) {
    const int b0 = g * mr, width = std::min(mr, batch_ - b0);
    pack_rows_transposed(in + size_t(b0) * rows_, size_t(rows_), width, rows_, packed.data() + size_t(b0) * rows_);
  }
  // Columns: panels of NR, then whole vectors, then a tail of < vl columns
  // (the matrix-vector kernel: the tile kernels load whole vectors, which
  // would read past the last row).
  const long vec_cols = n_ / vl * vl;
  const size_t vec_panels = size_t((vec_cols + nr - 1) / nr), panels = vec_panels + (vec_cols < n_ ? 1 : 0);
  parallel_for(pool, panels, [&](size_t p0, size_t p1) {
    for (size_t pn = p0; pn < p1; ++pn) {
      const long j0 = pn < vec_panels ? long(pn) * nr : vec_cols;
      const long j1 = pn < vec_panels ? std::min(vec_cols, j0 + nr) : n_;
      for (int b = 0; b < batch_; ++b) std::fill(out + size_t(b) * n_ + j0, out + size_t(b) * n_ + j1, 0.f);
      if (pn == vec_panels) {  // the tail
        for (int b = 0; b < batch_; ++b)
          k_->axpy_rows(a + j0, n_, in + size_t(b) * rows_, rows_, out + size_t(b) * n_ + j0, j1 - j0);
        continue;
      }
      // The rows of a panel lie n_ floats apart, too many streams for the
      // hardware prefetchers: ask for a later panel's while this one runs.
      if (const long jp = j0 + kPrefetchPanels * nr; jp < n_)
        for (int r = 0; r < rows_; ++r)
          for (long j = jp; j < std::min(n_, jp + nr); j += kCacheLineFloats)
            __builtin_prefetch(a + size_t(r) * n_ + j);
      const int nv = int(std::min<long>(nr, vec_cols - j0) / vl);
      GemmCall g;
      g.b = a + j0;
      g.ldb = n_;
      g.kc = rows_;
      g.ldc = n_;
      g.cols = nv * vl;
      for (int grp = 0; grp < groups; ++grp) {
        const int b0 = grp * mr, width = std::min(mr, batch_ - b0);
        g.a = packed.data() + size_t(b0) * rows_;
        g.c = out + size_t(b0) * n_ + j0;
        k_->gemm_lookup(width, nv)(g);
      }
    }
  }, grain_for(size_t(rows_) * nr));
}

void WindowGemv::rank1_add(const float* u, const float* v, float* a, ThreadPool* pool) const {
  // a[r][j] += sum_b u[b][r] * v[b][j]: a GEMM with K = the images (M = rows,
  // N = columns, B = v as given), so each row of a is read and written once
  // a batch, whatever its size. Rows in blocks of gemm_mr per thread; A is
  // the block's u, packed [image][row] (the kernel's broadcast order).
  if (batch_ == 1) {  // a rank-1 update: row by row (the tiles' K of 1 ran 10-30% slower)
    parallel_for(pool, size_t(rows_), [&](size_t r0, size_t r1) {
      for (size_t r = r0; r < r1; ++r) k_->axpy_rows(v, 0, u + r, 1, a + r * n_, n_);
    }, grain_for(size_t(n_)));
    return;
  }
  const int mr = k_->gemm_mr, vl = k_->vl, nr = k_->gemm_nv * vl;
  const long vec_cols = n_ / vl * vl;
  const size_t blocks = size_t((rows_ + mr - 1) / mr);
  parallel_for(pool, blocks, [&](size_t q0, size_t q1) {
    std::vector<float> packed(size_t(batch_) * mr);
    for (size_t q = q0; q < q1; ++q) {
      const int r0 = int(q) * mr, width = std::min(mr, rows_ - r0);
      for (int b = 0; b < batch_; ++b)
        for (int i = 0; i < width; ++i) packed[size_t(b) * width + i] = u[size_t(b) * rows_ + r0 + i];
      GemmCall g;
      g.a = packed.data();
      g.ldb = n_;
      g.kc = batch_;
      g.ldc = n_;
      for (long j0 = 0; j0 < vec_cols; j0 += nr) {
        const int nv = int(std::min<long>(nr, vec_cols - j0) / vl);
        g.b = v + j0;
        g.c = a + size_t(r0) * n_ + j0;
        g.cols = nv * vl;
        k_->gemm_lookup(width, nv)(g);
      }
      // The last columns, fewer than a vector (the tiles load whole vectors,
      // past the end of v's last image): the images' values gathered per row.
      if (vec_cols < n_) {
        float ur[16];
        for (int i = 0; i < width; ++i)
          for (int b0 = 0; b0 < batch_; b0 += 16) {
            const int nb = std::min(16, batch_ - b0);
            for (int b = 0; b < nb; ++b) ur[b] = packed[size_t(b0 + b) * width + i];
            k_->axpy_rows(v + size_t(b0) * n_ + vec_cols, n_, ur, nb, a + size_t(r0 + i) * n_ + vec_cols,
                          n_ - vec_cols);
          }
      }
    }
  }, grain_for(size_t(n_) * mr));
}

std::string WindowGemv::describe_rank1() const {
  return std::string("one window: ") + (batch_ > 1 ? "a GEMM over the batch" : "rank-1 update") +
         " into the weights, " + isa_name(k_->isa);
}

}  // namespace huge2
