// huge2 bench CFG [WEIGHTS] [--compare]: per-layer timing of one network, or
// of the same network with the stock and the huge2 algorithms side by side.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "common.h"

namespace huge2::cli {
namespace {

struct Timing {
  std::vector<std::vector<double>> layer;  // [layer][repeat]
  std::vector<double> total;
};

void time_once(Network& net, const std::vector<float>& x, Timing& t) {
  t.layer.resize(net.size());
  const auto t0 = std::chrono::steady_clock::now();
  net.forward(x.data(), [&](int i, double ms) { t.layer[i].push_back(ms); });
  t.total.push_back(ms_since(t0));
}

}  // namespace

int verb_bench(int argc, char** argv) {
  static const char* usage =
      "usage: huge2 bench CFG [WEIGHTS] [--compare] [--repeats N] [--seed N] [--algorithm A] [--threads N] [--batch N]\n"
      "                  [--max-memory SIZE]\n"
      "Times every layer (median of N runs after a warm-up; default 10) on a seeded random\n"
      "input (batch 1 unless --batch N); without WEIGHTS the layers get seeded random weights. --compare builds the\n"
      "network twice, every eligible layer on the stock (darknet) algorithm and on huge2,\n"
      "runs them alternately, and prints per-layer speedup and the largest absolute\n"
      "difference of each layer's output.\n";
  Args a(argc, argv, 2, network_options_and({"repeats", "seed"}), {"help", "compare"});
  if (a.flag("help")) return std::fputs(usage, stdout), 0;
  a.expect_positional(1, 2, "CFG [WEIGHTS]");
  const std::string cfg = a.positional()[0], weights = a.positional().size() > 1 ? a.positional()[1] : "";
  const int repeats = a.get_int("repeats", 10, 1);
  const unsigned seed = unsigned(a.get_int("seed", 1, 0));
  const int threads = apply_threads(a);
  const bool compare = a.flag("compare");
  if (compare && a.has("algorithm")) throw UsageError("--compare runs both algorithms; drop --algorithm");

  NetworkOptions opt = inference_options(a);
  std::vector<std::unique_ptr<Network>> nets;
  std::vector<std::string> names;
  if (compare) {
    for (Algorithm al : {Algorithm::darknet, Algorithm::huge2}) {
      opt.algorithm = al;
      nets.push_back(std::make_unique<Network>(load_network(cfg, opt, al == Algorithm::huge2)));
      names.push_back(algorithm_name(al));
    }
  } else {
    nets.push_back(std::make_unique<Network>(load_network(cfg, opt)));
    names.push_back("as configured");
  }
  for (auto& n : nets) fill_weights(*n, weights, seed);
  const std::vector<float> x = random_input(*nets[0], seed + 1);
  std::fputs(nets.back()->summary().c_str(), stdout);
  std::printf("threads %d, %d runs after a warm-up, median ms; weights: %s\n", threads, repeats,
              weights.empty() ? "seeded random" : weights.c_str());

  std::vector<Timing> t(nets.size());
  // The warm-up pass; with --compare it also gives each layer's difference,
  // read in the on_layer calls: the layers share activation buffers.
  std::vector<double> diff(size_t(nets[0]->size()), 0.0);
  if (compare) {
    std::vector<std::vector<float>> stock(diff.size());
    const auto floats = [&](int i) { return nets[0]->layer(i).out().size() * size_t(nets[0]->batch()); };
    nets[0]->forward(x.data(), [&](int i, double) {
      stock[i].assign(nets[0]->output_of(i), nets[0]->output_of(i) + floats(i));
    });
    nets[1]->forward(x.data(), [&](int i, double) {
      diff[i] = max_abs_diff(stock[i].data(), nets[1]->output_of(i), floats(i));
    });
  } else {
    nets[0]->forward(x.data());
  }
  for (int r = 0; r < repeats; ++r) {
    for (size_t k = 0; k < nets.size(); ++k) time_once(*nets[k], x, t[k]);
    std::fprintf(stderr, "\rbench: run %d/%d", r + 1, repeats);
  }
  std::fprintf(stderr, "\r%30s\r", "");
  for (auto& n : nets)
    if (report_non_finite(*n, "bench", x.data())) break;  // once

  const Network& ref = *nets[0];
  if (!compare) {
    std::printf("%5s %-9s %-22s %-12s %10s %9s %12s  %s\n", "layer", "type", "output", "algorithm", "ms", "GFLOP/s",
                "workspace B", "method");
    for (int i = 0; i < ref.size(); ++i) {
      const Layer& l = ref.layer(i);
      const double ms = median(t[0].layer[i]);
      std::printf("%5d %-9s %-22s %-12s %10.3f %9.1f %12zu  %s\n", i, l.type(), l.out().str().c_str(),
                  l.algorithm().empty() ? "-" : l.algorithm().substr(0, 12).c_str(), ms,
                  l.flops() / (ms * 1e6 + 1e-12), l.workspace_bytes(), l.method().c_str());
    }
    std::printf("total %.3f ms (median of whole passes), network workspace %zu bytes, peak RSS %.1f MiB\n",
                median(t[0].total), ref.workspace_bytes(), peak_rss_mib());
    return 0;
  }
  const Network& h = *nets[1];
  std::printf("%5s %-9s %-22s %11s %11s %8s %11s\n", "layer", "type", "output", "darknet ms", "huge2 ms", "speedup",
              "max|diff|");
  double worst = 0;
  for (int i = 0; i < ref.size(); ++i) {
    const Layer& l = h.layer(i);
    const double a_ms = median(t[0].layer[i]), b_ms = median(t[1].layer[i]);
    worst = std::max(worst, diff[i]);
    std::printf("%5d %-9s %-22s %11.3f %11.3f %7.2fx %11.2e%s\n", i, l.type(), l.out().str().c_str(), a_ms, b_ms,
                a_ms / b_ms, diff[i], l.algorithm().rfind("huge2", 0) == 0 ? "  <- huge2" : "");
  }
  const double ta = median(t[0].total), tb = median(t[1].total);
  std::printf("total: darknet %.3f ms, huge2 %.3f ms, speedup %.2fx; max|diff| of any layer %.2e\n", ta, tb, ta / tb,
              worst);
  std::printf("workspace: darknet %zu bytes, huge2 %zu bytes (peak memory per algorithm: run bench with\n"
              "--algorithm darknet and --algorithm huge2 in separate processes)\n",
              ref.workspace_bytes(), h.workspace_bytes());
  return 0;
}

}  // namespace huge2::cli
