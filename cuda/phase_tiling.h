// The untangled (huge2) GPU kernel's index math, shared by the CUDA kernel
// (phase_kernel.cu) and a CPU emulation of it (tests/cuda/test_emulation.cpp)
// that runs every block and thread of the kernel sequentially: the same
// functions, compiled once by nvcc for the device and once by g++ for the test.
//
// One "phase" is a dense correlation whose outputs land on a strided grid of
// the real output (docs/method.md):
//
//   Y[b][n][oy0 + out_step*u][ox0 + out_step*v] =
//       sum_{c,j,i} A[n][c][j][i] * X[b][c][iy0 + in_step*(u+j)][ix0 + in_step*(v+i)]
//
// with X read as 0 outside the image.
//   transposed convolution, phase (ry, rx): out_step = stride, in_step = 1,
//     A = the phase's sub-kernel W[c][n][ry + s*j][rx + s*i] with its taps
//     reversed (so that the scatter becomes a correlation), taps_h =
//     ceil((k - ry)/s) (0 when ry >= k: those outputs are 0);
//   dilated convolution (stride 1), sub-image (ay, ax): out_step = in_step =
//     dilation, A = the dense k x k kernel, iy0 = ay - pad*dilation.
//
// Launch: 1-D blocks of kThreads threads; blockIdx.x walks (image, phase,
// tile row, tile column), tile column fastest; blockIdx.y walks tiles of TN
// output channels. A block owns a tile of TN output channels x (tile_r x
// tile_c) phase pixels. For every stage of `cc` input channels it stages the
// input patch ((tile_r + taps_h - 1) x (tile_c + taps_w - 1) per channel) and
// the sub-kernel ([c][tap][TN], channels contiguous) in shared memory, then
// each thread accumulates RN channels x RP pixels in registers. Thread t
// handles channels ng*RN .. ng*RN+RN-1 (ng = t / PG) and pixels pg + PG*r
// (pg = t % PG), so a warp reads consecutive pixels and broadcasts weights.
// Every output is written once, by one thread: no atomics, no zero-filling.
#pragma once
#include <cstddef>

#include "core/host_device.h"  // HUGE2_HD
#if defined(__CUDA_ARCH__)
#define HUGE2_UNROLL _Pragma("unroll")
#else
#define HUGE2_UNROLL  // host compilers: no pragma, no -Wunknown-pragmas
#endif

namespace huge2::cuda::detail {

constexpr int kThreads = 256;            // threads per block of every kernel here
constexpr int kSmemBudgetFloats = 6144;  // 24 KiB: two blocks per SM even on sm_75 (64 KiB)
constexpr int kMaxStageChannels = 32;

struct PhaseDesc {
  int rows = 0, cols = 0;      // outputs of this phase (0: none)
  int oy0 = 0, ox0 = 0;        // where phase pixel (0,0) lands in the output
  int iy0 = 0, ix0 = 0;        // input pixel read by phase pixel (0,0) with tap (0,0)
  int taps_h = 0, taps_w = 0;  // sub-kernel size (0: no taps, the outputs are 0)
  int ky0 = 0, kx0 = 0;        // transposed: the phase's first kernel tap (ry, rx)
  int w_offset = 0;            // floats from the packed weights to this phase's [c][tap][n]
};

struct PhaseParams {
  const float* x = nullptr;  // input, batch x in_c x in_h x in_w
  const float* w = nullptr;  // packed weights
  float* y = nullptr;        // output, batch x out_c x out_h x out_w
  const PhaseDesc* phases = nullptr;
  int batch = 0, in_c = 0, in_h = 0, in_w = 0, out_c = 0, out_h = 0, out_w = 0;
  int in_step = 1, out_step = 1;
  int nphases = 0;
  int tile_r = 0, tile_c = 0;    // tile_r * tile_c == the tile shape's pixels
  int tiles_y = 0, tiles_x = 0;  // tiles over the largest phase
  int cc = 0;                    // input channels per shared-memory stage
  int max_patch = 0;             // floats of one channel's input patch, largest phase
  int max_taps = 0;              // largest taps_h * taps_w
};

// The four tile shapes (kernel instantiations): NG channel groups x
// (kThreads/NG) pixel groups, RN channels x RP pixels per thread.
template <int NG, int RN, int RP>
struct TileShape {
  static constexpr int kNg = NG, kRn = RN, kRp = RP;
  static constexpr int kPg = kThreads / NG;
  static constexpr int kTn = NG * RN;   // output channels per block
  static constexpr int kTp = kPg * RP;  // phase pixels per block
  static_assert(kThreads % NG == 0, "channel groups must divide the block");
};
using Tile64x64 = TileShape<16, 4, 4>;  // 0: large layers
using Tile32x32 = TileShape<16, 2, 2>;  // 1: fewer pixels or channels
using Tile4x256 = TileShape<4, 1, 4>;   // 2: few output channels (an RGB layer), large images
using Tile4x64 = TileShape<4, 1, 1>;    // 3: few output channels, or little parallelism

struct TileInfo {
  int ng, rn, rp;
  int tn() const { return ng * rn; }
  int tp() const { return kThreads / ng * rp; }
};
constexpr TileInfo kTileInfos[4] = {{16, 4, 4}, {16, 2, 2}, {4, 1, 4}, {4, 1, 1}};

// Shared memory: the patch of cc channels, padded to 16 bytes, then the weights.
HUGE2_HD int smem_weight_offset(const PhaseParams& P) { return (P.cc * P.max_patch + 3) & ~3; }
HUGE2_HD int smem_floats(const PhaseParams& P, int tn) { return smem_weight_offset(P) + P.cc * P.max_taps * tn; }

// What one block works on.
struct BlockGeom {
  bool active = false;  // false: the tile lies outside its phase (or image); the block exits
  int b = 0, u0 = 0, v0 = 0, n0 = 0;
  int pr = 0, pc = 0;  // patch rows and columns
  PhaseDesc ph;
};

HUGE2_HD BlockGeom block_geom(const PhaseParams& P, int tn, long long bx, int by) {
  BlockGeom g;
  const long long tiles = (long long)P.tiles_y * P.tiles_x;
  const int tile = int(bx % tiles);
  const long long rest = bx / tiles;
  const int q = int(rest % P.nphases);
  g.b = int(rest / P.nphases);
  g.ph = P.phases[q];
  g.u0 = (tile / P.tiles_x) * P.tile_r;
  g.v0 = (tile % P.tiles_x) * P.tile_c;
  g.n0 = by * tn;
  g.active = g.b < P.batch && g.u0 < g.ph.rows && g.v0 < g.ph.cols && g.n0 < P.out_c;
  g.pr = P.tile_r + g.ph.taps_h - 1;
  g.pc = P.tile_c + g.ph.taps_w - 1;
  return g;
}

HUGE2_HD bool has_taps(const BlockGeom& g) { return g.ph.taps_h > 0 && g.ph.taps_w > 0; }

// Element e of the staged patch: channel c0 + e / (pr*pc), patch row, column.
HUGE2_HD float patch_element(const PhaseParams& P, const BlockGeom& g, int c0, int e) {
  const int per = g.pr * g.pc;
  const int c = e / per, rem = e - c * per;
  const int r = rem / g.pc, col = rem - r * g.pc;
  const int iy = g.ph.iy0 + P.in_step * (g.u0 + r);
  const int ix = g.ph.ix0 + P.in_step * (g.v0 + col);
  if (iy < 0 || iy >= P.in_h || ix < 0 || ix >= P.in_w) return 0.f;
  return P.x[((size_t(g.b) * P.in_c + c0 + c) * P.in_h + iy) * P.in_w + ix];
}

// Element e of the staged sub-kernel, laid out [c][tap][tn]: the packed
// weights are [c][tap][out_c] per phase, so consecutive threads read
// consecutive output channels.
HUGE2_HD float weight_element(const PhaseParams& P, const BlockGeom& g, int tn, int c0, int e) {
  const int taps = g.ph.taps_h * g.ph.taps_w;
  const int nl = e % tn, ct = e / tn;  // ct = c * taps + tap
  const int n = g.n0 + nl;
  if (n >= P.out_c) return 0.f;
  return P.w[size_t(g.ph.w_offset) + (size_t(c0) * taps + ct) * P.out_c + n];
}

// Offsets in one channel's patch of the thread's RP pixels (tap (0,0)).
template <class T>
HUGE2_HD void pixel_offsets(const PhaseParams& P, const BlockGeom& g, int tid, int (&off)[T::kRp]) {
  const int pg = tid % T::kPg;
HUGE2_UNROLL
  for (int r = 0; r < T::kRp; ++r) {
    const int p = pg + T::kPg * r;
    off[r] = (p / P.tile_c) * g.pc + p % P.tile_c;
  }
}

// acc[rn][rp] += sum over the staged channels and all taps.
template <class T>
HUGE2_HD void accumulate(const float* sx, const float* sw, const BlockGeom& g, int cn, int tid,
                         const int (&off)[T::kRp], float (&acc)[T::kRn][T::kRp]) {
  const int ng = tid / T::kPg;
  const int th = g.ph.taps_h, tw = g.ph.taps_w, taps = th * tw, per = g.pr * g.pc;
  for (int c = 0; c < cn; ++c) {
    const float* xc = sx + c * per;
    const float* wc = sw + c * taps * T::kTn + ng * T::kRn;
    for (int j = 0; j < th; ++j) {
      for (int i = 0; i < tw; ++i) {
        const float* wt = wc + (j * tw + i) * T::kTn;
        float wv[T::kRn];
#if defined(__CUDA_ARCH__)
        if constexpr (T::kRn == 4) {
          const float4 w4 = *reinterpret_cast<const float4*>(wt);  // 16-byte aligned: see smem_weight_offset
          wv[0] = w4.x, wv[1] = w4.y, wv[2] = w4.z, wv[3] = w4.w;
        } else
#endif
        {
HUGE2_UNROLL
          for (int rn = 0; rn < T::kRn; ++rn) wv[rn] = wt[rn];
        }
        const int o = j * g.pc + i;
HUGE2_UNROLL
        for (int rp = 0; rp < T::kRp; ++rp) {
          const float xv = xc[off[rp] + o];
HUGE2_UNROLL
          for (int rn = 0; rn < T::kRn; ++rn) acc[rn][rp] += wv[rn] * xv;
        }
      }
    }
  }
}

// Writes the thread's outputs that exist (inside the phase, channel < out_c).
template <class T>
HUGE2_HD void store(const PhaseParams& P, const BlockGeom& g, int tid, const float (&acc)[T::kRn][T::kRp]) {
  const int ng = tid / T::kPg, pg = tid % T::kPg;
HUGE2_UNROLL
  for (int rp = 0; rp < T::kRp; ++rp) {
    const int p = pg + T::kPg * rp;
    const int u = g.u0 + p / P.tile_c, v = g.v0 + p % P.tile_c;
    if (u >= g.ph.rows || v >= g.ph.cols) continue;
    const int oy = g.ph.oy0 + P.out_step * u, ox = g.ph.ox0 + P.out_step * v;
HUGE2_UNROLL
    for (int rn = 0; rn < T::kRn; ++rn) {
      const int n = g.n0 + ng * T::kRn + rn;
      if (n < P.out_c) P.y[((size_t(g.b) * P.out_c + n) * P.out_h + oy) * P.out_w + ox] = acc[rn][rp];
    }
  }
}

// Weight packing, one packed element e per call.
// Transposed, one phase: packed e = ((c*th + j)*tw + i)*out_c + n holds
// W[c][n][ky0 + s*(th-1-j)][kx0 + s*(tw-1-i)] (taps reversed).
HUGE2_HD int deconv_pack_source(int e, int out_c, int k, int s, const PhaseDesc& q) {
  const int n = e % out_c;
  int r = e / out_c;
  const int i = r % q.taps_w;
  r /= q.taps_w;
  const int j = r % q.taps_h, c = r / q.taps_h;
  const int ky = q.ky0 + s * (q.taps_h - 1 - j), kx = q.kx0 + s * (q.taps_w - 1 - i);
  return ((c * out_c + n) * k + ky) * k + kx;
}
// Convolution: packed e = ((c*k + j)*k + i)*out_c + n holds W[n][c][j][i].
HUGE2_HD int conv_pack_source(int e, int in_c, int out_c, int k) {
  const int n = e % out_c;
  int r = e / out_c;
  const int i = r % k;
  r /= k;
  const int j = r % k, c = r / k;
  return ((n * in_c + c) * k + j) * k + i;
}

}  // namespace huge2::cuda::detail
