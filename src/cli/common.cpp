#include "common.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>

#include <sys/resource.h>

#include "stock/gemm.h"
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
  o.threads = thread_count(a);
  // The verbs read the last layer's (and the box layers') outputs only;
  // `compare` and `bench --compare` read every layer's and say so.
  o.reuse_activations = true;
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

NetworkOptions one_image_options(const Args& a, const char* verb) {
  NetworkOptions o = network_options(a);
  if (o.batch > 1) std::fprintf(stderr, "warning: %s runs one image; --batch %d ignored\n", verb, o.batch);
  o.batch = 1;
  return o;
}

std::set<std::string> network_options_and(std::initializer_list<const char*> own) {
  std::set<std::string> s = kNetworkOptions;
  s.insert(own.begin(), own.end());
  return s;
}

float fraction_option(const Args& a, const char* name, float fallback) {
  if (!a.has(name)) return fallback;
  const std::string v = a.get(name, "");
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(d >= 0.0 && d <= 1.0))
    throw UsageError(std::string("--") + name + " wants a number in [0, 1], got '" + v + "'");
  return float(d);
}

int thread_count(const Args& a) {
  const int hw = int(std::max(1u, std::thread::hardware_concurrency()));
  const int t = a.get_int("threads", default_threads(), 1);
  // Each thread takes a stack and a share of every parallel loop; far more
  // threads than cores only costs, and tens of thousands crash libgomp.
  if (t > kMaxThreads)
    throw UsageError("--threads " + std::to_string(t) + " is more than " + std::to_string(kMaxThreads) +
                     " (this machine has " + std::to_string(hw) + " hardware threads)");
  return t;
}

int apply_threads(const Args& a) {
  const int t = thread_count(a);
  set_num_threads(t);  // the stock method's OpenBLAS and im2col (OpenMP)
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

uint64_t image_budget(const Network& net, const NetworkOptions& opt) {
  const uint64_t budget = opt.max_memory ? opt.max_memory : available_memory_bytes();
  if (budget == 0) return 0;  // unknown: no limit, as for the network
  const uint64_t used = net.memory_plan().total();
  return budget > used ? budget - used : 1;
}

void load_weights_noting(Network& net, const std::string& path, const char* verb) {
  net.load_weights(path);
  if (!net.weights_note().empty()) std::fprintf(stderr, "huge2 %s: warning: %s\n", verb, net.weights_note().c_str());
}

void fill_weights(Network& net, const std::string& weights, unsigned seed) {
  if (weights.empty())
    net.randomize(seed);
  else
    load_weights_noting(net, weights, "bench");  // bench is its one caller
}

std::vector<float> random_input(const Network& net, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> x(net.input_shape().size() * net.batch());
  for (float& v : x) v = u(rng);
  return x;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}

bool report_non_finite(Network& net, const char* verb, const float* input) {
  const int i = net.first_non_finite_layer(input);
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

}  // namespace huge2::cli
