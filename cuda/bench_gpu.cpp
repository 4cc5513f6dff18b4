// huge2-bench-gpu: the GPU algorithms on the DCGAN generator's transposed
// layers and on dilated segmentation layers: median time from CUDA events,
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

using namespace huge2;
using namespace huge2::cuda;

namespace {

struct Options {
  std::string suite = "all";
  std::vector<int> batches = {1, 8};
  std::vector<Algorithm> algorithms = {Algorithm::darknet, Algorithm::huge2, Algorithm::cudnn};
  int repeats = 20, warmup = 3, tile = -1, device = 0;
};

void usage(FILE* f) {
  std::fprintf(f,
               "usage: huge2-bench-gpu [--suite dcgan|seg|all] [--batch 1,8] [--repeats N] [--warmup N]\n"
               "                       [--algorithms darknet,huge2,cudnn] [--tile -1..%d] [--device N]\n"
               "Times each layer with every algorithm (median of N CUDA-event timings) and checks\n"
               "every output against darknet's. Exit 77 without a CUDA device, 1 on a mismatch.\n",
               kTileConfigs - 1);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

struct Layer {
  std::string name;
  bool transposed;
  DeconvShape d;
  ConvShape c;
};

std::vector<Layer> layers(const Options& o, int batch) {
  std::vector<Layer> out;
  if (o.suite == "dcgan" || o.suite == "all") {
    const int dcgan[][3] = {{1024, 512, 4}, {512, 256, 8}, {256, 128, 16}, {128, 3, 32}};
    for (const auto& l : dcgan) {
      Layer L;
      L.transposed = true;
      L.d.batch = batch, L.d.in_c = l[0], L.d.out_c = l[1], L.d.in_h = L.d.in_w = l[2];
      L.d.ksize = 4, L.d.stride = 2, L.d.pad = 1;
      L.name = "dcgan " + std::to_string(l[0]) + "->" + std::to_string(l[1]) + " " + std::to_string(l[2]) + "x" +
               std::to_string(l[2]) + " k4s2p1";
      out.push_back(L);
    }
  }
  if (o.suite == "seg" || o.suite == "all") {
    auto add = [&](int ch, int h, int w, int d) {
      Layer L;
      L.transposed = false;
      L.c.batch = batch, L.c.in_c = L.c.out_c = ch, L.c.in_h = h, L.c.in_w = w;
      L.c.ksize = 3, L.c.stride = 1, L.c.pad = 1, L.c.dilation = d;
      L.name = "seg " + std::to_string(ch) + "ch " + std::to_string(h) + "x" + std::to_string(w) + " 3x3 d" +
               std::to_string(d);
      out.push_back(L);
    };
    for (int d : {2, 4, 8, 12}) add(512, 64, 64, d);
    for (int d : {2, 4, 8, 16}) add(128, 64, 128, d);
  }
  return out;
}

struct Measured {
  double ms = 0;
  size_t workspace = 0;
  std::string describe;
  std::vector<float> y;
};

template <class Op, class Shape>
Measured measure(const Shape& s, Algorithm algo, const DeviceBuffer<float>& w, const DeviceBuffer<float>& x,
                 const Options& o) {
  GpuOptions opt;
  opt.tile_config = o.tile;
  Op op(s, algo, w.get(), nullptr, opt);
  DeviceBuffer<unsigned char> ws(op.workspace_bytes());
  DeviceBuffer<float> y(s.output_count());
  for (int i = 0; i < o.warmup; ++i) op.forward(x.get(), y.get(), ws.get(), ws.size());
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  std::vector<float> times;
  for (int i = 0; i < o.repeats; ++i) {
    check(cudaEventRecord(start), "cudaEventRecord");
    op.forward(x.get(), y.get(), ws.get(), ws.size());
    check(cudaEventRecord(stop), "cudaEventRecord");
    check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    times.push_back(ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  Measured m;
  m.ms = times[times.size() / 2];
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
        if (o.suite != "dcgan" && o.suite != "seg" && o.suite != "all") throw std::invalid_argument("unknown suite");
      } else if (a == "--batch") {
        o.batches.clear();
        for (const auto& b : split(value())) o.batches.push_back(std::stoi(b));
      } else if (a == "--repeats") {
        o.repeats = std::max(1, std::stoi(value()));
      } else if (a == "--warmup") {
        o.warmup = std::max(0, std::stoi(value()));
      } else if (a == "--tile") {
        o.tile = std::stoi(value());
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
    std::printf("median of %d runs (CUDA events, %d warm-up); GB/s counts input + output + weights once; "
                "diff: max |y - y_darknet| / max(1, max |y_darknet|)\n\n",
                o.repeats, o.warmup);
    std::printf("%-34s %5s %-8s %9s %9s %8s %10s %9s %8s  %s\n", "layer", "batch", "algo", "ms", "GFLOP/s", "GB/s",
                "ws MiB", "diff", "vs dark", "method");
    bool mismatch = false;
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> dist(-1.f, 1.f);
    for (int batch : o.batches) {
      for (const Layer& L : layers(o, batch)) {
        const size_t nw = L.transposed ? L.d.weight_count() : L.c.weight_count();
        const size_t nx = L.transposed ? L.d.input_count() : L.c.input_count();
        const size_t ny = L.transposed ? L.d.output_count() : L.c.output_count();
        const double flops = L.transposed ? L.d.flops() : L.c.flops();
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
        Measured ref;
        for (Algorithm a : algos) {
          Measured m;
          try {
            m = L.transposed ? measure<DeconvGpu>(L.d, a, w, x, o) : measure<ConvGpu>(L.c, a, w, x, o);
          } catch (const std::exception& e) {
            std::printf("%-34s %5d %-8s failed: %s\n", L.name.c_str(), batch, algorithm_name(a), e.what());
            mismatch = true;
            continue;
          }
          if (a == Algorithm::darknet) {
            ref = m;
            if (!show_darknet) continue;
          }
          const double diff = rel_diff(m.y, ref.y);
          const double tol = m.describe.find("TF32") != std::string::npos ? 1e-2 : 1e-4;
          const bool bad = ref.y.empty() || !(diff <= tol);
          mismatch |= bad;
          std::printf("%-34s %5d %-8s %9.4f %9.1f %8.1f %10.2f %9.2e %7.2fx  %s%s\n", L.name.c_str(), batch,
                      algorithm_name(a), m.ms, flops / (m.ms * 1e6), bytes / (m.ms * 1e6),
                      m.workspace / 1048576.0, diff, ref.ms / m.ms, m.describe.c_str(), bad ? "  MISMATCH" : "");
        }
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
