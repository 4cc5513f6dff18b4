// huge2-bench: times huge2's transposed and dilated convolutions against the
// stock Darknet method, the real Darknet library and oneDNN, in one run, on
// the same inputs, and checks every output against huge2's darknet algorithm
// (a benchmark that measures wrong code is worthless).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <thread>
#include <vector>

#include <cblas.h>

#include "operators/convolution.h"
#include "operators/convolution_backward.h"
#include "operators/deconvolution.h"
#include "operators/deconvolution_backward.h"
#include "stock/gemm.h"
#include "runtime/isa.h"
#include "measure.h"
#include "core/shapes.h"
#include "ukernels/tile_kernel.h"
#include "bench/suites.h"
#ifdef HUGE2_HAVE_DARKNET
#include "peers/darknet_stock.h"
#endif
#ifdef HUGE2_HAVE_ONEDNN
#include "peers/onednn_peer.h"
#endif
#ifdef HUGE2_HAVE_XNNPACK
#include "peers/xnnpack_peer.h"
#endif

namespace {

const char* const kUsage =
    "usage: huge2-bench [options]\n"
    "  --suite dcgan|dcgan5|seg|yolo|all  layers to measure (default all)\n"
    "  --threads LIST                comma-separated thread counts (default 1,2)\n"
    "  --repeats N                   timed runs per measurement, at least (default 5): runs go on\n"
    "                                until they took 20 ms together, after warm-up runs of 4 ms or\n"
    "                                at least one; the real stock Darknet gets max(1, N/2): its GEMM\n"
    "                                is naive\n"
    "  --batch N                     images per run (default 1)\n"
    "  --csv FILE                    rows go here (default huge2-bench.csv)\n"
    "  --no-stock                    skip the real (slow) Darknet library\n"
    "  --no-onednn                   skip oneDNN\n"
    "  --no-xnnpack                  skip XNNPACK\n"
    "  --backward                    also the backward pass (training): rows ALGO bwd_data (dL/dx),\n"
    "                                ALGO bwd_weights (dL/dw) and ALGO bwd (both, one after the other),\n"
    "                                each checked against huge2's darknet algorithm (max|diff| relative\n"
    "                                to max(1, the largest gradient value)); XNNPACK has no backward\n"
    "  --help                        this text\n"
    "rows: darknet is huge2's stock algorithm on OpenBLAS's SGEMM; huge2 runs huge2's own direct\n"
    "micro-kernels (ISA from the CPU, or HUGE2_ISA=avx512f|avx2|neon|scalar); fma_peak is a register-only\n"
    "FMA loop of that ISA, the machine's limit, and %peak is each row's share of it; stock_gemm is\n"
    "the stock method's GEMM alone (no col2im / im2col), the floor that removing the column\n"
    "traffic can reach on that SGEMM; stock_darknet is the real libdarknet.so; onednn_* is oneDNN.\n"
    "Build against the OpenMP OpenBLAS (libopenblas-openmp-dev): a pthreads OpenBLAS keeps a\n"
    "second spinning pool that competes with OpenMP for the cores (the header says which).\n";

struct Options {
  std::string suite = "all";
  std::vector<int> threads{1, 2};
  int repeats = 5;
  int batch = 1;
  std::string csv = "huge2-bench.csv";
  bool stock = true;
  bool onednn = true;
  bool xnnpack = true;
  bool backward = false;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int parse_positive(const std::string& opt, const std::string& v) {
  size_t used = 0;
  int n = 0;
  try {
    n = std::stoi(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty() || n < 1) throw UsageError(opt + " wants a positive integer, got '" + v + "'");
  return n;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], value;
    const size_t eq = a.find('=');
    const bool inline_value = a.rfind("--", 0) == 0 && eq != std::string::npos;
    if (inline_value) value = a.substr(eq + 1), a = a.substr(0, eq);
    auto next = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= argc) throw UsageError(a + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "--suite") {
      o.suite = next();
      if (o.suite != "all" && !huge2::bench::is_suite(o.suite))
        throw UsageError("--suite must be " + huge2::bench::suite_list() + " or all, got '" + o.suite + "'");
    } else if (a == "--threads") {
      o.threads.clear();
      std::stringstream list(next());
      for (std::string t; std::getline(list, t, ',');) o.threads.push_back(parse_positive("--threads", t));
      if (o.threads.empty()) throw UsageError("--threads needs at least one count");
    } else if (a == "--repeats") {
      o.repeats = parse_positive(a, next());
    } else if (a == "--batch") {
      o.batch = parse_positive(a, next());
    } else if (a == "--csv") {
      o.csv = next();
      if (o.csv.empty()) throw UsageError("--csv needs a file name");
    } else if (a == "--no-stock" && !inline_value) {
      o.stock = false;
    } else if (a == "--no-onednn" && !inline_value) {
      o.onednn = false;
    } else if (a == "--no-xnnpack" && !inline_value) {
      o.xnnpack = false;
    } else if (a == "--backward" && !inline_value) {
      o.backward = true;
    } else {
      throw UsageError("unknown option '" + std::string(argv[i]) + "'");
    }
  }
  return o;
}

// 64-byte aligned float buffer owned by RAII (workspaces, GEMM operands).
class AlignedBuffer {
 public:
  explicit AlignedBuffer(size_t bytes) : bytes_(bytes) {
    if (bytes == 0) return;
    const size_t rounded = (bytes + 63) / 64 * 64;  // aligned_alloc wants a multiple of the alignment
    ptr_.reset(static_cast<float*>(std::aligned_alloc(64, rounded)));
    if (!ptr_) throw std::bad_alloc();
  }
  float* data() const { return ptr_.get(); }
  size_t bytes() const { return bytes_; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> ptr_;
  size_t bytes_;
};

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = u(gen);
  return v;
}

// Lets the thread pools of whatever ran before go idle. OpenBLAS's workers spin
// for ~0.1 s after a GEMM and OpenMP's for a while after a region; on a
// machine with few cores those spinners would otherwise steal the cores of the
// next algorithm measured and charge it for its predecessor.
void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(250)); }

// huge2::median_ms after letting the pools settle.
// Every measurement times at least this long (and --repeats runs): the
// smallest layers (a few microseconds) get enough samples for a stable median.
constexpr double kMinTimedMs = 20;

double median_ms(const std::function<void()>& f, int repeats) {
  settle();
  return huge2::median_ms(f, repeats, kMinTimedMs);
}

using Layer = huge2::bench::SuiteLayer;
using huge2::bench::suite_layers;

struct Row {
  std::string suite, layer;
  int threads;
  std::string algorithm;
  double ms, gflops;
  size_t workspace;
  double speedup = 1.0;  // huge2 time vs this algorithm's (> 1: huge2 is faster)
  double peak_pct = 0.0;  // GFLOP/s as a share of the fma_peak row at this thread count
  double diff = 0.0;
  bool flagged = false;
  std::string note;
};

double max_abs_diff(const float* a, const std::vector<float>& ref) {
  return huge2::max_abs_diff(a, ref.data(), ref.size());
}

// One huge2 operator (Deconvolution or Convolution) timed with its own
// workspace; `out` keeps the result for the correctness check.
template <class Op, class Shape>
Row time_huge2(const Shape& s, huge2::Algorithm algo, const std::vector<float>& w, const std::vector<float>& x,
               int repeats, std::vector<float>& out, huge2::ThreadPool& pool) {
  Op op(s, algo, w.data(), {}, pool.threads());
  AlignedBuffer ws(op.workspace_bytes());
  out.assign(s.output_count(), 0.f);
  const double ms = median_ms([&] { op.forward(x.data(), out.data(), ws.data(), ws.bytes(), &pool); }, repeats);
  Row r{};
  r.algorithm = huge2::algorithm_name(algo);
  r.ms = ms;
  r.workspace = ws.bytes();
  if (algo == huge2::Algorithm::huge2) r.note = op.method();
  return r;
}

// The backward pass of huge2's operators (Back: DeconvolutionBackward or
// ConvolutionBackward) with algorithm `algo`: rows "ALGO bwd_data", "ALGO
// bwd_weights" and "ALGO bwd" (both in turn); dx and dw of the last run.
template <class Back, class Shape>
std::vector<Row> time_backward(const Shape& s, huge2::Algorithm algo, const std::vector<float>& w,
                               const std::vector<float>& x, const std::vector<float>& dy, int repeats,
                               std::vector<float>& dx, std::vector<float>& dw, huge2::ThreadPool& pool) {
  Back op(s, algo, w.data(), pool.threads());
  AlignedBuffer ws(op.workspace_bytes());
  dx.assign(s.input_count(), 0.f);
  dw.assign(s.weight_count(), 0.f);
  auto data = [&] { op.backward_data(dy.data(), dx.data(), ws.data(), ws.bytes(), &pool); };
  // Accumulates into dw, as a training step does (Darknet's update scales the
  // running sum; it is never cleared): timed as it is, dw growing from run
  // to run (clearing it inside the timed call cost the 1024->512 layer's
  // 33.5 MB a write of its own that oneDNN's overwriting primitive does not
  // pay), then once more from zero for the result.
  auto weights = [&] { op.backward_weights(x.data(), dy.data(), dw.data(), ws.data(), ws.bytes(), &pool); };
  std::vector<Row> rows(3);
  const std::string name = huge2::algorithm_name(algo);
  rows[0].algorithm = name + " bwd_data", rows[0].ms = median_ms(data, repeats);
  rows[1].algorithm = name + " bwd_weights", rows[1].ms = median_ms(weights, repeats);
  rows[2].algorithm = name + " bwd", rows[2].ms = median_ms([&] { data(), weights(); }, repeats);
  std::fill(dw.begin(), dw.end(), 0.f);
  weights();
  for (Row& r : rows) {
    r.workspace = ws.bytes();
    if (algo == huge2::Algorithm::huge2) r.note = op.method();
  }
  return rows;
}

// "bwd_data", "bwd_weights", "bwd" or "" (forward) from a row's algorithm.
std::string row_kind(const std::string& algorithm) {
  const size_t sp = algorithm.find(' ');
  return sp == std::string::npos ? "" : algorithm.substr(sp + 1);
}

// Which rows a pass measures. libgomp's idle threads keep spinning after an
// OpenMP region (OMP_WAIT_POLICY=active: for ever), so a thread pool of
// another kind measured after one finds a core taken. huge2's own pool and
// XNNPACK's (no OpenMP) are therefore measured first, for every layer and
// thread count, before the OpenMP rows (the stock method on OpenBLAS, oneDNN).
enum class Pass { own_threads, openmp };

std::vector<Row> measure_layer(const std::string& suite, const Layer& L, int threads, const Options& o, Pass pass) {
  const std::vector<float> x = random_floats(L.input_count(), 1);
  const std::vector<float> w = random_floats(L.weight_count(), 2);
  std::vector<Row> rows;
  std::vector<float> ref, out;
  double ref_max = 0;
  auto progress = [&](const char* algo) {
    std::fprintf(stderr, "[%s] %s, %d thread%s: %s\n", suite.c_str(), L.name.c_str(), threads,
                 threads > 1 ? "s" : "", algo);
  };
  // Adds a row for a result held in `y` (checked against the reference).
  auto add = [&](Row r, const float* y) {
    r.diff = max_abs_diff(y, ref);
    r.flagged = !(r.diff <= 1e-3 * ref_max);  // also catches NaN
    rows.push_back(std::move(r));
  };

  const bool own = pass == Pass::own_threads;
  if (own) {  // the reference: the stock method, untimed, on one OpenMP thread (no idle workers)
    huge2::set_num_threads(1);
    huge2::ThreadPool one(1);
    (void)(L.transposed ? time_huge2<huge2::Deconvolution>(L.deconv, huge2::Algorithm::darknet, w, x, 1, ref, one)
                        : time_huge2<huge2::Convolution>(L.conv, huge2::Algorithm::darknet, w, x, 1, ref, one));
    for (float v : ref) ref_max = std::max(ref_max, double(std::fabs(v)));
  }
  // Backward: dL/dy drawn like x. The references are the darknet algorithm's
  // gradients: untimed on one thread in the own-threads pass, its timed run
  // in the OpenMP pass (as for the forward rows).
  const std::vector<float> dy = o.backward ? random_floats(L.transposed ? L.deconv.output_count() : L.conv.output_count(), 5)
                                           : std::vector<float>{};
  std::vector<float> ref_dx, ref_dw, got_dx, got_dw;
  double ref_dx_max = 0, ref_dw_max = 0;
  auto backward_rows = [&](huge2::Algorithm a, int repeats, huge2::ThreadPool& pool) {
    return L.transposed
               ? time_backward<huge2::DeconvolutionBackward>(L.deconv, a, w, x, dy, repeats, got_dx, got_dw, pool)
               : time_backward<huge2::ConvolutionBackward>(L.conv, a, w, x, dy, repeats, got_dx, got_dw, pool);
  };
  auto take_grad_refs = [&] {  // from got_dx, got_dw
    ref_dx = got_dx, ref_dw = got_dw;
    ref_dx_max = ref_dw_max = 0;
    for (float v : ref_dx) ref_dx_max = std::max(ref_dx_max, double(std::fabs(v)));
    for (float v : ref_dw) ref_dw_max = std::max(ref_dw_max, double(std::fabs(v)));
  };
  auto add_grad = [&](Row r, const float* gx, const float* gw) {
    const std::string kind = row_kind(r.algorithm);
    r.diff = 0;
    if (kind != "bwd_weights") r.diff = max_abs_diff(gx, ref_dx) / std::max(1.0, ref_dx_max);
    if (kind != "bwd_data") r.diff = std::max(r.diff, max_abs_diff(gw, ref_dw) / std::max(1.0, ref_dw_max));
    r.flagged = !(r.diff <= 1e-3);  // relative to the larger of 1 and the gradient's largest value; NaN too
    rows.push_back(std::move(r));
  };
  if (own && o.backward) {
    huge2::set_num_threads(1);
    huge2::ThreadPool one(1);
    (void)backward_rows(huge2::Algorithm::darknet, 1, one);
    take_grad_refs();
  }
  // A huge2 layer that falls back to the stock method (the RGB output layer)
  // runs it on this many OpenMP threads; the direct kernels start none.
  huge2::set_num_threads(threads);
  for (huge2::Algorithm a : {huge2::Algorithm::darknet, huge2::Algorithm::huge2}) {
    if (own != (a == huge2::Algorithm::huge2)) continue;
    progress(huge2::algorithm_name(a));
    // huge2's threads for this row only: no idle worker outlives it.
    huge2::ThreadPool pool(threads);
    Row r = L.transposed ? time_huge2<huge2::Deconvolution>(L.deconv, a, w, x, o.repeats, out, pool)
                         : time_huge2<huge2::Convolution>(L.conv, a, w, x, o.repeats, out, pool);
    if (a == huge2::Algorithm::darknet) {  // the reference every other output is checked against
      ref = out;
      for (float v : ref) ref_max = std::max(ref_max, double(std::fabs(v)));
    }
    add(r, out.data());
    if (o.backward) {
      progress((std::string(huge2::algorithm_name(a)) + " backward").c_str());
      std::vector<Row> timed = backward_rows(a, o.repeats, pool);
      if (a == huge2::Algorithm::darknet) take_grad_refs();
      for (Row& b : timed) add_grad(b, got_dx.data(), got_dw.data());
    }
  }
  if (!own) {
    // The stock method's GEMM without its column transform: how fast the
    // stock algorithm would be if col2im / im2col cost nothing.
    progress("stock gemm alone");
    Row r{};
    r.algorithm = "stock_gemm";
    r.note = "GEMM of the darknet algorithm alone; output not comparable";
    if (L.transposed) {
      const huge2::DeconvShape& d = L.deconv;
      const int m = d.out_c * d.ksize * d.ksize, n = d.in_h * d.in_w;
      AlignedBuffer col(sizeof(float) * size_t(m) * n);
      r.ms = median_ms([&] {
        for (int b = 0; b < d.batch; ++b)
          huge2::sgemm(true, false, m, n, d.in_c, 1.f, w.data(), m, x.data() + size_t(b) * d.in_c * n, n, 0.f,
                       col.data(), n);
      }, o.repeats);
      r.workspace = col.bytes();
    } else {
      const huge2::ConvShape& c = L.conv;
      const int m = c.out_c, n = c.out_h() * c.out_w(), k = c.in_c * c.ksize * c.ksize;
      AlignedBuffer col(sizeof(float) * size_t(k) * n);
      std::fill(col.data(), col.data() + size_t(k) * n, 0.5f);
      out.assign(c.output_count(), 0.f);
      r.ms = median_ms([&] {
        for (int b = 0; b < c.batch; ++b)
          huge2::sgemm(false, false, m, n, k, 1.f, w.data(), k, col.data(), n, 0.f, out.data() + size_t(b) * m * n, n);
      }, o.repeats);
      r.workspace = col.bytes();
    }
    r.diff = std::nan("");
    rows.push_back(r);
  }
#ifdef HUGE2_HAVE_DARKNET
  if (!own && o.stock && L.transposed) {
    progress("stock darknet");
    huge2::peers::StockDarknetDeconv stock(L.deconv, w.data(), nullptr);
    Row r{};
    r.algorithm = "stock_darknet";
    const int reps = std::max(1, o.repeats / 2);
    r.ms = median_ms([&] { stock.forward(x.data()); }, reps);
    r.workspace = stock.workspace_bytes();
    r.note = "libdarknet.so, naive 1-thread GEMM, at least " + std::to_string(reps) + " timed run(s)";
    add(r, stock.output());
    if (o.backward) {  // data and weight gradients in one call (backward_deconvolutional_layer)
      progress("stock darknet backward");
      Row b{};
      b.algorithm = "stock_darknet bwd";
      got_dx.assign(L.deconv.input_count(), 0.f);
      b.ms = median_ms([&] { stock.backward(x.data(), dy.data(), got_dx.data()); }, reps);
      b.workspace = stock.workspace_bytes();
      b.note = r.note;
      add_grad(b, got_dx.data(), stock.weight_updates());
    }
  }
#endif
#ifdef HUGE2_HAVE_ONEDNN
  if (!own && o.onednn) {
    using huge2::peers::OneDnnLayout;
    for (OneDnnLayout lay : {OneDnnLayout::nchw, OneDnnLayout::any}) {
      const std::string name = std::string("onednn_") + huge2::peers::layout_name(lay);
      progress(name.c_str());
      // Built after set_num_threads: oneDNN may size its work split at creation.
      auto peer = L.transposed ? std::make_unique<huge2::peers::OneDnnPeer>(L.deconv, lay, w.data(), x.data())
                               : std::make_unique<huge2::peers::OneDnnPeer>(L.conv, lay, w.data(), x.data());
      Row r{};
      r.algorithm = name;
      r.ms = median_ms([&] { peer->run(); }, o.repeats);
      r.workspace = peer->scratchpad_bytes();
      r.note = peer->impl_name();
      add(r, peer->output_nchw().data());
      if (o.backward) {
        progress((name + " backward").c_str());
        auto back = L.transposed
                        ? std::make_unique<huge2::peers::OneDnnBackwardPeer>(L.deconv, lay, w.data(), x.data(), dy.data())
                        : std::make_unique<huge2::peers::OneDnnBackwardPeer>(L.conv, lay, w.data(), x.data(), dy.data());
        Row d{}, g{}, both{};
        d.algorithm = name + " bwd_data", g.algorithm = name + " bwd_weights", both.algorithm = name + " bwd";
        d.ms = median_ms([&] { back->run_data(); }, o.repeats);
        g.ms = median_ms([&] { back->run_weights(); }, o.repeats);
        both.ms = median_ms([&] { back->run_data(), back->run_weights(); }, o.repeats);
        d.workspace = back->data_scratchpad_bytes(), g.workspace = back->weights_scratchpad_bytes();
        both.workspace = std::max(d.workspace, g.workspace);
        d.note = back->data_impl_name(), g.note = back->weights_impl_name();
        both.note = d.note + " + " + g.note;
        const std::vector<float> gx = back->diff_src_nchw(), gw = back->diff_weights_user();
        add_grad(d, gx.data(), gw.data());
        add_grad(g, gx.data(), gw.data());
        add_grad(both, gx.data(), gw.data());
      }
    }
  }
#endif
#ifdef HUGE2_HAVE_XNNPACK
  if (own && o.xnnpack) {
    progress("xnnpack");
    // NHWC inside: the input is transposed once, untimed; its own pthreadpool.
    auto peer = L.transposed ? std::make_unique<huge2::peers::XnnpackPeer>(L.deconv, w.data(), x.data(), threads)
                             : std::make_unique<huge2::peers::XnnpackPeer>(L.conv, w.data(), x.data(), threads);
    Row r{};
    r.algorithm = "xnnpack";
    r.ms = median_ms([&] { peer->run(); }, o.repeats);
    r.workspace = peer->workspace_bytes();
    r.note = peer->impl_name() + " (NHWC; workspace inside the operator, not reported)";
    const std::vector<float> y = peer->output_nchw();
    add(r, y.data());
  }
#endif
  for (Row& r : rows) {
    r.suite = suite, r.layer = L.name, r.threads = threads;
    r.gflops = L.flops() * (row_kind(r.algorithm) == "bwd" ? 2 : 1) / (r.ms * 1e6);
  }
  return rows;
}

// One layer's rows at one thread count, from both passes, in the table's
// order (darknet, huge2, then the peers), with the speed-ups against huge2.
std::vector<Row> merge_passes(std::vector<Row> own, std::vector<Row> openmp) {
  std::vector<Row> rows;
  auto take = [&](std::vector<Row>& from, const std::string& algo) {
    for (Row& r : from)
      if (r.algorithm == algo) rows.push_back(r);
  };
  // Forward rows first, then each backward kind; huge2x against huge2's row
  // of the same kind.
  for (const std::string kind : {"", "bwd_data", "bwd_weights", "bwd"}) {
    const std::string suffix = kind.empty() ? "" : " " + kind;
    take(openmp, "darknet" + suffix);
    take(own, "huge2" + suffix);
    for (Row& r : openmp)
      if (row_kind(r.algorithm) == kind && r.algorithm != "darknet" + suffix) rows.push_back(r);
    for (Row& r : own)
      if (row_kind(r.algorithm) == kind && r.algorithm != "huge2" + suffix) rows.push_back(r);
  }
  std::map<std::string, double> huge2_ms;
  for (const Row& r : rows)
    if (r.algorithm.rfind("huge2", 0) == 0) huge2_ms[row_kind(r.algorithm)] = r.ms;
  for (Row& r : rows) {
    auto it = huge2_ms.find(row_kind(r.algorithm));
    r.speedup = it == huge2_ms.end() ? std::nan("") : r.ms / it->second;
  }
  return rows;
}

void print_table(const std::string& suite, const std::vector<Row>& rows) {
  std::printf("\n== suite %s ==\n", suite.c_str());
  std::printf("%-36s %3s %-24s %10s %8s %6s %12s %7s %10s  %s\n", "layer", "thr", "algorithm", "median ms",
              "GFLOP/s", "%peak", "workspace B", "huge2x", "max|diff|", "note");
  std::string last;
  for (const Row& r : rows) {
    const std::string key = r.layer + std::to_string(r.threads);
    if (!last.empty() && key != last) std::printf("\n");
    last = key;
    std::printf("%-36s %3d %-24s %10.3f %8.1f %6.1f %12zu %7.2f %10.2e  %s%s\n", r.layer.c_str(), r.threads,
                r.algorithm.c_str(), r.ms, r.gflops, r.peak_pct, r.workspace, r.speedup, r.diff,
                r.flagged ? "WRONG (diff > 1e-3*max|ref|) " : "", r.note.c_str());
  }
  std::fflush(stdout);
}

void write_csv(std::ofstream& f, const Row& r) {
  f << r.suite << ",\"" << r.layer << "\"," << r.threads << "," << r.algorithm << "," << r.ms << "," << r.gflops
    << "," << r.peak_pct << "," << r.workspace << "," << r.speedup << "," << r.diff << "\n";
}

// The machine's large-SGEMM ceiling: the best a GEMM-based layer can do here.
std::vector<Row> sgemm_ceiling(const Options& o) {
  const int n = 1024;
  const std::vector<float> a = random_floats(size_t(n) * n, 3), b = random_floats(size_t(n) * n, 4);
  AlignedBuffer c(size_t(n) * n * sizeof(float));
  std::vector<Row> rows;
  std::printf("== SGEMM ceiling: huge2::sgemm (OpenBLAS) %dx%dx%d ==\n", n, n, n);
  for (int t : o.threads) {
    huge2::set_num_threads(t);
    std::fprintf(stderr, "[sgemm] %d thread%s\n", t, t > 1 ? "s" : "");
    Row r{};
    r.suite = "sgemm", r.layer = "1024x1024x1024", r.threads = t, r.algorithm = "openblas_sgemm";
    r.ms = median_ms([&] { huge2::sgemm(false, false, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n); },
                     o.repeats);
    r.gflops = 2.0 * n * n * n / (r.ms * 1e6);
    std::printf("threads %d: %8.3f ms  %7.1f GFLOP/s\n", t, r.ms, r.gflops);
    rows.push_back(r);
  }
  std::fflush(stdout);
  return rows;
}

// The FMA peak of the ISA huge2's kernels run with: every thread runs the
// ISA's register-only FMA loop at once; GFLOP/s of all of them together.
std::vector<Row> fma_peak(const Options& o, huge2::Isa isa, std::vector<std::pair<int, double>>& peaks) {
  const huge2::TileKernels& k = huge2::tile_kernels(isa);
  const long iters = 20000000 / k.vl;
  const double flops_per_thread = double(iters) * 2 * huge2::kPeakChains * k.vl * 2;
  std::vector<Row> rows;
  std::printf("== FMA peak: %s register-only loop (%d chains x %d lanes) ==\n", huge2::isa_name(isa),
              huge2::kPeakChains, k.vl);
  for (int t : o.threads) {
    std::fprintf(stderr, "[fma_peak] %d thread%s\n", t, t > 1 ? "s" : "");
    std::vector<float> sink(size_t(t), 0.f);
    huge2::ThreadPool pool(t);
    Row r{};
    r.suite = "peak", r.layer = "register-only FMA loop", r.threads = t, r.algorithm = "fma_peak";
    r.ms = median_ms([&] { pool.run(t, [&](int i) { sink[size_t(i)] += k.fma_peak_loop(iters); }); }, o.repeats);
    volatile float keep = 0;
    for (float v : sink) keep = keep + v;
    r.gflops = flops_per_thread * t / (r.ms * 1e6);
    r.peak_pct = 100;
    peaks.push_back({t, r.gflops});
    std::printf("threads %d: %8.3f ms  %7.1f GFLOP/s\n", t, r.ms, r.gflops);
    rows.push_back(r);
  }
  std::fflush(stdout);
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse_options(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "huge2-bench: %s\n%s", e.what(), kUsage);
    return 2;
  }
  std::ofstream csv(o.csv);
  if (!csv) {
    std::fprintf(stderr, "huge2-bench: cannot write '%s'\n", o.csv.c_str());
    return 2;
  }
  csv << "suite,layer,threads,algorithm,median_ms,gflops,percent_of_fma_peak,workspace_bytes,speedup_huge2_vs_this,"
         "max_abs_diff\n";

  std::printf("huge2-bench: batch %d, median of at least %d timed runs and %.0f ms of them, after at least 1 warm-up "
              "run and %.0f ms; huge2x = that row's time / huge2's\n",
              o.batch, o.repeats, kMinTimedMs, kMinTimedMs / 5);
  // What decides the threading: huge2's loops are OpenMP, its GEMMs OpenBLAS;
  // with a pthreads OpenBLAS the two pools compete for the cores.
  const char* wait = std::getenv("OMP_WAIT_POLICY");
  const int par = openblas_get_parallel();
  std::printf("machine: %u hardware threads; %s (threading: %s); OMP_WAIT_POLICY=%s\n",
              std::thread::hardware_concurrency(), openblas_get_config(),
              par == 0 ? "none" : par == 1 ? "pthreads" : "OpenMP", wait ? wait : "(unset)");
#ifdef HUGE2_HAVE_DARKNET
  if (o.stock)
    std::printf("stock Darknet (libdarknet.so): transposed layers only (the 2018 original has no dilation); "
                "at least %d timed runs\n", std::max(1, o.repeats / 2));
  else
    std::printf("stock Darknet: skipped (--no-stock)\n");
#else
  std::printf("stock Darknet: not built (libdarknet.so was not found at configure time)\n");
#endif
#ifdef HUGE2_HAVE_ONEDNN
  std::printf("oneDNN: %s\n", o.onednn ? "nchw (plain tensors) and any (its own layout; input reordered untimed)"
                                       : "skipped (--no-onednn)");
#else
  std::printf("oneDNN: not built (dnnl not found at configure time, or HUGE2_ONEDNN=OFF)\n");
#endif
#ifdef HUGE2_HAVE_XNNPACK
  std::printf("XNNPACK: %s\n", o.xnnpack ? "NHWC (input transposed untimed), its own pthreadpool" : "skipped (--no-xnnpack)");
  std::printf("order: the rows without OpenMP (huge2's pool, XNNPACK) of every layer first, then the OpenMP rows\n"
              "(darknet, stock_gemm, oneDNN): libgomp's idle threads keep spinning after a region and take a core\n");
#else
  std::printf("XNNPACK: not built (libxnnpack-dev not found at configure time, or HUGE2_XNNPACK=OFF)\n");
#endif

  int wrong = 0;
  try {
    const huge2::Isa isa = huge2::active_isa();
    std::printf("huge2 micro-kernels: %s (best this CPU offers: %s; HUGE2_ISA=%s)\n", huge2::isa_name(isa),
                huge2::isa_name(huge2::best_isa()), std::getenv("HUGE2_ISA") ? std::getenv("HUGE2_ISA") : "(unset)");
    std::vector<std::pair<int, double>> peaks;
    for (const Row& r : fma_peak(o, isa, peaks)) write_csv(csv, r);
    const std::vector<std::string> suites =
        o.suite == "all" ? huge2::bench::suite_names() : std::vector<std::string>{o.suite};
    // Pass 1, every suite: the rows without OpenMP (see Pass).
    std::map<std::tuple<std::string, std::string, int>, std::vector<Row>> own;
    for (const std::string& suite : suites)
      for (const Layer& L : suite_layers(suite, o.batch))
        for (int t : o.threads) own[{suite, L.name, t}] = measure_layer(suite, L, t, o, Pass::own_threads);
    for (const Row& r : sgemm_ceiling(o)) write_csv(csv, r);
    // Pass 2: the OpenMP rows; then each layer's table.
    for (const std::string& suite : suites) {
      std::vector<Row> table;
      for (const Layer& L : suite_layers(suite, o.batch))
        for (int t : o.threads) {
          for (Row& r : merge_passes(own[{suite, L.name, t}], measure_layer(suite, L, t, o, Pass::openmp))) {
            for (auto [pt, g] : peaks)
              if (pt == t) r.peak_pct = 100.0 * r.gflops / g;
            write_csv(csv, r);
            wrong += r.flagged;
            table.push_back(std::move(r));
          }
          csv.flush();  // keep finished rows if a later layer is interrupted
        }
      print_table(suite, table);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "huge2-bench: %s\n", e.what());
    return 1;
  }
  std::printf("\nrows written to %s\n", o.csv.c_str());
  if (wrong) {
    std::printf("%d result(s) WRONG: differ from huge2's darknet algorithm by more than 1e-3*max|ref|\n", wrong);
    return 1;
  }
  std::printf("all outputs agree with huge2's darknet algorithm (max|diff| <= 1e-3*max|ref|)\n");
  return 0;
}
