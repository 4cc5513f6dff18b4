#include "common.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>

#include <sys/resource.h>

#include "gemm.h"
#include "memory_budget.h"

namespace huge2::cli {

const std::set<std::string> kNetworkOptions = {"algorithm", "batch", "threads", "max-memory"};

NetworkOptions network_options(const Args& a) {
  NetworkOptions o;
  if (a.has("algorithm")) {
    const std::string v = a.get("algorithm", "");
    if (v != "darknet" && v != "huge2") throw UsageError("--algorithm must be darknet or huge2, got '" + v + "'");
    o.algorithm = parse_algorithm(v);
  }
  o.batch = a.get_int("batch", 0, 1);
  if (o.batch > kMaxBatch)
    throw UsageError("--batch " + std::to_string(o.batch) + " is more than " + std::to_string(kMaxBatch));
  if (a.has("max-memory")) {
    try {
      o.max_memory = parse_memory_size(a.get("max-memory", ""));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--max-memory: ") + e.what());
    }
  }
  return o;
}

NetworkOptions inference_options(const Args& a) {
  NetworkOptions o = network_options(a);
  if (o.batch == 0) o.batch = 1;
  return o;
}

int apply_threads(const Args& a) {
  const int hw = int(std::max(1u, std::thread::hardware_concurrency()));
  const int t = a.get_int("threads", hw, 1);
  // Each OpenMP thread takes a stack and a share of every parallel loop; far
  // more threads than cores only costs, and tens of thousands crash libgomp.
  if (t > kMaxThreads)
    throw UsageError("--threads " + std::to_string(t) + " is more than " + std::to_string(kMaxThreads) +
                     " (this machine has " + std::to_string(hw) + " hardware threads)");
  set_num_threads(t);
  return t;
}

Network load_network(const std::string& cfg, const NetworkOptions& opt, bool quiet) {
  Network net = Network::from_cfg_file(cfg, opt);
  if (!quiet) {
    for (const std::string& w : net.warnings()) std::fprintf(stderr, "warning: %s\n", w.c_str());
    for (const std::string& u : net.unused_keys()) std::fprintf(stderr, "warning: %s\n", u.c_str());
  }
  return net;
}

void fill_weights(Network& net, const std::string& weights, unsigned seed) {
  if (weights.empty())
    net.randomize(seed);
  else
    net.load_weights(weights);
}

std::vector<float> random_input(const Network& net, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> x(net.input_shape().size() * net.batch());
  for (float& v : x) v = u(rng);
  return x;
}

double median_ms(const std::function<void()>& f, int repeats, const std::string& label) {
  f();  // warm-up
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    std::fprintf(stderr, "\r%s: run %d/%d", label.c_str(), r + 1, repeats);
  }
  std::fprintf(stderr, "\r%*s\r", int(label.size()) + 24, "");
  return median(t);
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

bool report_non_finite(const Network& net, const char* verb) {
  const int i = net.first_non_finite_layer();
  if (i < 0) return false;
  std::fprintf(stderr,
               "huge2 %s: warning: layer %d (%s) is the first whose output holds NaN or Inf: check the weights "
               "and the input\n",
               verb, i, net.layer_where(i).c_str());
  return true;
}

std::string npy_shape_text(const std::vector<size_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

double max_abs_diff(const float* a, const float* b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) continue;  // equal, infinities included
    const double d = std::fabs(double(a[i]) - double(b[i]));
    if (std::isnan(d)) return d;  // a NaN on one side (or Inf against -Inf) is the answer
    m = std::max(m, d);
  }
  return m;
}

}  // namespace huge2::cli
