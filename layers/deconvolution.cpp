#include "deconvolution.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "columns.h"
#include "errors.h"
#include "gemm.h"
#include "reference.h"

#ifdef _OPENMP
#include <omp.h>
#else
static int omp_get_thread_num() { return 0; }
#endif

namespace huge2 {
namespace {

void check_buffers(const void* x, const void* y, size_t have, size_t need, const char* op) {
  if (!x) throw ShapeError(std::string(op) + ": input buffer is null");
  if (!y) throw ShapeError(std::string(op) + ": output buffer is null");
  if (have < need)
    throw ShapeError(std::string(op) + ": workspace of " + std::to_string(have) + " bytes is smaller than the " +
                     std::to_string(need) + " bytes needed");
}

}  // namespace

// Packed layouts:
//   reference, darknet: the Darknet weights unchanged, [in_c][out_c][k][k]
//     (the darknet GEMM reads them transposed, as stock Darknet does).
//   huge2: for each phase (ry, rx) a row-major out_c x (ty * tx * in_c) matrix
//     A[n][j][i][c] = W[c][n][ry + s*(ty-1-j)][rx + s*(tx-1-i)]: the taps that
//     land on the phase, flipped so that the phase is a correlation.
Deconvolution::Deconvolution(const DeconvShape& shape, Algorithm algo, const float* weights)
    : shape_(shape), algo_(algo) {
  shape_.validate();
  if (!weights) throw ShapeError("transposed convolution: weight buffer is null");
  const DeconvShape& s = shape_;
  column_method_ = algo_ == Algorithm::huge2 && s.in_c >= kColumnMethodChannelRatio * s.out_c;
  if (algo_ != Algorithm::huge2 || column_method_) {
    packed_.assign(weights, weights + s.weight_count());
    return;
  }
  const int st = s.stride, k = s.ksize, oh = s.out_h(), ow = s.out_w();
  auto taps = [&](int r) { return r < k ? (k - r + st - 1) / st : 0; };
  // First output coordinate of residue r: (o + pad) mod stride == r.
  auto first = [&](int r) { return ((r - s.pad) % st + st) % st; };
  auto count = [&](int o0, int extent) { return o0 < extent ? (extent - o0 + st - 1) / st : 0; };
  for (int ry = 0; ry < st; ++ry)
    for (int rx = 0; rx < st; ++rx) {
      PhaseSet set;
      set.batch = s.batch, set.in_c = s.in_c, set.out_c = s.out_c;
      set.taps_h = taps(ry), set.taps_w = taps(rx);
      set.out_h = oh, set.out_w = ow, set.sy = set.sx = st;
      Phase q;
      q.in_h = s.in_h, q.in_w = s.in_w;
      q.in_image_stride = size_t(s.in_c) * s.in_h * s.in_w;
      q.oy0 = first(ry), q.ox0 = first(rx);
      q.rows = count(q.oy0, oh), q.cols = count(q.ox0, ow);
      // Output oy0 + st*u reads input row (oy0 + pad - ry)/st + u - j for tap j.
      q.y0 = (q.oy0 + s.pad - ry) / st - (set.taps_h - 1);
      q.x0 = (q.ox0 + s.pad - rx) / st - (set.taps_w - 1);
      set.phases.push_back(q);
      phase_off_.push_back(packed_.size());
      packed_.resize(packed_.size() + size_t(s.out_c) * set.k_full());
      float* a = packed_.data() + phase_off_.back();
      for (int n = 0; n < s.out_c; ++n)
        for (int j = 0; j < set.taps_h; ++j)
          for (int i = 0; i < set.taps_w; ++i)
            for (int c = 0; c < s.in_c; ++c) {
              const int ky = ry + st * (set.taps_h - 1 - j), kx = rx + st * (set.taps_w - 1 - i);
              *a++ = weights[((size_t(c) * s.out_c + n) * k + ky) * k + kx];
            }
      slot_floats_ = std::max(slot_floats_, set.workspace_floats());
      phases_.push_back(std::move(set));
    }
  // Phases write disjoint outputs, so they can run side by side; that beats
  // threading each (often small) phase GEMM when there are enough phases.
  // Each running phase then takes a share of its columns, so that running
  // side by side costs no more workspace than one phase at a time; but not
  // when the shares get narrow: a narrow GEMM re-reads (re-packs) all of its
  // sub-kernel for few columns, and the small phases are bound by exactly
  // that (DCGAN's 4x4 -> 8x8 layer: 8 MB of sub-kernel for 16 columns).
  constexpr size_t kMinSharedCols = 128;
  slots_ = std::max(1, std::min(int(phases_.size()), num_threads()));
  if (slots_ > 1) {
    slot_floats_ = 0;
    for (PhaseSet& p : phases_) {
      const size_t share = (p.total_cols() + slots_ - 1) / slots_;
      if (share >= kMinSharedCols) p.max_chunk_cols = share;
      slot_floats_ = std::max(slot_floats_, p.workspace_floats());
    }
  }
}

size_t Deconvolution::workspace_bytes() const {
  switch (algo_) {
    case Algorithm::reference: return 0;
    case Algorithm::darknet: return column_bytes();
    case Algorithm::huge2: return column_method_ ? column_bytes() : sizeof(float) * slot_floats_ * slots_;
  }
  return 0;
}

void Deconvolution::forward(const float* x, float* y, float* ws, size_t ws_bytes) const {
  const size_t need = workspace_bytes();
  check_buffers(x, y, ws ? ws_bytes : 0, need, "transposed convolution");
  if (need && !ws) throw ShapeError("transposed convolution: workspace buffer is null");
  const DeconvShape& s = shape_;
  switch (algo_) {
    case Algorithm::reference:
      deconv_reference(s, x, packed_.data(), y);
      return;
    case Algorithm::huge2:
      if (!column_method_) {
        const int n = int(phases_.size());
#pragma omp parallel for num_threads(slots_) schedule(dynamic) if (slots_ > 1)
        for (int i = 0; i < n; ++i) {
          const int slot = slots_ > 1 ? omp_get_thread_num() : 0;
          phases_[i].run(packed_.data() + phase_off_[i], x, y, ws + size_t(slot) * slot_floats_);
        }
        return;
      }
      [[fallthrough]];
    case Algorithm::darknet: {
      // Stock: col = W^T * X, a (out_c*k*k) x (h*w) buffer, then scatter-add.
      const int m = s.out_c * s.ksize * s.ksize, n = s.in_h * s.in_w;
      const size_t in_img = size_t(s.in_c) * n, out_img = size_t(s.out_c) * s.out_h() * s.out_w();
      for (int b = 0; b < s.batch; ++b) {
        sgemm(true, false, m, n, s.in_c, 1.f, packed_.data(), m, x + b * in_img, n, 0.f, ws, n);
        std::fill(y + b * out_img, y + (b + 1) * out_img, 0.f);
        col2im_add(s, ws, y + b * out_img);
      }
      return;
    }
  }
}

size_t Deconvolution::column_bytes() const {
  const DeconvShape& s = shape_;
  return sizeof(float) * size_t(s.out_c) * s.ksize * s.ksize * s.in_h * s.in_w;
}

}  // namespace huge2
