// huge2 summary CFG: the network as built, Darknet-style.
#include <cstdio>

#include "common.h"

namespace huge2::cli {

int verb_summary(int argc, char** argv) {
  static const char* usage =
      "usage: huge2 summary CFG [--algorithm darknet|huge2] [--batch N]\n"
      "Builds the network from CFG and prints each layer, its shapes, the algorithm it\n"
      "runs (huge2=0/1 per layer or under [net], or --algorithm), cfg keys no layer read,\n"
      "and the memory the network would need (activations, weights, workspace); it\n"
      "allocates no activations. Batch 1, as every inference verb runs, unless --batch N\n"
      "(the cfg's batch / subdivisions is the training batch).\n";
  Args a(argc, argv, 2, kNetworkOptions, {"help"});
  if (a.flag("help")) return std::fputs(usage, stdout), 0;
  a.expect_positional(1, 1, "one CFG");
  NetworkOptions opt = inference_options(a);
  opt.shapes_only = true;  // the table needs shapes, not gigabytes of zeros
  Network net = load_network(a.positional()[0], opt);
  std::fputs(net.summary().c_str(), stdout);
  if (net.cfg_batch() != net.batch())
    std::printf("(the cfg's own batch per pass, batch / subdivisions x time_steps, is %d; --batch N picks one)\n",
                net.cfg_batch());
  return 0;
}

}  // namespace huge2::cli
