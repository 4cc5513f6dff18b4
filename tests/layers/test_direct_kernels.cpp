// huge2's direct micro-kernels, for the ISA this run is for (HUGE2_ISA, set
// by CTest once per ISA: avx512f, avx2, neon, scalar; see kernels_main.cpp), against
// the naive definition and against the scalar kernels: random geometries of
// both operators, both tilings, fused batch-norm + every activation, channel
// counts that are not multiples of a register block, tiny images, 1 and 2
// threads; both schemes (channels in the vector, and pixels in the vector
// for every block width up to out_c).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/activation_formula.h"
#include "operators/convolution.h"
#include "operators/deconvolution.h"
#include "operators/deconvolution_backward.h"
#include "planning/direct_plan.h"
#include "helpers.h"
#include "reference/reference.h"
#include "runtime/tuning.h"

using namespace huge2;
using huge2::test::compare;
using huge2::test::random_tensor;

namespace {

#ifndef HUGE2_KERNEL_TRIALS
#define HUGE2_KERNEL_TRIALS 60
#endif
constexpr int kTrials = HUGE2_KERNEL_TRIALS;  // random geometries per operator

constexpr Activation kActivations[] = {Activation::logistic, Activation::relu,    Activation::relie,
                                       Activation::linear,   Activation::ramp,    Activation::tanh,
                                       Activation::plse,     Activation::leaky,   Activation::elu,
                                       Activation::loggy,    Activation::stair,   Activation::hardtan,
                                       Activation::lhtan,    Activation::selu};

// A folded batch-norm: scales around 1, shifts around 0, or none at all.
Epilogue random_epilogue(int channels, std::mt19937& rng) {
  Epilogue e;
  e.activation = kActivations[std::uniform_int_distribution<int>(0, 13)(rng)];
  const int kind = std::uniform_int_distribution<int>(0, 3)(rng);
  std::uniform_real_distribution<float> s(0.5f, 1.5f), h(-0.5f, 0.5f);
  if (kind >= 1) for (int i = 0; i < channels; ++i) e.shift.push_back(h(rng));
  if (kind >= 2) for (int i = 0; i < channels; ++i) e.scale.push_back(s(rng));
  return e;
}

std::vector<float> run_plan(const DirectPlan& plan, const std::vector<float>& x, size_t out_count,
                            ThreadPool* pool = nullptr) {
  std::vector<float> ws(plan.workspace_bytes() / sizeof(float) + 1, 99.f);
  std::vector<float> y(out_count, -7.f);  // garbage: every output must be written
  plan.run(x.data(), y.data(), ws.data(), pool);
  return y;
}

// What differs between the two operators, for check() below.
struct DeconvCase {
  using Shape = DeconvShape;
  using Op = Deconvolution;
  static void reference(const Shape& s, const float* x, const float* w, float* y) { deconv_reference(s, x, w, y); }
  static DirectProblem problem(const Shape& s) { return deconv_phases(s); }
  static size_t weight_index(const Shape& s, int ic, int n, int k) {  // [in_c][out_c][k][k]
    return (size_t(ic) * s.out_c + n) * s.ksize * s.ksize + k;
  }
  static bool direct(const Shape&) { return true; }
};
struct ConvCase {
  using Shape = ConvShape;
  using Op = Convolution;
  static void reference(const Shape& s, const float* x, const float* w, float* y) { conv_reference(s, x, w, y); }
  static DirectProblem problem(const Shape& s) { return conv_problem(s); }
  static size_t weight_index(const Shape& s, int ic, int n, int k) {  // [out_c][in_c][k][k]
    return (size_t(n) * s.in_c + ic) * s.ksize * s.ksize + k;
  }
  static bool direct(const Shape& s) { return tile_input_step_supported(s.stride); }  // else the panel GEMM
};

// A scheme forced with blocks of 1 .. most channels, at 1, 2 and 3 threads:
// against the definition, bit-identical across threads, and against the
// scalar kernels of the same scheme. The scalar kernels round each product
// (no FMA): over K = taps x in_c terms the two differ by ~sqrt(K) roundings;
// 1e-5 up to 256 terms, growing as sqrt(K) beyond (the largest K here is 3136).
// Pixel tiles with col_phases column phases per tile (2: a stride-2
// transposed convolution's interleaved into whole output rows). Phase rows
// with channels in the vector have blocks of one vector: `most` 1, no
// channel count forced.
template <class Shape>
void check_scheme(DirectPlan::Scheme scheme, int most, const DirectProblem& problem, const WeightAt& at,
                  const Epilogue& e, const std::vector<float>& x, const std::vector<float>& want, const Shape& s,
                  Isa isa, int col_phases = 1) {
  std::vector<float> scalar;
  const double k_terms = double(s.in_c) * s.ksize * s.ksize;
  for (int oc = 1; oc <= most; ++oc) {
    if (scheme == DirectPlan::Scheme::pixels && tile_kernels(isa).pixel_max_rows[col_phases - 1][oc] < 1) continue;
    std::vector<float> one_thread;
    for (int threads : {1, 2, 3}) {
      DirectPlan::Options opt;
      const bool row_channels = scheme == DirectPlan::Scheme::row_channels;
      opt.scheme = scheme, opt.exact_threads = true;
      if (!row_channels) opt.pixel_channels = oc;
      if (scheme == DirectPlan::Scheme::pixels) opt.column_phases = col_phases;
      opt.images_inside = threads == 3;  // a frame per image at 3 threads: the same sums
      const DirectPlan plan(problem, at, e, threads, isa, opt);
      INFO(plan.describe());
      REQUIRE(plan.scheme() == scheme);
      if (scheme == DirectPlan::Scheme::pixels) REQUIRE(plan.column_phases() == col_phases);
      REQUIRE(plan.split_frame() == (scheme == DirectPlan::Scheme::pixels && problem.xstep == 2));
      // Image by image on several threads, each fills a frame of its own (these frames are small).
      if (plan.tiling() == DirectPlan::Tiling::padded)
        REQUIRE(plan.thread_frames() == (threads > 1 && !plan.images_inside() ? threads : 0));
      ThreadPool pool(threads);
      const auto got = run_plan(plan, x, s.output_count(), &pool);
      REQUIRE(compare(got, want) == "");
      if (one_thread.empty()) one_thread = got;
      else REQUIRE(std::memcmp(got.data(), one_thread.data(), got.size() * sizeof(float)) == 0);
      if (scalar.empty()) {
        DirectPlan::Options o;
        o.scheme = scheme;
        if (!row_channels) o.pixel_channels = 1;
        if (scheme == DirectPlan::Scheme::pixels) o.column_phases = col_phases;
        scalar = run_plan(DirectPlan(problem, at, e, 1, Isa::scalar, o), x, s.output_count());
      }
      REQUIRE(compare(got, scalar, 1e-5 * std::max(1.0, std::sqrt(k_terms / 256))) == "");
    }
  }
}

// Every way huge2 can run this layer on this ISA (both tilings, 1 and 2
// threads, and the operator with its own choices) against the definition
// (naive convolution, then the epilogue as a separate pass) and the scalar kernels.
template <class Case>
void check(const typename Case::Shape& s, std::mt19937& rng, Isa isa) {
  const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
  const Epilogue e = random_epilogue(s.out_c, rng);
  std::vector<float> want(s.output_count());
  Case::reference(s, x.data(), w.data(), want.data());
  e.apply(want.data(), 0, size_t(s.batch) * s.out_c, s.out_c, size_t(s.out_h()) * s.out_w());
  const WeightAt at = [&](int ic, int n, int k) { return w[Case::weight_index(s, ic, n, k)]; };
  INFO(s.describe() << ", " << activation_name(e.activation) << ", " << e.scale.size() << " scales");
  // Against the scalar kernels, whose sums may run in another order (the
  // narrow ISAs' padded plans sum in L1 chunks): rounding grows as sqrt(K),
  // on sums of up to ~sqrt(K) in size (a 64x5x5 layer's chunked sums ended
  // 3.3e-5 from the scalar ones', under lhtan's unit slope).
  const double scalar_tol = 2e-5 * std::max(1.0, std::sqrt(double(s.in_c) * s.ksize * s.ksize / 256));
  if (Case::direct(s)) {
    std::vector<float> scalar;
    for (auto tiling : {DirectPlan::Tiling::exact, DirectPlan::Tiling::padded})
      for (int nb = 1; nb <= tile_kernels(isa).max_nb; ++nb) {
        std::vector<float> one_thread;
        for (int threads : {1, 2, 3}) {
          DirectPlan::Options opt;
          opt.tiling = tiling, opt.block_vectors = nb, opt.exact_threads = true;
          // A batch image by image at 1 thread, the images inside each block
          // at 2 and 3 (the padded tiling with a frame per image): the same
          // sums, bit for bit.
          opt.images_inside = threads > 1;
          const DirectPlan plan(Case::problem(s), at, e, threads, isa, opt);
          REQUIRE(plan.images_inside() == (s.batch > 1 && threads > 1));
          if (tiling == DirectPlan::Tiling::padded && s.batch > 1 && threads == 2) {
            DirectPlan::Options one_frame = opt;
            one_frame.images_inside = false;
            REQUIRE(plan.workspace_bytes() > DirectPlan(Case::problem(s), at, e, 1, isa, one_frame).workspace_bytes());
            // Image by image on 2 threads: a frame per thread instead.
            REQUIRE(DirectPlan(Case::problem(s), at, e, 2, isa, one_frame).thread_frames() == 2);
          }
          INFO(plan.describe());
          ThreadPool pool(threads);
          const auto got = run_plan(plan, x, s.output_count(), &pool);
          REQUIRE(compare(got, want) == "");
          // The same tiles summed in the same order on any thread: bit for bit.
          if (one_thread.empty()) one_thread = got;
          else REQUIRE(std::memcmp(got.data(), one_thread.data(), got.size() * sizeof(float)) == 0);
          if (scalar.empty()) {
            DirectPlan::Options o;
            o.tiling = tiling, o.scheme = DirectPlan::Scheme::channels;
            scalar = run_plan(DirectPlan(Case::problem(s), at, e, 1, Isa::scalar, o), x, s.output_count());
          }
          REQUIRE(compare(got, scalar, scalar_tol) == "");
        }
      }
  }
  // The sums in input-channel chunks (a split K: the later chunks start from
  // the output), both tilings, uneven chunks, at 1, 2 and 3 threads.
  if (Case::direct(s) && s.in_c > 1) {
    for (auto tiling : {DirectPlan::Tiling::exact, DirectPlan::Tiling::padded}) {
      std::vector<float> one_thread;
      for (int threads : {1, 2, 3}) {
        DirectPlan::Options opt;
        opt.tiling = tiling, opt.scheme = DirectPlan::Scheme::channels, opt.exact_threads = true;
        opt.k_chunk = (s.in_c + 2) / 3, opt.l1_chunks = false;
        opt.images_inside = threads > 1;
        const DirectPlan plan(Case::problem(s), at, e, threads, isa, opt);
        INFO(plan.describe());
        REQUIRE(plan.k_chunk() == (s.in_c + 2) / 3);
        ThreadPool pool(threads);
        const auto got = run_plan(plan, x, s.output_count(), &pool);
        REQUIRE(compare(got, want) == "");
        if (one_thread.empty()) one_thread = got;
        else REQUIRE(std::memcmp(got.data(), one_thread.data(), got.size() * sizeof(float)) == 0);
      }
    }
  }
  // L1 chunks (the frame's rows of all channels together, each tile's sums
  // kept between chunks in a buffer of its own): input steps 1 and 2, the
  // planner's chunk and uneven ones of a third, 1-3 threads (a frame per
  // image at 3), bit for bit the same on each, and against the scalar kernels.
  const DirectProblem problem = Case::problem(s);
  if (Case::direct(s) && s.in_c > 1 && problem.xstep <= 2 && problem.ystep <= 2) {
    DirectPlan::Options plain;
    plain.tiling = DirectPlan::Tiling::padded, plain.scheme = DirectPlan::Scheme::channels;
    const auto scalar = run_plan(DirectPlan(problem, at, e, 1, Isa::scalar, plain), x, s.output_count());
    for (bool uneven : {false, true}) {
      std::vector<float> one_thread;
      for (int threads : {1, 2, 3}) {
        DirectPlan::Options opt;
        opt.l1_chunks = true, opt.exact_threads = true, opt.images_inside = threads == 3;
        if (uneven) opt.k_chunk = (s.in_c + 2) / 3;
        const DirectPlan plan(problem, at, e, threads, isa, opt);
        INFO(plan.describe());
        REQUIRE(plan.l1_chunks());
        REQUIRE(plan.tiling() == DirectPlan::Tiling::padded);
        if (uneven) REQUIRE(plan.k_chunk() == (s.in_c + 2) / 3);
        ThreadPool pool(threads);
        const auto got = run_plan(plan, x, s.output_count(), &pool);
        REQUIRE(compare(got, want) == "");
        if (one_thread.empty()) one_thread = got;
        else REQUIRE(std::memcmp(got.data(), one_thread.data(), got.size() * sizeof(float)) == 0);
        REQUIRE(compare(got, scalar, scalar_tol) == "");
      }
    }
  }
  // Pixel tiles (unit input step; of a stride-2 transposed convolution also
  // both column phases interleaved; input step 2 on the frame split into the
  // input's stride phases, in blocks of 1 .. 8 channels whatever out_c) and
  // phase rows (stride = kernel 2, 4, 8, pad 0): every block width the ISA
  // has up to out_c; and phase rows with channels in the vector.
  if (Case::direct(s) && pixel_input_steps(Case::problem(s))) {
    const TileKernels& k = tile_kernels(isa);
    for (int cols = 1; cols <= kMaxPixelPhases; ++cols) {
      if (cols == 2 && !column_phase_problem(Case::problem(s))) continue;
      int most = 0;
      for (int oc = 1; oc <= kMaxPixelOc; ++oc)
        if (k.pixel_max_rows[cols - 1][oc] >= 1) most = oc;
      check_scheme(DirectPlan::Scheme::pixels, std::min(s.out_c, most), Case::problem(s), at, e, x, want, s, isa,
                   cols);
    }
  }
  if (Case::direct(s)) {
    if (const auto rows = phase_row_problem(Case::problem(s))) {
      const int level = phase_row_level(rows->sx);
      check_scheme(DirectPlan::Scheme::rows, std::min(s.out_c, tile_kernels(isa).row_max_oc[level]),
                   Case::problem(s), at, e, x, want, s, isa);
      check_scheme(DirectPlan::Scheme::row_channels, 1, Case::problem(s), at, e, x, want, s, isa);
    }
  }
  typename Case::Op op(s, Algorithm::huge2, w.data(), e, 0, isa);
  std::vector<float> ws(op.workspace_bytes() / sizeof(float) + 1), y(s.output_count(), -7.f);
  op.forward(x.data(), y.data(), ws.data(), ws.size() * sizeof(float));
  INFO(op.method());
  REQUIRE(compare(y, want) == "");
}

void check_deconv(const DeconvShape& s, std::mt19937& rng, Isa isa) { check<DeconvCase>(s, rng, isa); }
void check_conv(const ConvShape& s, std::mt19937& rng, Isa isa) { check<ConvCase>(s, rng, isa); }

ConvShape conv_shape(int batch, int in_c, int out_c, int h, int w, int k, int stride, int pad, int dilation) {
  ConvShape s;
  s.batch = batch, s.in_c = in_c, s.out_c = out_c, s.in_h = h, s.in_w = w, s.ksize = k, s.stride = stride;
  s.pad = pad, s.dilation = dilation;
  return s;
}

}  // namespace

TEST_CASE("direct kernels: random transposed convolutions", "[kernels]") {
  const Isa isa = active_isa();
  const unsigned seed = 9001;
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int channels[] = {1, 3, 5, 8, 16, 17, 31, 33, 47, 64};
  for (int trial = 0, tested = 0; tested < kTrials; ++trial) {
    DeconvShape s;
    s.batch = pick(1, 3), s.ksize = pick(1, 7), s.stride = pick(1, 4), s.pad = pick(0, std::min(3, s.ksize - 1));
    s.in_h = pick(1, 12), s.in_w = pick(1, 19);
    s.in_c = channels[pick(0, 9)], s.out_c = channels[pick(0, 9)];
    if (s.out_h() < 1 || s.out_w() < 1) continue;
    ++tested;
    INFO("seed " << seed << " trial " << trial << " (" << isa_name(isa) << ")");
    check_deconv(s, rng, isa);
  }
}

TEST_CASE("direct kernels: random stride = kernel transposed convolutions", "[kernels]") {
  // The YOLOv4-ReID decoder's layers and their kin: k = s = 1..8, pad 0,
  // few output channels, small and odd input channel counts.
  const Isa isa = active_isa();
  const unsigned seed = 9003;
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int trial = 0; trial < kTrials / 2; ++trial) {
    DeconvShape s;
    s.batch = pick(1, 2), s.ksize = s.stride = pick(1, 8), s.pad = 0;
    s.in_h = pick(1, 9), s.in_w = pick(1, 37);
    s.in_c = pick(1, 40), s.out_c = pick(0, 3) == 0 ? pick(9, 40) : pick(1, 8);
    INFO("seed " << seed << " trial " << trial << " (" << isa_name(isa) << ")");
    check_deconv(s, rng, isa);
  }
}

TEST_CASE("direct kernels: random (dilated, strided) convolutions", "[kernels]") {
  const Isa isa = active_isa();
  const unsigned seed = 9002;
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int channels[] = {1, 3, 5, 8, 16, 17, 31, 33, 47, 64};
  for (int trial = 0, tested = 0; tested < kTrials; ++trial) {
    ConvShape s;
    s.batch = pick(1, 3), s.ksize = pick(1, 7), s.stride = pick(1, 4), s.pad = pick(0, std::min(3, s.ksize - 1));
    s.dilation = pick(0, 2) == 0 ? pick(1, 16) : pick(1, 3);
    if (trial % 7 == 3) s.stride = 8;  // one-row tiles of input step 8
    s.in_h = pick(1, 40), s.in_w = pick(1, 40);
    s.in_c = channels[pick(0, 9)], s.out_c = channels[pick(0, 9)];
    const int span = s.dilation * (s.ksize - 1) + 1;
    if (s.in_h + 2 * s.applied_pad() < span || s.in_w + 2 * s.applied_pad() < span) continue;
    ++tested;
    INFO("seed " << seed << " trial " << trial << " (" << isa_name(isa) << ")");
    check_conv(s, rng, isa);
  }
}

TEST_CASE("direct kernels: the shapes of the bundled networks and tiny images", "[kernels]") {
  const Isa isa = active_isa();
  std::mt19937 rng(77);
  auto deconv = [&](int b, int ic, int oc, int h, int w, int k, int st, int p) {
    DeconvShape s;
    s.batch = b, s.in_c = ic, s.out_c = oc, s.in_h = h, s.in_w = w, s.ksize = k, s.stride = st, s.pad = p;
    check_deconv(s, rng, isa);
  };
  auto conv = [&](int b, int ic, int oc, int h, int w, int k, int st, int p, int d) {
    check_conv(conv_shape(b, ic, oc, h, w, k, st, p, d), rng, isa);
  };
  deconv(1, 20, 64, 1, 1, 4, 1, 0);    // DCGAN's latent projection, 1x1 -> 4x4
  deconv(2, 64, 32, 4, 4, 4, 2, 1);    // DCGAN ladder, small
  deconv(1, 32, 3, 16, 16, 4, 2, 1);   // RGB output layer
  deconv(1, 16, 19, 12, 21, 4, 2, 1);  // erfnet's 19-class output layer (interleaved column phases)
  deconv(1, 16, 16, 10, 10, 3, 3, 1);  // autoencoder 3x3/3
  deconv(1, 8, 24, 6, 5, 2, 2, 0);     // YOLO neck 2x2/2
  deconv(1, 6, 20, 3, 2, 8, 8, 0);     // ReID 8x8/8
  deconv(1, 3, 5, 1, 1, 5, 2000, 2);   // a huge stride on a 1x1 image: one phase
  deconv(3, 5, 17, 2, 3, 3, 1, 1);     // 2x3 image
  conv(1, 16, 48, 24, 40, 3, 1, 1, 16);  // segmentation context module, d = 16
  conv(1, 8, 40, 32, 32, 3, 1, 1, 2);
  conv(2, 3, 16, 33, 17, 3, 2, 1, 1);    // ERFNet's strided stem
  conv(1, 17, 5, 1, 1, 1, 1, 0, 1);      // 1x1 image
  conv(1, 4, 4, 2, 3, 3, 1, 1, 1);       // 2x3 image, taps mostly outside
  conv(1, 9, 33, 7, 7, 7, 1, 3, 1);      // 7x7
  // Input steps 4 and 8 (one-row tiles, weights channel-major): the ReID
  // data gradients (dy in, 30 channels out), output rows of one, two and
  // more tiles with tails, taps at the borders, dilation.
  conv(1, 20, 30, 24, 48, 4, 4, 0, 1);
  conv(1, 20, 30, 16, 96, 8, 8, 0, 1);
  conv(2, 7, 17, 9, 130, 4, 4, 1, 1);
  conv(1, 5, 33, 20, 71, 8, 8, 3, 1);
  conv(1, 6, 9, 13, 45, 3, 4, 2, 2);
  conv(1, 3, 40, 5, 5, 5, 8, 2, 1);      // one output column
}

TEST_CASE("direct kernels: a padded wide-step layer's edge columns go in tiles of several rows, and equal the definition",
          "[kernels]") {
  // The 3x3/3 16->16 transposed convolution's data gradient: a stride-3
  // convolution of dy (28x28 -> 10x10) whose first and last output columns
  // miss a tap column. Exact tiling, one-row tiles: at least 3 tiles per row
  // (the two edges and the middle), 30 per channel block, 20 of them single
  // pixels that wait on the FMA latency (44% of the call's time on AVX-512).
  // Stacked, the edge columns of rows 1-8 take 2 * ceil(8 / rows per tile).
  const Isa isa = active_isa();
  std::mt19937 rng(31);
  ConvShape s;
  s.in_c = 16, s.out_c = 16, s.in_h = s.in_w = 28, s.ksize = 3, s.stride = 3, s.pad = 1;
  REQUIRE(s.out_w() == 10);
  DirectPlan::Options opt;
  opt.tiling = DirectPlan::Tiling::exact, opt.scheme = DirectPlan::Scheme::channels;
  const DirectPlan plan(conv_problem(s), WeightAt{}, Epilogue{}, 1, isa, opt);
  INFO(plan.describe());
  CHECK(plan.tile_count() < 30);
  // Every ISA's tiles of input steps 3, 4 and 8 with one-column edges and
  // two-column ones (those in one-row tiles), rows of one tile or several,
  // a batch, and narrow blocks (5 and 17 channels).
  check_conv(s, rng, isa);
  check_conv(conv_shape(2, 5, 17, 31, 29, 3, 3, 1, 1), rng, isa);
  check_conv(conv_shape(1, 9, 5, 40, 44, 3, 3, 1, 4), rng, isa);  // taps 4 apart, 4 of padding: two edge columns
  check_conv(conv_shape(1, 6, 12, 42, 46, 6, 4, 2, 1), rng, isa);
  check_conv(conv_shape(1, 4, 33, 70, 66, 8, 8, 3, 1), rng, isa);
}

TEST_CASE("direct kernels: input steps 3, 4 and 8 over an input larger than L2 prefetch each tap's lines in the next "
          "channel, and equal the definition",
          "[kernels]") {
  // ReID's data gradients in small: convolutions of stride 4 and 8 (and 3,
  // padded) whose input is just above or below CpuTuning::prefetch_input_bytes.
  const Isa isa = active_isa();
  std::mt19937 rng(61);
  for (const ConvShape& s : {conv_shape(1, 16, 5, 128, 132, 4, 4, 0, 1), conv_shape(1, 14, 5, 128, 132, 4, 4, 0, 1),
                             conv_shape(1, 16, 7, 128, 136, 8, 8, 0, 1), conv_shape(2, 9, 4, 175, 175, 3, 3, 1, 1)}) {
    const double bytes = double(s.in_c) * s.in_h * s.in_w * sizeof(float);  // per image; a padded frame: +5% at most
    const DirectPlan plan(conv_problem(s), WeightAt{}, Epilogue{}, 1, isa, DirectPlan::Options{});
    INFO(plan.describe() << "; input " << bytes << " bytes per image");
    REQUIRE(plan.scheme() == DirectPlan::Scheme::channels);
    CHECK((plan.describe().find("next channel's lines prefetched") != std::string::npos) ==
          (bytes > cpu_tuning().prefetch_input_bytes));
    check_conv(s, rng, isa);
  }
}

TEST_CASE("direct kernels: the planner interleaves the column phases of a stride-2 layer with many output pixels per weight",
          "[kernels]") {
  // Plans for the shapes only (no weights), on the ISA of this run. erfnet's
  // 16->19 output layer into a 512x512 map: as channel vectors (19 of 32
  // lanes) or one phase at a time (every other float of each output line)
  // its 20 MB output cost 7.7-7.9 ms at 1 thread on the AVX-512 machine,
  // interleaved 4.1-4.3 ms. DCGAN's 128->3 RGB layer keeps one phase per
  // tile: twice the rows per tile, and its output is small.
  // AVX-512 only, where it was measured: on 8- and 4-lane vectors 19
  // channels fill 79-95% of the channel lanes, and the estimate keeps
  // channel tiles (AVX2 on the same machine: 12.1-12.5 ms, interleaved
  // 9.3-13.6: within the noise).
  const Isa isa = active_isa();
  if (isa != Isa::avx512f) return;
  DeconvShape erf;
  erf.in_c = 16, erf.out_c = 19, erf.in_h = erf.in_w = 256, erf.ksize = 4, erf.stride = 2, erf.pad = 1;
  const DirectPlan a(deconv_phases(erf), WeightAt{}, Epilogue{}, 1, isa);
  INFO(a.describe());
  CHECK(a.scheme() == DirectPlan::Scheme::pixels);
  CHECK(a.column_phases() == 2);
  CHECK(a.describe().find("2 column phases interleaved") != std::string::npos);
  DeconvShape rgb = erf;
  rgb.in_c = 128, rgb.out_c = 3, rgb.in_h = rgb.in_w = 32;
  const DirectPlan b(deconv_phases(rgb), WeightAt{}, Epilogue{}, 1, isa);
  INFO(b.describe());
  CHECK(b.scheme() == DirectPlan::Scheme::pixels);
  CHECK(b.column_phases() == 1);
  // Asked for on a problem without two column phases: a clear error.
  DeconvShape s3 = rgb;
  s3.stride = 3;
  DirectPlan::Options o;
  o.column_phases = 2;
  CHECK_THROWS_WITH(DirectPlan(deconv_phases(s3), WeightAt{}, Epilogue{}, 1, isa, o),
                    Catch::Contains("2 needs a stride-2 transposed convolution"));
}

TEST_CASE("direct kernels: YOLO's 2x2/2 necks run phase rows with channels in the vector where the ISA offers them",
          "[kernels]") {
  // Plans for the shapes only, on the ISA of this run. The three necks of
  // the yolo suite ran 1.03-1.14x faster that way than in channel tiles on
  // AVX-512 (Zen 4, driver, forced plans alternated); AVX2's 8-accumulator
  // tiles ran slower, and NEON and the scalar kernels store float by float,
  // so only AVX-512 is offered them. The ReID 4x4/4 and 8x8/8 layers keep
  // their phase rows (VL input columns in the vector) everywhere.
  const Isa isa = active_isa();
  const bool offered = isa == Isa::avx512f;
  for (const auto& [c, h] : {std::pair{128, 38}, std::pair{128, 26}, std::pair{256, 19}}) {
    DeconvShape neck;
    neck.in_c = neck.out_c = c, neck.in_h = neck.in_w = h, neck.ksize = neck.stride = 2, neck.pad = 0;
    const DirectPlan plan(deconv_phases(neck), WeightAt{}, Epilogue{}, 1, isa);
    INFO(neck.describe() << ": " << plan.describe());
    CHECK((plan.scheme() == DirectPlan::Scheme::row_channels) == offered);
    if (offered) {
      CHECK(plan.describe().find("phase rows, channels in the vector") != std::string::npos);
      CHECK(plan.workspace_bytes() == 0);  // the input read in place: no frame
    }
  }
  DeconvShape reid;
  reid.in_c = 30, reid.out_c = 128, reid.in_h = 48, reid.in_w = 28, reid.ksize = reid.stride = 4, reid.pad = 0;
  const DirectPlan r(deconv_phases(reid), WeightAt{}, Epilogue{}, 1, isa);
  INFO(r.describe());
  CHECK(r.scheme() != DirectPlan::Scheme::row_channels);
  // Forced where it cannot apply: a clear error.
  DeconvShape p1 = reid;
  p1.pad = 1;
  DirectPlan::Options o;
  o.scheme = DirectPlan::Scheme::row_channels;
  CHECK_THROWS_WITH(DirectPlan(deconv_phases(p1), WeightAt{}, Epilogue{}, 1, isa, o),
                    Catch::Contains("phase rows need a stride = kernel"));
}

TEST_CASE("direct kernels: an RGB layer's data gradient reads its input's stride phases in pixel tiles, the wide layers' not",
          "[kernels]") {
  // The data gradient of DCGAN's 128->3 output layer is a stride-2
  // convolution of 3 channels into 128: channel tiles (16 pixels x 32
  // channels, transposed out) ran 0.068-0.078 ms at 1 thread on the AVX-512
  // machine, pixel tiles on the split frame (16 pixels x 6 channels, 4 rows,
  // whole-vector stores) 0.057-0.058; the 5x5 twin 0.091 -> 0.083, and the
  // 64->3 64x64 one 0.171 -> 0.119. The wide layers keep channel tiles (every
  // pixel block re-reads all input channels), and so does the scalar ISA,
  // whatever the layer. AVX-512 only, where it was measured.
  const Isa isa = active_isa();
  if (isa != Isa::avx512f) return;
  DeconvShape rgb;
  rgb.in_c = 128, rgb.out_c = 3, rgb.in_h = rgb.in_w = 32, rgb.ksize = 4, rgb.stride = 2, rgb.pad = 1;
  const ConvShape grad = DeconvolutionBackward::data_shape(rgb);
  const DirectPlan a(conv_problem(grad), WeightAt{}, Epilogue{}, 1, isa);
  INFO(a.describe());
  CHECK(a.scheme() == DirectPlan::Scheme::pixels);
  CHECK(a.split_frame());
  CHECK(a.describe().find("input split into its 2x2 stride phases") != std::string::npos);
  // The four stride phases of each of the 3 dy channels (64x64: 32x32 each,
  // bordered alike), VL floats of slack after them.
  CHECK(a.workspace_bytes() >= sizeof(float) * 3 * 4 * 32 * 32);
  CHECK(a.workspace_bytes() <= sizeof(float) * (3 * 4 * 34 * 34 + 16));
  CHECK_FALSE(DirectPlan(conv_problem(grad), WeightAt{}, Epilogue{}, 1, Isa::scalar).split_frame());
  DeconvShape wide = rgb;
  wide.in_c = 256, wide.out_c = 128, wide.in_h = wide.in_w = 16;
  const DirectPlan b(conv_problem(DeconvolutionBackward::data_shape(wide)), WeightAt{}, Epilogue{}, 1, isa);
  INFO(b.describe());
  CHECK(b.scheme() == DirectPlan::Scheme::channels);
  // The operator's method names the plan.
  const DeconvolutionBackward op(rgb, Algorithm::huge2, std::vector<float>(rgb.weight_count()).data(), 1);
  CHECK(op.method().find("input split into its 2x2 stride phases") != std::string::npos);
}

TEST_CASE("direct kernels: AVX2's RGB data gradients take 3-channel split-frame tiles; one-row pixel tiles wait on "
          "the FMA latency",
          "[kernels]") {
  // Plans for the shapes only. AVX2 (forced, on the Zen 5 machine), 1
  // thread: DCGAN 128->3's data gradient ran 0.138 ms in channel tiles and
  // 0.114 in split-frame pixel tiles of 3 channels x 4 rows, which the
  // estimate put behind until AVX2's pixel passes were costed as its own
  // (CpuTuning::pixel_tap_cycles_avx2); 64->3 64x64 0.290 -> 0.236. The
  // 32->19 256x256 output layer keeps its channel tiles: one-row pixel tiles
  // of 5 channels and both column phases ran 4.9 cycles a pass, the FMA
  // latency of 5 chains (0.95x as planned without that bound); its 16->19
  // twin takes them (12.8-13.0 -> 11.5-11.8 ms). On AVX-512 the split
  // frame's tiles keep to 4 rows: 64->3 64x64 in 6 channels x 4 rows.
  const Isa isa = active_isa();
  DeconvShape rgb;
  rgb.in_c = 128, rgb.out_c = 3, rgb.in_h = rgb.in_w = 32, rgb.ksize = 4, rgb.stride = 2, rgb.pad = 1;
  DeconvShape rgb64 = rgb;
  rgb64.in_c = 64, rgb64.in_h = rgb64.in_w = 64;
  auto plan = [&](const ConvShape& c) { return DirectPlan(conv_problem(c), WeightAt{}, Epilogue{}, 1, isa); };
  if (isa == Isa::avx512f) {
    const DirectPlan a = plan(DeconvolutionBackward::data_shape(rgb64));
    INFO(a.describe());
    CHECK(a.split_frame());
    CHECK(a.describe().find("16 pixels x 6 channels") != std::string::npos);
  }
  if (isa != Isa::avx2) return;
  for (const DeconvShape& s : {rgb, rgb64}) {
    const DirectPlan a = plan(DeconvolutionBackward::data_shape(s));
    INFO(a.describe());
    CHECK(a.split_frame());
    CHECK(a.describe().find("8 pixels x 3 channels") != std::string::npos);
  }
  DeconvShape out = rgb;
  out.in_c = 32, out.out_c = 19, out.in_h = out.in_w = 256;
  const DirectPlan wide(deconv_phases(out), WeightAt{}, Epilogue{}, 1, isa);
  INFO(wide.describe());
  CHECK(wide.scheme() == DirectPlan::Scheme::channels);
  out.in_c = 16;
  const DirectPlan narrow(deconv_phases(out), WeightAt{}, Epilogue{}, 1, isa);
  INFO(narrow.describe());
  CHECK(narrow.scheme() == DirectPlan::Scheme::pixels);
}

TEST_CASE("direct kernels: a kernel from memory streams through tiles with FMAs beside it, not corners of 1-3 pixels",
          "[kernels]") {
  // Plans for the shapes only, on the ISA of this run. DCGAN's 1024->512
  // layer over a 4x4 input (32 MB of weights, each read once per call from
  // memory): the exact tiling's corner and edge tiles of 1-3 pixels bring
  // most taps' weights with almost no FMAs beside them, 1.57-1.62 ms at 1
  // thread on the AVX-512 machine; one padded 16-pixel tile per phase and
  // 16-channel block, 64 cold bytes beside 16 FMAs a step, 1.22-1.26 ms. The
  // estimate summed a tile's bytes against its FMAs and picked the former;
  // step by step it picks the latter (tile_cost.h). The 5x5 DCGAN's 256->128
  // layer over 16x16 stays padded (1.58-1.61 ms, exact 1.68-1.70): its exact
  // corners are 1-pixel tiles of two vectors, which wait on the FMA latency.
  // AVX-512 only, where it was measured (the AVX2 plans moved 0.93-1.08x).
  const Isa isa = active_isa();
  if (isa != Isa::avx512f) return;
  DeconvShape big;
  big.in_c = 1024, big.out_c = 512, big.in_h = big.in_w = 4, big.ksize = 4, big.stride = 2, big.pad = 1;
  const DirectPlan a(deconv_phases(big), WeightAt{}, Epilogue{}, 1, isa);
  INFO(a.describe());
  CHECK(a.scheme() == DirectPlan::Scheme::channels);
  CHECK(a.tiling() == DirectPlan::Tiling::padded);
  CHECK(a.tile_count() == 4);  // one per phase
  CHECK(a.describe().find("32 channel blocks of 16") != std::string::npos);
  DeconvShape k5;
  k5.in_c = 256, k5.out_c = 128, k5.in_h = k5.in_w = 16, k5.ksize = 5, k5.stride = 2, k5.pad = 2;
  const DirectPlan b(deconv_phases(k5), WeightAt{}, Epilogue{}, 1, isa);
  INFO(b.describe());
  CHECK(b.tiling() == DirectPlan::Tiling::padded);
}

// A folded batch-norm with leaky, its scales and shifts different per
// channel; the definition's output of convolution s under it; and s's
// weights (Darknet's layout) for a plan.
Epilogue scaled_leaky(int channels) {
  Epilogue e;
  e.activation = Activation::leaky;
  for (int i = 0; i < channels; ++i) e.scale.push_back(0.5f + 0.01f * i), e.shift.push_back(0.1f - 0.01f * i);
  return e;
}
std::vector<float> conv_definition(const ConvShape& s, const std::vector<float>& x, const std::vector<float>& w,
                                   const Epilogue& e) {
  std::vector<float> want(s.output_count());
  conv_reference(s, x.data(), w.data(), want.data());
  e.apply(want.data(), 0, size_t(s.batch) * s.out_c, s.out_c, size_t(s.out_h()) * s.out_w());
  return want;
}
WeightAt conv_weights(const ConvShape& s, const std::vector<float>& w) {
  const int taps = s.ksize * s.ksize, in_c = s.in_c;
  return [&w, taps, in_c](int ic, int n, int kk) { return w[(size_t(n) * in_c + ic) * taps + kk]; };
}

TEST_CASE("direct kernels: a layer whose weights per channel block exceed L2's share sums its input channels in chunks",
          "[kernels]") {
  // The segmentation nets' 3x3 layers over 512 channels streamed 590 KB of
  // weights per tile from L2; the planner now cuts such K into chunks. Here:
  // the smallest input channel count whose block of the ISA's widest tile
  // exceeds the budget, one block of output channels, enough tiles to share it.
  const Isa isa = active_isa();
  const TileKernels& k = tile_kernels(isa);
  const int width = k.vl * k.max_nb;
  ConvShape s;
  s.in_c = int(cpu_tuning().chunk_weight_bytes / (9.0 * 4 * width)) + 5, s.out_c = width;
  s.in_h = s.in_w = 28, s.ksize = 3, s.pad = 1, s.dilation = 2;
  if (s.in_c > 1200) {  // the scalar kernels' blocks are narrow: no layer of test size is split
    WARN(isa_name(isa) << "'s widest block is " << width << " floats: no chunked layer of test size");
    return;
  }
  std::mt19937 rng(5);
  const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
  const Epilogue e = scaled_leaky(s.out_c);
  const std::vector<float> want = conv_definition(s, x, w, e);
  const WeightAt at = conv_weights(s, w);
  std::vector<float> one_thread;
  for (int threads : {1, 2, 3}) {
    DirectPlan::Options opt;
    opt.block_vectors = k.max_nb, opt.exact_threads = true, opt.l1_chunks = false;
    const DirectPlan plan(conv_problem(s), at, e, threads, isa, opt);
    INFO(s.describe() << ": " << plan.describe());
    REQUIRE(plan.k_chunk() < s.in_c);
    REQUIRE(plan.describe().find("input channels in chunks of " + std::to_string(plan.k_chunk())) != std::string::npos);
    ThreadPool pool(threads);
    const auto got = run_plan(plan, x, s.output_count(), &pool);
    REQUIRE(compare(got, want) == "");
    if (one_thread.empty()) one_thread = got;
    else REQUIRE(std::memcmp(got.data(), one_thread.data(), got.size() * sizeof(float)) == 0);
  }
  // A block under the budget is not split.
  DirectPlan::Options opt;
  opt.block_vectors = k.max_nb, opt.l1_chunks = false;
  ConvShape small = s;
  small.in_c = s.in_c / 2;
  const WeightAt small_at = [&](int ic, int n, int kk) { return w[(size_t(n) * s.in_c + ic) * 9 + kk]; };
  REQUIRE(DirectPlan(conv_problem(small), small_at, e, 1, isa, opt).k_chunk() == small.in_c);
}

TEST_CASE("direct kernels: narrow tiles sum a weight block larger than L1 in L1-sized input-channel chunks",
          "[kernels]") {
  // Plans for the shapes only, on the ISA of this run. DCGAN's 256->128
  // layer: 4 taps x 256 channels x a 16-channel block is 64 KB of weights a
  // phase on AVX2 (each tile streamed it from L2): in chunks of at most
  // CpuTuning::l1_weight_bytes, where the ISA's widest tile has few pixels
  // (AVX2, NEON, scalar); not on AVX-512, whose 14-pixel tiles ran at the
  // FMA peak without them. A 1x1 256->128 convolution's one tap is 16 KB a
  // block on AVX2: one chunk, no frame copy for nothing.
  const Isa isa = active_isa();
  const TileKernels& k = tile_kernels(isa);
  const bool narrow = k.max_pixels[k.max_nb] <= cpu_tuning().l1_chunk_max_pixels;
  DeconvShape d;
  d.in_c = 256, d.out_c = 128, d.in_h = d.in_w = 16, d.ksize = 4, d.stride = 2, d.pad = 1;
  const DirectPlan dcgan(deconv_phases(d), WeightAt{}, Epilogue{}, 1, isa);
  INFO(dcgan.describe());
  CHECK(dcgan.l1_chunks() == narrow);
  if (narrow) {
    CHECK(dcgan.tiling() == DirectPlan::Tiling::padded);
    CHECK(dcgan.k_chunk() < d.in_c);
    CHECK(4.0 * 4 * dcgan.k_chunk() * k.max_nb * k.vl <= cpu_tuning().l1_weight_bytes);
    CHECK(dcgan.describe().find("input channels in L1 chunks of " + std::to_string(dcgan.k_chunk())) !=
          std::string::npos);
  }
  ConvShape one;
  one.in_c = 256, one.out_c = 128, one.in_h = one.in_w = 16, one.ksize = 1;
  if (4.0 * one.in_c * k.max_nb * k.vl <= cpu_tuning().l1_weight_bytes) {
    const DirectPlan plan(conv_problem(one), WeightAt{}, Epilogue{}, 1, isa);
    INFO(plan.describe());
    CHECK(!plan.l1_chunks());
  }
  // Forced where they cannot be: a clear error.
  DirectPlan::Options exact;
  exact.l1_chunks = true, exact.tiling = DirectPlan::Tiling::exact;
  CHECK_THROWS_WITH(DirectPlan(deconv_phases(d), WeightAt{}, Epilogue{}, 1, isa, exact),
                    Catch::Contains("L1 chunks need"));
  ConvShape wide = one;
  wide.ksize = 3, wide.stride = 4;
  DirectPlan::Options forced;
  forced.l1_chunks = true;
  CHECK_THROWS_WITH(DirectPlan(conv_problem(wide), WeightAt{}, Epilogue{}, 1, isa, forced),
                    Catch::Contains("input steps 1 or 2"));
}

TEST_CASE("direct kernels: rows cut at whole transposed rows, the widest blocks' in two passes, equal the definition",
          "[kernels]") {
  // A convolution's output rows are consecutive floats: cut at multiples of
  // the ISA's transposed row (two_pass_cols pixels), each tile's row goes
  // out as whole vectors; blocks of max_nb vectors run those tiles in two
  // passes of half the row. Strides 1 and 2, both tilings, a last block
  // narrower than the widest (partial lanes), a rest of a row that is not
  // whole, a split K (the later chunks start from the output), 1-3 threads:
  // against the definition, and bit for bit against the even cut (the same
  // sums per pixel, whatever the tile).
  const Isa isa = active_isa();
  const TileKernels& k = tile_kernels(isa);
  if (!k.rows_transposed || !k.two_pass_cols) {
    WARN(isa_name(isa) << " stores no transposed rows: no aligned cut to test");
    return;
  }
  const int w = k.two_pass_cols;
  std::mt19937 rng(11);
  for (int stride : {1, 2})
    for (int rest : {0, 5}) {
      ConvShape s;
      s.in_c = 5, s.out_c = k.vl * k.max_nb + 3, s.ksize = 3, s.pad = 1, s.stride = stride;
      s.in_h = 3 * stride, s.in_w = (2 * w + rest) * stride;
      REQUIRE(s.out_w() == 2 * w + rest);
      const auto wt = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
      const Epilogue e = scaled_leaky(s.out_c);
      const std::vector<float> want = conv_definition(s, x, wt, e);
      const WeightAt at = conv_weights(s, wt);
      for (auto tiling : {DirectPlan::Tiling::exact, DirectPlan::Tiling::padded})
        for (bool chunks : {false, true}) {
          DirectPlan::Options even;
          even.tiling = tiling, even.block_vectors = k.max_nb, even.aligned_columns = false;
          if (chunks) even.k_chunk = 2;
          const auto want_bits = run_plan(DirectPlan(conv_problem(s), at, e, 1, isa, even), x, s.output_count());
          REQUIRE(compare(want_bits, want) == "");
          for (int threads : {1, 2, 3}) {
            DirectPlan::Options opt = even;
            opt.aligned_columns = true, opt.exact_threads = true;
            const DirectPlan plan(conv_problem(s), at, e, threads, isa, opt);
            INFO(s.describe() << ": " << plan.describe());
            // The padded tiling's rows: two whole transposed rows (and the rest).
            if (tiling == DirectPlan::Tiling::padded)
              REQUIRE(plan.tile_count() == size_t(s.out_h()) * (rest ? 3 : 2));
            ThreadPool pool(threads);
            const auto got = run_plan(plan, x, s.output_count(), &pool);
            REQUIRE(compare(got, want) == "");
            REQUIRE(std::memcmp(got.data(), want_bits.data(), got.size() * sizeof(float)) == 0);
          }
        }
    }
  // (DCGAN 128->3's data gradient, a 3->128 4x4/2 convolution into 32x32,
  // ran in such tiles, 16 pixels x 32 channels in two passes, until the
  // split frame's pixel tiles beat them: the test of the RGB layer's data
  // gradient above.)
}

TEST_CASE("one window at a batch: the images run together (a GEMM over them) and equal the definition",
          "[kernels]") {
  // planning/window_gemv.h: a one-pixel transposed convolution (DCGAN's
  // latent projection) takes its batch through the GEMM tiles, up to
  // gemm_mr images per tile (several groups, a partial one), columns in
  // panels, whole vectors and a tail of fewer than a vector (57 columns: a
  // panel and a part of one, then the tail, on every ISA); a one-window
  // convolution takes it in row blocks. 1 and 3 threads, bit for bit alike.
  const Isa isa = active_isa();
  std::mt19937 rng(31);
  for (int batch : {1, 2, 5, 8, 9, 17})
    for (int in_c : {1, 7, 100})
      for (int out_c : {1, 3, 33, 57})
        for (int k : {1, 4}) {
          DeconvShape d;
          d.batch = batch, d.in_c = in_c, d.out_c = out_c, d.in_h = d.in_w = 1, d.ksize = k, d.stride = 2;
          ConvShape c;
          c.batch = batch, c.in_c = out_c, c.out_c = in_c, c.in_h = c.in_w = c.ksize = k;
          const auto wd = random_tensor(d.weight_count(), rng), xd = random_tensor(d.input_count(), rng);
          const auto wc = random_tensor(c.weight_count(), rng), xc = random_tensor(c.input_count(), rng);
          const Epilogue ed = random_epilogue(d.out_c, rng), ec = random_epilogue(c.out_c, rng);
          std::vector<float> want_d(d.output_count()), want_c(c.output_count());
          deconv_reference(d, xd.data(), wd.data(), want_d.data());
          ed.apply(want_d.data(), 0, size_t(batch) * d.out_c, d.out_c, size_t(d.out_h()) * d.out_w());
          conv_reference(c, xc.data(), wc.data(), want_c.data());
          ec.apply(want_c.data(), 0, size_t(batch) * c.out_c, c.out_c, 1);
          const Deconvolution opd(d, Algorithm::huge2, wd.data(), ed, 0, isa);
          const Convolution opc(c, Algorithm::huge2, wc.data(), ec, 0, isa);
          INFO(d.describe() << "; " << c.describe() << " (" << isa_name(isa) << ")");
          REQUIRE(opd.runs_window_gemv());
          REQUIRE(opc.runs_window_gemv());
          std::vector<float> one_d, one_c;
          for (int threads : {1, 3}) {
            ThreadPool pool(threads);
            std::vector<float> yd(d.output_count(), -7.f), yc(c.output_count(), -7.f);
            opd.forward(xd.data(), yd.data(), nullptr, 0, &pool);
            opc.forward(xc.data(), yc.data(), nullptr, 0, &pool);
            REQUIRE(compare(yd, want_d) == "");
            REQUIRE(compare(yc, want_c) == "");
            if (one_d.empty()) one_d = yd, one_c = yc;
            REQUIRE(std::memcmp(yd.data(), one_d.data(), yd.size() * sizeof(float)) == 0);
            REQUIRE(std::memcmp(yc.data(), one_c.data(), yc.size() * sizeof(float)) == 0);
          }
        }
}

TEST_CASE("direct kernels: the epilogue's exp-based activations over spans match the definition", "[kernels]") {
  // activate_span (ukernels/activation_impl.h): logistic, tanh, elu, loggy
  // and selu on a branch-free exp, vectorized; the rest value by value.
  // Against the definition (activation_formula, on libm's expf and tanhf):
  // within 3e-7 of it, relative to max(1, |value|), over [-100, 100] in
  // steps that are not round, the tiny values around 0, the ends of exp's
  // range, infinities and NaN (which stays NaN).
  const Isa isa = active_isa();
  std::vector<float> xs;
  for (double x = -100; x <= 100; x += 0.0137) xs.push_back(float(x));
  for (float x : {0.f, -0.f, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 87.f, -87.f, 88.f, -88.f, 89.f, -89.f, 1e30f, -1e30f,
                  std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                  std::numeric_limits<float>::quiet_NaN()})
    xs.push_back(x);
  for (Activation act : kActivations) {
    INFO(isa_name(isa) << " " << activation_name(act));
    std::vector<float> got = xs;
    tile_kernels(isa).activate_span(got.data(), int(got.size()), act);
    double worst = 0;
    float worst_x = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      const float want = activation_formula(xs[i], act);
      if (std::isnan(want)) {
        REQUIRE(std::isnan(got[i]));
        continue;
      }
      const double err = std::fabs(double(got[i]) - want) / std::max(1.0, std::fabs(double(want)));
      if (err > worst) worst = err, worst_x = xs[i];
    }
    INFO("worst at x = " << worst_x);
    CHECK(worst <= 3e-7);
  }
}
