// huge2 init-weights CFG OUT.weights --seed N: random weights so every cfg can
// be run and benchmarked without a trained model.
#include <cstdio>

#include "common.h"
#include "output_checks.h"

namespace huge2::cli {

int verb_init_weights(int argc, char** argv) {
  static const char* usage =
      "usage: huge2 init-weights CFG OUT.weights [--seed N]\n"
      "Writes seeded random weights (He-scaled; batch-norm statistics near 1) in Darknet's\n"
      ".weights format (version 0.2.0), readable by Darknet and by huge2. Default seed 1.\n"
      "The network is built at batch 1 (one sequence for recurrent cfgs): weights do not depend\n"
      "on the batch, and a training cfg's batch would allocate activations for nothing.\n";
  Args a(argc, argv, 2, {"seed"}, {"help"});
  if (a.flag("help")) return std::fputs(usage, stdout), 0;
  a.expect_positional(2, 2, "CFG and OUT.weights");
  // Any name: Darknet's weights files have no fixed extension.
  check_output(a.positional()[1], "OUT.weights", nullptr, "", {a.positional()[0]});
  NetworkOptions opt;
  opt.smallest_batch = true;
  Network net = load_network(a.positional()[0], opt);
  const int seed = a.get_int("seed", 1, 0);
  net.randomize(unsigned(seed));
  net.save_weights(a.positional()[1]);
  size_t params = 0;
  for (int i = 0; i < net.size(); ++i) params += net.layer(i).parameter_count();
  std::printf("wrote %s: %zu parameters for %d layers (seed %d)\n", a.positional()[1].c_str(), params, net.size(),
              seed);
  return 0;
}

}  // namespace huge2::cli
