// huge2-bench-gpu: the GPU algorithms on huge2-bench's suites (bench/suites.h:
// DCGAN ladders, YOLO and ReID deconvolutions, dilated segmentation layers),
// under the same layer names: median time from CUDA events,
// GFLOP/s, a GB/s estimate (compulsory traffic: input + output + weights),
// workspace, and each output checked against the darknet-gpu output.
// Exit 77 without a CUDA device, 1 when an output disagrees.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "device_buffer.h"
#include "huge2_cuda.h"
#include "bench/suites.h"

using namespace huge2;
using namespace huge2::cuda;

namespace {

struct Options {
  std::string suite = "all";
  std::vector<int> batches = {1, 8};
  std::vector<Algorithm> algorithms = {Algorithm::darknet, Algorithm::huge2, Algorithm::cudnn};
  int repeats = 20, warmup = 3, tile = -1, splits = 0, device = 0;
};

void usage(FILE* f) {
  std::fprintf(f,
               "usage: huge2-bench-gpu [--suite dcgan|dcgan5|seg|yolo|all] [--batch 1,8] [--repeats N] [--warmup N]\n"
               "                       [--algorithms darknet,huge2,cudnn] [--tile -1..%d] [--splits N] [--device N]\n"
               "Times each layer with every algorithm (median of N CUDA-event timings) and checks\n"
               "every output against darknet's. Exit 77 without a CUDA device, 1 on a mismatch.\n"
               "--tile: huge2's kernel and tile (0..%d the tiled phase kernel, %d..%d the GEMM kernel; -1 picks);\n"
               "--splits: the GEMM kernel's K split (0 picks).\n",
               kTileConfigs - 1, kPhaseTileConfigs - 1, kPhaseTileConfigs, kTileConfigs - 1);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// The CPU bench's suites (bench/suites.h), the same layers and names.
std::vector<bench::SuiteLayer> layers(const Options& o, int batch) {
  std::vector<bench::SuiteLayer> out;
  for (const std::string& suite : bench::suite_names())
    if (o.suite == "all" || o.suite == suite)
      for (bench::SuiteLayer& L : bench::suite_layers(suite, batch)) out.push_back(std::move(L));
  return out;
}

struct Measured {
  double ms = 0;        // per forward, issued back to back
  double graph_ms = 0;  // per forward, replayed as a CUDA graph (0: capture refused)
  int inner = 1;        // forwards per timing
  size_t workspace = 0;
  std::string describe;
  std::vector<float> y;
};

// One timing of `inner` forwards issued back to back on `stream`, between one
// event pair: ms per forward. Timing one forward between its own events
// would count the host's launch work (pointer checks, locks, launch latency)
// whenever the GPU finishes first, so small layers measured the host.
template <class Run>
float events_ms(cudaStream_t stream, int inner, Run&& run) {
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  check(cudaEventRecord(start, stream), "cudaEventRecord");
  run();
  check(cudaEventRecord(stop, stream), "cudaEventRecord");
  check(cudaEventSynchronize(stop), "cudaEventSynchronize");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return ms / inner;
}

float median(std::vector<float> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

template <class Op, class Shape>
Measured measure(const Shape& s, Algorithm algo, const DeviceBuffer<float>& w, const DeviceBuffer<float>& x,
                 const Options& o) {
  GpuOptions opt;
  opt.tile_config = o.tile;
  opt.k_splits = o.splits;
  cudaStream_t stream;
  check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
  struct StreamGuard {
    cudaStream_t s;
    ~StreamGuard() { cudaStreamDestroy(s); }
  } guard{stream};
  Op op(s, algo, w.get(), stream, opt);
  DeviceBuffer<unsigned char> ws(op.workspace_bytes());
  DeviceBuffer<float> y(s.output_count());
  auto forward = [&] { op.forward(x.get(), y.get(), ws.get(), ws.size(), stream); };
  for (int i = 0; i < std::max(1, o.warmup); ++i) forward();
  check(cudaStreamSynchronize(stream), "cudaStreamSynchronize (warm-up)");
  // Enough forwards per timing for about 2 ms of GPU work.
  const float one = events_ms(stream, 1, forward);
  const int inner = std::max(1, std::min(200, int(2.0f / std::max(one, 1e-4f))));
  Measured m;
  m.inner = inner;
  std::vector<float> times;
  for (int i = 0; i < o.repeats; ++i)
    times.push_back(events_ms(stream, inner, [&] {
      for (int j = 0; j < inner; ++j) forward();
    }));
  m.ms = median(times);
  // The same forwards captured once as a CUDA graph and replayed: launch
  // gaps removed, what a graph-launching application would see. Not every
  // library call may be captured; then the column says so.
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  bool captured = cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) == cudaSuccess;
  if (captured) {
    try {
      for (int j = 0; j < inner; ++j) forward();
    } catch (const std::exception&) {
      captured = false;
    }
    captured = cudaStreamEndCapture(stream, &graph) == cudaSuccess && captured;
    captured = captured && cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess;
  }
  if (captured) {
    times.clear();
    check(cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
    for (int i = 0; i < o.repeats; ++i)
      times.push_back(events_ms(stream, inner, [&] { check(cudaGraphLaunch(exec, stream), "cudaGraphLaunch"); }));
    m.graph_ms = median(times);
  }
  if (exec) cudaGraphExecDestroy(exec);
  if (graph) cudaGraphDestroy(graph);
  cudaGetLastError();  // a refused capture leaves its error behind
  check(cudaStreamSynchronize(stream), "cudaStreamSynchronize (timing)");
  m.workspace = op.workspace_bytes();
  m.describe = op.describe();
  m.y = y.download();
  return m;
}

// Largest |a - b| relative to max(1, max |b|).
double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double scale = 1, worst = 0;
  for (float v : b) scale = std::max(scale, double(std::fabs(v)));
  for (size_t i = 0; i < a.size(); ++i) {
    const double e = std::isfinite(a[i]) ? std::fabs(double(a[i]) - b[i]) : INFINITY;
    worst = std::max(worst, e);
  }
  return worst / scale;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "huge2-bench-gpu: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    try {
      if (a == "--help" || a == "-h") {
        usage(stdout);
        return 0;
      } else if (a == "--suite") {
        o.suite = value();
        if (o.suite != "all" && !bench::is_suite(o.suite))
          throw std::invalid_argument("unknown suite '" + o.suite + "' (" + bench::suite_list() + " or all)");
      } else if (a == "--batch") {
        o.batches.clear();
        for (const auto& b : split(value())) o.batches.push_back(std::stoi(b));
      } else if (a == "--repeats") {
        o.repeats = std::max(1, std::stoi(value()));
      } else if (a == "--warmup") {
        o.warmup = std::max(0, std::stoi(value()));
      } else if (a == "--tile") {
        o.tile = std::stoi(value());
      } else if (a == "--splits") {
        o.splits = std::max(0, std::stoi(value()));
      } else if (a == "--device") {
        o.device = std::stoi(value());
      } else if (a == "--algorithms") {
        o.algorithms.clear();
        for (const auto& n : split(value())) o.algorithms.push_back(parse_gpu_algorithm(n));
      } else {
        throw std::invalid_argument("unknown option");
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "huge2-bench-gpu: %s: %s\n", a.c_str(), e.what());
      usage(stderr);
      return 2;
    }
  }

  std::string why;
  if (device_count(&why) == 0) {
    std::printf("huge2-bench-gpu: no CUDA device (%s): nothing to measure\n", why.c_str());
    return 77;
  }
  try {
    check(cudaSetDevice(o.device), "cudaSetDevice");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, o.device), "cudaGetDeviceProperties");
    std::printf("device %d: %s, sm_%d%d, %d SMs, %.1f GiB; cuDNN algorithm %s\n", o.device, prop.name, prop.major,
                prop.minor, prop.multiProcessorCount, prop.totalGlobalMem / 1073741824.0,
                built_with_cudnn() ? "built" : "not built (HUGE2_CUDNN)");
    std::printf("median of %d timings (CUDA events around enough back-to-back forwards for ~2 ms, %d warm-up);\n"
                "ms: issued on a stream; graph: the same forwards replayed as a CUDA graph (- where a library\n"
                "refused capture); GFLOP/s, GB/s and the ratios use the faster of the two; GB/s counts input +\n"
                "output + weights once; diff: max |y - y_darknet| / max(1, max |y_darknet|); vs X: X's time / this\n\n",
                o.repeats, o.warmup);
    std::printf("%-38s %5s %-8s %9s %9s %9s %8s %9s %9s %8s %8s  %s\n", "layer", "batch", "algo", "ms", "graph",
                "GFLOP/s", "GB/s", "ws MiB", "diff", "vs dark", "vs cudnn", "method");
    bool mismatch = false;
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    for (int batch : o.batches) {
      for (const bench::SuiteLayer& L : layers(o, batch)) {
        const size_t nw = L.weight_count();
        const size_t nx = L.input_count();
        const size_t ny = L.output_count();
        const double flops = L.flops();
        std::vector<float> hw(nw), hx(nx);
        for (float& v : hw) v = dist(rng) * 0.05f;
        for (float& v : hx) v = dist(rng);
        DeviceBuffer<float> w(hw), x(hx);
        const double bytes = double(nw + nx + ny) * sizeof(float);
        std::vector<Algorithm> algos = {Algorithm::darknet};  // the reference output, always first
        for (Algorithm a : o.algorithms)
          if (a != Algorithm::darknet && (a != Algorithm::cudnn || built_with_cudnn())) algos.push_back(a);
        const bool show_darknet =
            std::find(o.algorithms.begin(), o.algorithms.end(), Algorithm::darknet) != o.algorithms.end();
        std::vector<std::pair<Algorithm, Measured>> results;
        for (Algorithm a : algos) {
          try {
            results.emplace_back(a, L.transposed ? measure<DeconvGpu>(L.deconv, a, w, x, o)
                                                 : measure<ConvGpu>(L.conv, a, w, x, o));
          } catch (const std::exception& e) {
            std::printf("%-38s %5d %-8s failed: %s\n", L.name.c_str(), batch, algorithm_name(a), e.what());
            mismatch = true;
          }
        }
        auto best = [](const Measured& m) { return m.graph_ms > 0 ? std::min(m.ms, m.graph_ms) : m.ms; };
        const Measured* ref = nullptr;
        const Measured* dnn = nullptr;
        for (const auto& r : results) {
          if (r.first == Algorithm::darknet) ref = &r.second;
          if (r.first == Algorithm::cudnn) dnn = &r.second;
        }
        if (!ref) {
          mismatch = true;
          continue;
        }
        for (const auto& [a, m] : results) {
          if (a == Algorithm::darknet && !show_darknet) continue;
          const double diff = rel_diff(m.y, ref->y);
          const double tol = m.describe.find("TF32") != std::string::npos ? 1e-2 : 1e-4;
          const bool bad = !(diff <= tol);
          mismatch |= bad;
          const double t = best(m);
          char graph[16] = "-", vs_dnn[16] = "-";
          if (m.graph_ms > 0) std::snprintf(graph, sizeof graph, "%.4f", m.graph_ms);
          if (dnn) std::snprintf(vs_dnn, sizeof vs_dnn, "%.2fx", best(*dnn) / t);
          std::printf("%-38s %5d %-8s %9.4f %9s %9.1f %8.1f %9.2f %9.2e %7.2fx %8s  %s%s\n", L.name.c_str(), batch,
                      algorithm_name(a), m.ms, graph, flops / (t * 1e6), bytes / (t * 1e6), m.workspace / 1048576.0,
                      diff, best(*ref) / t, vs_dnn, m.describe.c_str(), bad ? "  MISMATCH" : "");
        }
        std::fflush(stdout);
      }
    }
    if (mismatch) {
      std::printf("\nhuge2-bench-gpu: some outputs disagree with darknet's (or failed)\n");
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "huge2-bench-gpu: %s\n", e.what());
    return 1;
  }
  return 0;
}
