// C[m][n] += sum_k A[m][k] * B[k][n] on gemm_kernel_impl.h's register tiles,
// for the plans whose B is a gather that is never stored whole: the weight
// gradients (correlation_plan.h: B = the other tensor at the taps' offsets)
// and convolutions the direct kernels do not take (conv_gemm.h: B = the
// im2col matrix). A is read as given, its rows broadcast in place, K
// running across images (planes) where the caller says so: K blocks never
// straddle two images partly (a block inside one image, or whole images),
// so a block is one run of A's row or runs of whole rows of successive
// images (the kernel's K segments). A's copy for a batch (a transposed
// pack, [row block][K][width]) took 16% of DCGAN 128->3's weight gradient
// at batch 8. B is filled by the caller's pack function one K block at a
// time, panel by panel ([k][panel width], NR columns or the last panel's,
// whole vectors), straight into the kernel's layout.
//
// Per K block the panels are packed, then the row blocks of C sweep along a
// group of panels that fits L2, so C is read and written row by row, in
// whole lines, once per K block; where the whole of B fits half of L2 all K
// blocks' panels are packed first, then swept (whole_b()). On several
// threads (a plan made for them: private_b()) each thread packs the panels
// its own row blocks read into panels of its own and sweeps them: one
// dispatch per call. Shared panels (packed in parallel, then swept) were
// packed by one core and read by all, so every call wrote over lines the
// other cores still held and read half of them back across: DCGAN's 128->3
// weight gradient (one panel, read by every row block) gathered 5x slower
// per float on 2 threads than on 1, and ran 0.055 ms on 2 threads against
// 0.061 on 1. Where threads share a group of panels each packs it; where
// their groups differ (wide B) nothing is packed twice. Where C is small and
// K long (the RGB layers' 128 x 48, K = 1024 pixels an image), K goes in two
// halves instead (k_halves()): one thread sums the first half of the K
// blocks into C, the other the second into a partial C, added at the end;
// each gathers only its half of B. One thread runs the same two halves, so
// the bits do not depend on the threads.
#pragma once
#include <cstddef>
#include <string>

#include "runtime/isa.h"
#include "runtime/thread_pool.h"
#include "ukernels/tile_kernel.h"

namespace huge2 {

// `width` rows of k floats (rows[r * row_stride + q]) into d[q * ld + r]
// (ld 0: width): the GEMM kernels' A block, the values of one k side by
// side for the broadcasts, or a B panel of a's channels (tap_correlation.h);
// 4x4 register transposes where the rows come in fours.
void pack_rows_transposed(const float* rows, size_t row_stride, int width, long k, float* d, int ld = 0);

// B's n columns in the GEMM kernels' panels: NR (gemm_nv vectors) each,
// the last one's columns rounded up to whole vectors (up to NR plus one
// vector: a remainder of one vector or less joins the panel before it where
// the ISA has the wider kernel).
struct PanelColumns {
  PanelColumns(int n, const TileKernels& k);
  // Panel pn's width, and all panels' widths together.
  int width(int pn) const { return pn + 1 < count ? nr : (n - pn * nr + vl - 1) / vl * vl; }
  int total() const { return (count - 1) * nr + width(count - 1); }
  int n, vl, nr, count;
};

class PanelGemm {
 public:
  // threads: at most this many run it (private panels are sized for them).
  // k_per_image: K runs over images of this many (0: one image, all of K).
  PanelGemm(int m, int n, long k, Isa isa, int threads = 1, long k_per_image = 0);

  int rows_per_tile() const { return mr_; }
  int panel_width() const { return cols_.nr; }
  int panels() const { return cols_.count; }
  int k_blocks() const { return k_blocks_; }
  int k_block() const { return kc_; }
  // Panel pn's width (PanelColumns).
  int panel_columns(int pn) const { return cols_.width(pn); }
  // The threads the work pays for, at most `threads` (a thread must get
  // min_cycles_per_thread of FMAs, or of C's traffic from beyond L2, plus
  // its share of the packing).
  int useful_threads(int threads) const;
  // e.g. "avx512f 8x32 tiles, 1 K block of 16"
  std::string describe() const;

  size_t panel_floats() const;
  // Each thread packs all K blocks of its panels before its sweep (see above).
  bool whole_b() const { return whole_b_; }
  // On 2 or more threads each packs the panels it reads (see above).
  bool private_b() const { return threads_ > 1 && !k_halves_; }
  // K in two halves, one per thread (see above).
  bool k_halves() const { return k_halves_; }

  // pack(ctx, pn, n0, width, k0, kc, panel): columns n0 .. n0+width-1 (0
  // past n) of B's rows k0 .. k0+kc-1, as panel[t * width + j].
  using PackPanel = void (*)(const void* ctx, int pn, int n0, int width, long k0, int kc, float* panel);
  // C (row stride ldc) += A * B; `panels` holds panel_floats(). A as given:
  // row r's value for K index k = i * k_per_image + q (image i) at
  // a[i * image_stride + r * lda + q]. Runs on at most useful_threads(pool's)
  // threads.
  void run(const float* a, ptrdiff_t lda, ptrdiff_t image_stride, float* panels, float* c, ptrdiff_t ldc,
           PackPanel pack, const void* ctx, ThreadPool* pool) const;

 private:
  const TileKernels* kernels_;
  Isa isa_;
  int m_, n_;
  long k_;
  PanelColumns cols_;
  int mr_, m_blocks_;
  long kpi_;             // K per image
  int kc_, k_blocks_;    // K block length (a last one per image, or the last, may be shorter) and count
  int blocks_per_image_; // > 0: blocks inside one image; 0: a block is kc_ / kpi_ whole images
  int group_max_;        // panels whose K block of B fits half of L2
  bool whole_b_;         // B's K blocks all packed at once (it fits half of L2)
  int threads_;          // at most this many run (useful_threads of the constructor's)
  bool k_halves_;        // K's blocks in two halves (small C, long K; see above)
  // Floats of panels first .. last-1 for one K block (the packed layout's).
  size_t span_floats(int first, int last) const;
  size_t half_panel_floats() const;

  // How `threads` threads share the work: items (row blocks of C along a
  // group of panels, group-major) in near-equal runs, one run per slot.
  struct Split {
    int groups, items, slots;
    int first_item(int t) const { return int(long(items) * t / slots); }
  };
  Split split(int threads) const;
  // K block kb: its first K index, length, and where it starts in A's image planes.
  struct KBlock {
    long k0;
    int kc;
    long image, q0;
  };
  KBlock block(int kb) const;
  // Slot t's panels [first, last): those of the groups its items touch.
  void slot_panels(const Split& s, int t, int& first, int& last) const;
  // Floats of slot t's private panels (one K block), and where they start.
  size_t slot_floats(const Split& s, int t) const;
  size_t slot_offset(const Split& s, int t) const;
};

}  // namespace huge2
