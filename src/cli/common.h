// What the huge2 verbs share: building a network from the command line's
// options, seeded inputs, reports (timing and differences: measure.h).
#pragma once
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "args.h"
#include "measure.h"
#include "network.h"

namespace huge2::cli {

// --algorithm darknet|huge2 (override), --batch N, --threads N, --max-memory SIZE options.
extern const std::set<std::string> kNetworkOptions;
NetworkOptions network_options(const Args& a);
constexpr int kMaxThreads = 1024;
// The same for a verb that runs inference: batch 1 unless --batch says
// otherwise (as `darknet detector test` does), whatever the cfg's training batch.
NetworkOptions inference_options(const Args& a);
// For a verb that reads one image (segment, detect): batch 1, with a warning
// (stderr) that names the verb when --batch asked for more.
NetworkOptions one_image_options(const Args& a, const char* verb);
// kNetworkOptions and a verb's own options that take a value.
std::set<std::string> network_options_and(std::initializer_list<const char*> own);
// --NAME as a number in [0, 1] (fallback when absent); UsageError otherwise.
float fraction_option(const Args& a, const char* name, float fallback);
// --threads (default: default_threads(), i.e. OMP_NUM_THREADS or all
// hardware threads; at most kMaxThreads). network_options() passes it to the
// network's pool; apply_threads() also sets the stock method's OpenBLAS/OpenMP
// threads to it and returns it.
int thread_count(const Args& a);
int apply_threads(const Args& a);
// Builds, prints the unused-key and duplicate-key warnings once (stderr).
Network load_network(const std::string& cfg, const NetworkOptions& opt, bool quiet = false);
// net.load_weights(path), then a warning (stderr) naming the verb when the
// file was partial (Network::weights_note).
void load_weights_noting(Network& net, const std::string& path, const char* verb);
// Bytes the memory budget (--max-memory, else MemAvailable) leaves for a
// verb's input image once the network is allocated; at least 1, or 0 (no
// limit) when the memory available is unknown.
uint64_t image_budget(const Network& net, const NetworkOptions& opt);
// Loads WEIGHTS, or seeded random weights when weights is empty.
void fill_weights(Network& net, const std::string& weights, unsigned seed);
std::vector<float> random_input(const Network& net, unsigned seed);
// After a forward pass on `input`: one warning (stderr) naming the first
// layer whose output holds NaN or Inf, if any (with shared activation
// buffers, found by running that pass again); returns whether there was one.
bool report_non_finite(Network& net, const char* verb, const float* input);
// "(1, 3, 8, 8)"
std::string npy_shape_text(const std::vector<size_t>& shape);
// Largest batch a command line or input may ask for (a batch is an int in the kernels).
constexpr int kMaxBatch = 1 << 20;
// This process's peak resident set so far (getrusage), in MiB.
double peak_rss_mib();

int verb_run(int argc, char** argv);
int verb_bench(int argc, char** argv);
int verb_compare(int argc, char** argv);
int verb_init_weights(int argc, char** argv);
int verb_summary(int argc, char** argv);

}  // namespace huge2::cli
