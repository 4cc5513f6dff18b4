// huge2 compare CFG WEIGHTS: the same files in the real stock Darknet library
// (Debian's libdarknet.so) and in huge2, same input, per-layer time and
// difference.
#include <cstdio>
#include <optional>

#include "common.h"
#ifdef HUGE2_HAVE_DARKNET
#include "darknet_network.h"
#endif

namespace huge2::cli {
namespace {

// The first layer the packaged libdarknet cannot run (it would crash), or -1.
[[maybe_unused]] int first_layer_stock_cannot_run(const Network& net) {
  for (int i = 0; i < net.size(); ++i)
    if (!net.layer(i).stock_darknet_cannot_run().empty()) return i;
  return -1;
}

}  // namespace

int verb_compare(int argc, char** argv) {
  static const char* usage =
      "usage: huge2 compare CFG WEIGHTS [--repeats N] [--seed N] [--threads N] [--algorithm A] [--batch N]\n"
      "                    [--max-memory SIZE]\n"
      "Loads CFG and WEIGHTS into the real Darknet library (libdarknet.so, the 2018 original)\n"
      "and into huge2 (algorithms as the cfg says, or every eligible layer on --algorithm\n"
      "darknet|huge2), both at batch 1 unless --batch N, runs both on one seeded random input and\n"
      "prints each layer's median time in both (N runs after a warm-up, default 3) and the\n"
      "largest absolute difference of its output.\n"
      "Where the packaged Darknet computes a layer differently (it has no dilation and runs\n"
      "such layers undilated; it ignores the padding of 1x1 convolutions), that layer and all\n"
      "after it are compared against huge2's own stock (darknet) algorithm instead.\n";
  Args a(argc, argv, 2, network_options_and({"repeats", "seed"}), {"help"});
  if (a.flag("help")) return std::fputs(usage, stdout), 0;
  a.expect_positional(2, 2, "CFG and WEIGHTS");
#ifndef HUGE2_HAVE_DARKNET
  throw std::runtime_error("built without the stock Darknet library (apt-get install darknet, then rebuild)");
#else
  const std::string cfg = a.positional()[0], weights = a.positional()[1];
  // Every option before any network is loaded: a bad one fails at once.
  const int repeats = a.get_int("repeats", 3, 1);
  const unsigned seed = unsigned(a.get_int("seed", 1, 0));
  const int threads = apply_threads(a);
  NetworkOptions opt = inference_options(a);
  opt.reuse_activations = false;  // every layer's output is compared
  Network net = load_network(cfg, opt);
  net.load_weights(weights);
  // A partial file: libdarknet would keep its own random values for the
  // missing layers, huge2 seeded ones; nothing to compare.
  if (!net.weights_note().empty()) throw std::runtime_error(net.weights_note() + "; compare needs complete weights");
  NetworkOptions stock_opt = opt;
  stock_opt.algorithm = Algorithm::darknet;
  Network stock_algo = load_network(cfg, stock_opt, true);
  stock_algo.load_weights(weights);
  // A layer libdarknet cannot run (it crashes): the library is not run at
  // all, and huge2's own stock algorithm stands in for it on every layer.
  const int cannot = first_layer_stock_cannot_run(net);
  if (cannot >= 0)
    std::printf("layer %d [%s]: %s; stock Darknet is not run, every layer is compared with huge2's darknet algorithm\n",
                cannot, net.layer(cannot).type(), net.layer(cannot).stock_darknet_cannot_run().c_str());
  std::optional<peers::StockDarknetNetwork> dn;
  if (cannot < 0) dn.emplace(cfg, weights, net.batch());
  if (dn && (dn->layers() != net.size() || dn->inputs() != int(net.input_shape().size()) || dn->batch() != net.batch()))
    throw std::runtime_error("stock Darknet built " + std::to_string(dn->layers()) + " layers with " +
                             std::to_string(dn->inputs()) + " inputs, huge2 " + std::to_string(net.size()) + " with " +
                             std::to_string(net.input_shape().size()) + ": not comparable");
  const std::vector<float> x = random_input(net, seed);
  std::vector<std::vector<double>> h_runs(net.size()), d_runs(net.size());
  // Without libdarknet the loop runs stock_algo as often as net: recurrent
  // layers keep their state from one forward pass to the next.
  if (dn) stock_algo.forward(x.data());
  for (int r = 0; r <= repeats; ++r) {  // run 0 is the warm-up
    std::vector<double> d_ms(size_t(net.size()), 0.0);
    net.forward(x.data(), [&](int i, double ms) { if (r) h_runs[i].push_back(ms); });
    if (dn) dn->predict(x.data(), &d_ms);
    else stock_algo.forward(x.data(), [&](int i, double ms) { d_ms[size_t(i)] = ms; });
    for (int i = 0; r && i < net.size(); ++i) d_runs[i].push_back(d_ms[i]);
    std::fprintf(stderr, "\rcompare: run %d/%d", r, repeats);
  }
  std::fprintf(stderr, "\r%30s\r", "");
  report_non_finite(net, "compare", x.data());
  std::vector<double> h_ms, d_ms;
  for (int i = 0; i < net.size(); ++i) h_ms.push_back(median(h_runs[i])), d_ms.push_back(median(d_runs[i]));

  // From the first layer stock Darknet computes differently (dilation, its
  // 1x1-with-padding fault), its outputs are not comparable: those layers are
  // compared against huge2's own stock algorithm instead.
  int first_different = -1;
  for (int i = 0; i < net.size() && first_different < 0; ++i)
    if (!net.layer(i).stock_darknet_difference().empty()) first_different = i;
  if (first_different >= 0 && dn)
    std::printf("layer %d: %s; from there on, compared with huge2's darknet algorithm\n", first_different,
                net.layer(first_different).stock_darknet_difference().c_str());
  std::printf("threads %d (stock Darknet: 1, its own naive GEMM)\n", threads);
  std::printf("%5s %-9s %-22s %-10s %11s %11s %8s %11s  %s\n", "layer", "type", "output", "algorithm", "darknet ms",
              "huge2 ms", "speedup", "max|diff|", "compared with");
  double worst = 0, total_d = 0, total_h = 0;
  for (int i = 0; i < net.size(); ++i) {
    const Layer& l = net.layer(i);
    const size_t n = l.out().size() * net.batch();
    const bool stock_ok = dn && (first_different < 0 || i < first_different);
    if (stock_ok && size_t(dn->layer_outputs(i)) * dn->batch() != n)
      throw std::runtime_error("layer " + std::to_string(i) + ": stock Darknet has " +
                               std::to_string(dn->layer_outputs(i)) + " outputs, huge2 " + std::to_string(l.out().size()));
    const double diff = stock_ok ? max_abs_diff(dn->layer_output(i), net.output_of(i), n)
                                 : max_abs_diff(stock_algo.output_of(i), net.output_of(i), n);
    worst = std::max(worst, diff);
    total_d += d_ms[i], total_h += h_ms[i];
    std::printf("%5d %-9s %-22s %-10s %11.3f %11.3f %7.2fx %11.2e  %s\n", i, l.type(), l.out().str().c_str(),
                l.algorithm().empty() ? "-" : l.algorithm().substr(0, 10).c_str(), d_ms[i], h_ms[i], d_ms[i] / h_ms[i],
                diff, stock_ok ? "libdarknet.so" : "huge2 darknet algorithm");
  }
  std::printf("total: %s %.3f ms, huge2 %.3f ms (%.2fx); largest difference %.2e\n",
              dn ? "stock Darknet" : "huge2 darknet algorithm", total_d, total_h, total_d / total_h, worst);
  return 0;
#endif
}

}  // namespace huge2::cli
