#include "planning/lane_correlation.h"

#include <algorithm>

#include "planning/ranges.h"
#include "runtime/tuning.h"

namespace huge2 {
namespace {

constexpr int kMinKernel = 3;

// Rows x columns of (ky, kx) per tile: whole kernel rows where they fit, as
// many rows as the registers hold, the rows split evenly.
std::pair<int, int> tile_shape(const TileKernels& k, int nb, int ksize) {
  const int cols = std::min({ksize, k.max_cols, k.max_pixels[nb]});
  const int rows = std::max(1, std::min({ksize, k.max_rows, k.max_pixels[nb] / cols}));
  return {rows, cols};
}

}  // namespace

bool LaneCorrelation::applies(const CorrelationProblem& p, Isa isa) {
  const TileKernels& k = tile_kernels(isa);
  const int nb = (p.m + k.vl - 1) / k.vl;
  auto inside = [&](int n, int src) { return p.step * (n - 1) + p.dilation * (p.ksize - 1) < src; };
  return p.offset == 0 && inside(p.h, p.src_h) && inside(p.w, p.src_w) && nb <= k.max_nb &&
         p.ksize >= kMinKernel && p.dilation <= 2;
}

LaneCorrelation::LaneCorrelation(const CorrelationProblem& p, int threads, Isa isa)
    : p_(p), k_(&tile_kernels(isa)), nb_((p.m + k_->vl - 1) / k_->vl), lanes_(nb_ * k_->vl) {
  const auto [rows, cols] = tile_shape(*k_, nb_, p.ksize);
  for (int c = 0; c < p.c; ++c)
    for (auto [ky0, rn] : split(p.ksize, (p.ksize + rows - 1) / rows))
      for (auto [kx0, cn] : split(p.ksize, (p.ksize + cols - 1) / cols))
        tiles_.push_back({c, ky0, rn, kx0, cn, k_->lookup(nb_, p.dilation, rn, cn)});
  const size_t src_image = size_t(p.c) * p.src_h * p.src_w;
  for (int b = 0; b < p.batch; ++b)
    for (int u = 0; u < p.h; ++u) {
      tap_in_.push_back(ptrdiff_t(b * src_image) + ptrdiff_t(p.step) * u * p.src_w);
      tap_idx_.push_back(b * p.h + u);
    }
  // A thread must get min_cycles_per_thread of FMAs.
  const double cycles = double(p.batch) * p.h * p.w * p.c * p.ksize * p.ksize * nb_ / cpu_tuning().fma_per_cycle;
  threads_ = std::max(1, std::min({threads, int(tiles_.size()), int(cycles / cpu_tuning().min_cycles_per_thread)}));
}

std::string LaneCorrelation::describe() const {
  const int rows = tiles_.front().rows, cols = tiles_.front().cols;
  return "lane tiles " + std::string(isa_name(k_->isa)) + " (" + std::to_string(p_.m) + " channels in " +
         std::to_string(nb_) + (nb_ > 1 ? " vectors, " : " vector, ") + std::to_string(rows) + "x" +
         std::to_string(cols) + " taps per tile), " + std::to_string(threads_) + (threads_ > 1 ? " threads" : " thread");
}

void LaneCorrelation::run(const float* a, const float* src, float* dw, float* ws, ThreadPool* pool) const {
  const CorrelationProblem& p = p_;
  const size_t hw = size_t(p.h) * p.w, rows_of_a = size_t(p.batch) * p.h;
  // a transposed: [b][u][v][lanes], zero lanes past m.
  parallel_for(pool, rows_of_a, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      const size_t b = r / p.h, u = r % p.h;
      const float* from = a + b * p.m * hw + u * p.w;
      float* to = ws + r * p.w * lanes_;
      for (int v = 0; v < p.w; ++v, to += lanes_) {
        for (int m = 0; m < p.m; ++m) to[m] = from[m * hw + v];
        std::fill(to + p.m, to + lanes_, 0.f);
      }
    }
  }, std::max<size_t>(1, rows_of_a / size_t(threads_)));

  const size_t src_plane = size_t(p.src_h) * p.src_w, n_total = size_t(p.c) * p.ksize * p.ksize;
  TileCall call{};
  call.tap_in = tap_in_.data();
  call.tap_idx = tap_idx_.data();
  call.ntaps = int(rows_of_a);
  call.in_c = p.w;
  call.ic_stride = p.step;
  call.row_step = ptrdiff_t(p.dilation) * p.src_w;
  call.w = ws;
  call.w_tap_stride = ptrdiff_t(p.w) * lanes_;
  call.oc_valid = p.m;
  call.act = Activation::linear;
  const size_t grain = std::max<size_t>(1, tiles_.size() / size_t(threads_));
  parallel_for(pool, tiles_.size(), [&](size_t t0, size_t t1) {
    // Each tile's block of dw goes through this buffer ([m][rows][cols]) and
    // is added to dw: the kernels overwrite their output.
    alignas(64) float out[kMaxTileNb * 16 * 16];
    TileCall c = call;
    c.y = out;
    for (size_t i = t0; i < t1; ++i) {
      const Tile& t = tiles_[i];
      c.x = src + t.c * src_plane + ptrdiff_t(p.dilation) * (t.ky0 * p.src_w + t.kx0);
      c.y_oc_stride = t.rows * t.cols, c.y_row_step = t.cols, c.y_col_step = 1;
      t.fn(c);
      const float* o = out;
      for (int m = 0; m < p.m; ++m) {
        float* d = dw + m * n_total + (size_t(t.c) * p.ksize + t.ky0) * p.ksize + t.kx0;
        for (int r = 0; r < t.rows; ++r, d += p.ksize)
          for (int q = 0; q < t.cols; ++q) d[q] += *o++;
      }
    }
  }, grain);
}

}  // namespace huge2
