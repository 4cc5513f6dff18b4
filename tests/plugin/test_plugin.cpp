// The libdarknet plugin end to end: tests/plugin/darknet_probe (a C program
// on libdarknet.so's public API) runs a network with and without
// libhuge2_darknet.so preloaded and dumps every layer's output; these tests
// compare the dumps with each other (stock Darknet is the reference for
// deconvolutional layers and for everything without keys) or with huge2's
// own engine (dilated layers, which stock Darknet cannot run).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "network.h"

extern char** environ;

namespace {

const std::string kSource = HUGE2_SOURCE_DIR;
const std::string kData = HUGE2_SOURCE_DIR "/tests/data/plugin/";
const std::string kWork = HUGE2_PLUGIN_WORK_DIR "/";

using Dump = std::vector<std::vector<float>>;  // per layer, batch x outputs

struct Run {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  std::string log;     // stdout and stderr
  Dump layers;
};

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

Dump read_dump(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  Dump d;
  int32_t n = 0;
  if (!f.read(reinterpret_cast<char*>(&n), sizeof n)) return d;
  for (int32_t i = 0; i < n; ++i) {
    int32_t c = 0;
    f.read(reinterpret_cast<char*>(&c), sizeof c);
    std::vector<float> v(size_t(c > 0 ? c : 0));
    f.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
    if (!f) return {};
    d.push_back(std::move(v));
  }
  return d;
}

// The probe on cfg/weights/input; `plugin` preloads libhuge2_darknet.so
// (behind the sanitizer runtime in sanitizer builds, which must come first).
Run run_probe(const std::string& name, const std::string& cfg, const std::string& weights, const std::string& input,
              bool plugin, const std::vector<std::string>& options = {}) {
  const std::string out = kWork + name + (plugin ? ".plugin" : ".stock") + ".dump";
  const std::string log = kWork + name + (plugin ? ".plugin" : ".stock") + ".log";
  std::remove(out.c_str());
  // A cross build runs the probe under its emulator (qemu-aarch64 -L ROOT),
  // which passes LD_PRELOAD to the emulated program with -E.
  std::vector<std::string> args;
  std::istringstream emulator(HUGE2_PROBE_EMULATOR);
  for (std::string part; std::getline(emulator, part, '|');)
    if (!part.empty()) args.push_back(part);
  const bool emulated = !args.empty();
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "LD_PRELOAD=", 11) && std::strncmp(*e, "HUGE2_PLUGIN_QUIET=", 19)) env.push_back(*e);
  if (plugin) {
    std::string preload = HUGE2_PLUGIN_PATH;
    if (std::strlen(HUGE2_ASAN_RUNTIME)) preload = std::string(HUGE2_ASAN_RUNTIME) + ":" + preload;
    if (emulated)
      args.insert(args.end(), {"-E", "LD_PRELOAD=" + preload});
    else
      env.push_back("LD_PRELOAD=" + preload);
  }
  args.insert(args.end(), {HUGE2_PROBE_PATH, cfg, weights, input, out});
  args.insert(args.end(), options.begin(), options.end());
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  for (auto& e : env) envp.push_back(e.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(err == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  Run r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.log = read_text(log);
  if (r.exit_code == 0) r.layers = read_dump(out);
  INFO(r.log);
  return r;
}

// Seeded random weights for cfg, written by huge2's engine (Darknet's format).
std::string make_weights(const std::string& name, const std::string& cfg, unsigned seed) {
  const std::string path = kWork + name + ".weights";
  huge2::Network net = huge2::Network::from_cfg_file(cfg);
  net.randomize(seed);
  net.save_weights(path);
  return path;
}

std::vector<float> make_input(const std::string& name, size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.f, 1.f);
  std::vector<float> x(count);
  for (float& v : x) v = n(rng);
  std::ofstream(kWork + name + ".f32", std::ios::binary)
      .write(reinterpret_cast<const char*>(x.data()), std::streamsize(x.size() * sizeof(float)));
  return x;
}

size_t input_count(const std::string& cfg) {
  huge2::Network net = huge2::Network::from_cfg_file(cfg);
  return size_t(net.batch()) * net.input_shape().size();
}

// Largest |a - b| relative to max(1, largest |b|) of the layer.
double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0, scale = 1;
  for (float v : b) scale = std::max(scale, double(std::fabs(v)));
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const double d = std::fabs(double(a[i]) - b[i]);
    worst = std::max(worst, std::isnan(d) ? INFINITY : d);
  }
  return worst / scale;
}

void require_close(const Dump& got, const Dump& want, double tol) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("layer " << i);
    REQUIRE(got[i].size() == want[i].size());
    CHECK(relative_difference(got[i], want[i]) <= tol);
  }
}

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("plugin: a cfg without huge2 keys runs byte-identical to stock Darknet", "[plugin]") {
  const std::string cfg = kData + "plain.cfg";
  const std::string w = make_weights("plain", cfg, 11);
  make_input("plain", input_count(cfg), 12);
  const Run stock = run_probe("plain", cfg, w, kWork + "plain.f32", false, {"--workaround"});
  const Run plugin = run_probe("plain", cfg, w, kWork + "plain.f32", true);  // no workaround: the plugin's fix
  REQUIRE(stock.exit_code == 0);
  REQUIRE(plugin.exit_code == 0);
  CHECK(count_of(plugin.log, "huge2 plugin:") == 0);
  REQUIRE(plugin.layers.size() == 5);
  REQUIRE(plugin.layers.size() == stock.layers.size());
  for (size_t i = 0; i < stock.layers.size(); ++i) {
    INFO("layer " << i);
    REQUIRE(plugin.layers[i].size() == stock.layers[i].size());
    CHECK(std::memcmp(plugin.layers[i].data(), stock.layers[i].data(), stock.layers[i].size() * sizeof(float)) == 0);
  }
}

TEST_CASE("plugin: fixes the packaged library's loading of deconvolutional weights", "[plugin]") {
  const std::string cfg = kData + "plain.cfg";
  const std::string w = make_weights("groups0", cfg, 13);
  make_input("groups0", input_count(cfg), 14);
  // The fault (docs/darknet-compatibility.md): the loader divides by the deconvolutional
  // layers' groups, which the parser leaves at 0.
  const Run fault = run_probe("groups0", cfg, w, kWork + "groups0.f32", false);
#if defined(__x86_64__) || defined(__i386__)
  // x86 traps (a sanitizer build catches the signal and reports it instead).
  CHECK((fault.signal == SIGFPE || fault.log.find("AddressSanitizer: FPE") != std::string::npos));
#else
  // AArch64's division by zero yields 0 and does not trap: the loader reads
  // no weights for the layer and every later array from the wrong offset,
  // and the network runs on, silently wrong (seen under qemu-aarch64).
  const Run fixed_by_hand = run_probe("groups0-workaround", cfg, w, kWork + "groups0.f32", false, {"--workaround"});
  REQUIRE(fault.exit_code == 0);
  REQUIRE(fixed_by_hand.exit_code == 0);
  CHECK(relative_difference(fault.layers.back(), fixed_by_hand.layers.back()) > 1e-3);
#endif
  const Run plugin = run_probe("groups0", cfg, w, kWork + "groups0.f32", true);
  CHECK(plugin.exit_code == 0);
  CHECK(plugin.layers.size() == 5);
}

TEST_CASE("plugin: huge2 deconvolutional layers equal stock Darknet's", "[plugin]") {
  struct Case {
    std::string name, cfg;
    int deconv_layers, plain_conv_layers;  // [net] huge2=1 takes the plain convolutions too
  };
  const Case cases[] = {{"dcgan64", kSource + "/cfg/dcgan64-huge2.cfg", 5, 0},
                        {"dcgan64-k5", kSource + "/cfg/dcgan64-k5-huge2.cfg", 5, 0},
                        {"deconv-mix", kData + "deconv-mix.cfg", 4, 1}};
  for (const Case& c : cases) {
    SECTION(c.name) {
      const std::string w = make_weights(c.name, c.cfg, 21);
      make_input(c.name, input_count(c.cfg), 22);
      // Stock Darknet ignores the huge2 keys (reporting them unused).
      const Run stock = run_probe(c.name, c.cfg, w, kWork + c.name + ".f32", false, {"--workaround"});
      const Run plugin = run_probe(c.name, c.cfg, w, kWork + c.name + ".f32", true);
      REQUIRE(stock.exit_code == 0);
      REQUIRE(plugin.exit_code == 0);
      INFO(plugin.log);
      CHECK(count_of(plugin.log, "huge2 plugin: layer ") == c.deconv_layers + c.plain_conv_layers);
      CHECK(plugin.log.find(std::to_string(c.deconv_layers) + " deconvolutional and 0 dilated convolutional layers run by "
                            "huge2's operators, and " + std::to_string(c.plain_conv_layers) + " plain") !=
            std::string::npos);
      require_close(plugin.layers, stock.layers, 1e-4);
    }
  }
}

TEST_CASE("plugin: weights loaded again after a forward pass are used (operators re-packed)", "[plugin]") {
  const std::string cfg = kData + "deconv-mix.cfg";
  const std::string w = make_weights("reload", cfg, 31);
  const std::string first = make_weights("reload-first", cfg, 33);
  make_input("reload", input_count(cfg), 32);
  const Run stock = run_probe("reload", cfg, w, kWork + "reload.f32", false, {"--workaround"});
  const Run plugin = run_probe("reload", cfg, w, kWork + "reload.f32", true, {"--first-weights", first});
  REQUIRE(stock.exit_code == 0);
  REQUIRE(plugin.exit_code == 0);
  require_close(plugin.layers, stock.layers, 1e-4);
}

namespace {
// Every layer's output from huge2's own engine, for cfg/weights/input x, up
// to the first layer that differs from stock Darknet for a reason other than
// dilation (the plugin fixes dilation only).
Dump engine_outputs(const std::string& cfg, const std::string& weights, const std::vector<float>& x) {
  huge2::Network engine = huge2::Network::from_cfg_file(cfg);
  engine.load_weights(weights);
  engine.forward(x.data());
  Dump want;
  for (int i = 0; i < engine.size(); ++i) {
    const std::string d = engine.layer(i).stock_darknet_difference();
    if (!d.empty() && d.find("dilation") == std::string::npos) break;
    const size_t n = size_t(engine.batch()) * engine.layer(i).out().size();
    want.emplace_back(engine.output_of(i), engine.output_of(i) + n);
  }
  return want;
}
}  // namespace

TEST_CASE("plugin: dilated convolutional layers equal huge2's engine", "[plugin]") {
  const std::string cfg = kData + "dilated.cfg";
  const std::string w = make_weights("dilated", cfg, 41);
  const Dump want = engine_outputs(cfg, w, make_input("dilated", input_count(cfg), 42));
  const Run plugin = run_probe("dilated", cfg, w, kWork + "dilated.f32", true);
  REQUIRE(plugin.exit_code == 0);
  INFO(plugin.log);
  CHECK(plugin.log.find("1 deconvolutional and 6 dilated") != std::string::npos);
  CHECK(plugin.log.find("36x10 -> 32x6: huge2") != std::string::npos);
  CHECK(plugin.log.find("(Darknet's undilated size was 34x8)") != std::string::npos);
  CHECK(plugin.log.find("huge2 (direct ") != std::string::npos);
  CHECK(plugin.log.find("darknet (dilated im2col + GEMM)") != std::string::npos);
  require_close(plugin.layers, want, 1e-4);

  // Without the plugin the same cfg runs undilated: different sizes and values.
  const Run stock = run_probe("dilated", cfg, w, kWork + "dilated.f32", false, {"--workaround"});
  REQUIRE(stock.exit_code == 0);
  REQUIRE(stock.layers.size() == want.size());
  CHECK(stock.layers[4].size() != want[4].size());
  CHECK(relative_difference(stock.layers[0], want[0]) > 1e-2);
}

TEST_CASE("plugin: the bundled ERFNet-like cfgs equal huge2's engine", "[plugin]") {
  // 512x512 input, dilations 2 to 16, a deconvolutional decoder, softmax.
  for (const char* name : {"erfnet-like", "erfnet-like-huge2"}) {
    SECTION(name) {
      const std::string cfg = kSource + "/cfg/" + name + ".cfg";
      const std::string w = make_weights("erfnet", cfg, 51);
      const Dump want = engine_outputs(cfg, w, make_input("erfnet", input_count(cfg), 52));
      Run plugin = run_probe(name, cfg, w, kWork + "erfnet.f32", true);
      REQUIRE(plugin.exit_code == 0);
      // All but the per-pixel softmax (spatial=1), which Darknet's CPU code ignores.
      REQUIRE(want.size() + 1 == plugin.layers.size());
      plugin.layers.pop_back();
      require_close(plugin.layers, want, 1e-4);
    }
  }
}

TEST_CASE("plugin: malformed keys stop with a message naming file, line and layer", "[plugin]") {
  struct Case {
    std::string file, key, message;
  };
  const Case cases[] = {
      {"bad-huge2-value.cfg", "huge2=", "[deconvolutional] (layer 0): huge2=yes must be 0 or 1"},
      {"bad-net-huge2.cfg", "huge2=", "[net]: huge2=2 must be 0 or 1"},
      {"bad-dilation-zero.cfg", "dilation=", "[convolutional] (layer 0): dilation=0 must be at least 1"},
      {"bad-dilation-word.cfg", "dilation=", "[convolutional] (layer 0): dilation=two is not an integer"},
      {"bad-dilation-shape.cfg", "dilation=", "[convolutional] (layer 0): convolution"},
  };
  for (const Case& c : cases) {
    SECTION(c.file) {
      const std::string cfg = kData + c.file;
      // The line of the key, counted here independently of the plugin.
      std::istringstream text(read_text(cfg));
      std::string line;
      int line_no = 0, key_line = 0;
      while (std::getline(text, line) && !key_line) {
        ++line_no;
        if (line.rfind(c.key, 0) == 0) key_line = line_no;
      }
      REQUIRE(key_line > 0);
      make_input("bad", 4 * 4 * 3 * 4, 1);
      const Run r = run_probe("bad", cfg, "-", kWork + "bad.f32", true);
      INFO(r.log);
      CHECK(r.signal == 0);
      CHECK(r.exit_code == 1);
      CHECK(r.log.find("huge2 plugin: " + cfg + ":" + std::to_string(key_line) + ": " + c.message) !=
            std::string::npos);
    }
  }
}

// Darknet's loader freads what each layer needs and ignores short reads and
// leftovers; the plugin checks the file's size against the layers first.
// Offsets by hand for plain.cfg: header 20 bytes (0.2.0, 8-byte 'seen');
// layer 0 conv 8x3x3x3 + batch-norm: 8*4 + 8*3*9 = 248 floats, bytes 20..1012;
// layer 1 maxpool: none; layer 2 deconv 8->4, 4x4, batch-norm: 4*4 + 8*4*16 =
// 528 floats, bytes 1012..3124; layer 3 conv 4->2 1x1: 2 + 8 = 10 floats,
// 3124..3164; layer 4 deconv 2->3 3x3: 3 + 2*3*9 = 57 floats, 3164..3392.
TEST_CASE("plugin: weights files that do not fit the network stop with the layer and offset", "[plugin]") {
  const std::string cfg = kData + "plain.cfg";
  const std::string good = make_weights("fit", cfg, 5);
  make_input("fit", input_count(cfg), 6);
  const std::string bytes = read_text(good);
  REQUIRE(bytes.size() == 3392);
  struct Case {
    std::string name, content, message;
  };
  const Case cases[] = {
      {"truncated", bytes.substr(0, 2000),
       "fit-truncated.weights: ends at byte 2000, inside layer 2 [deconvolutional] (its 528 floats take bytes "
       "1012..3124): truncated"},
      {"empty", "", "fit-empty.weights: 0 bytes, too short for a Darknet weights header"},
      {"long", bytes + std::string(8, '\0'),
       "fit-long.weights: 8 bytes left after the last layer (layer 4 [deconvolutional] ends at byte 3392)"},
      {"text", "[net]\nbatch=1\nwidth=16\n", "fit-text.weights: not a Darknet weights file: its header reads version"},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      const std::string path = kWork + "fit-" + c.name + ".weights";
      std::ofstream(path, std::ios::binary) << c.content;
      // Stock Darknet takes it silently (or dies of it): that is the fault.
      const Run stock = run_probe("fit-" + c.name, cfg, path, kWork + "fit.f32", false, {"--workaround"});
      CHECK(stock.log.find("huge2 plugin") == std::string::npos);
      const Run r = run_probe("fit-" + c.name, cfg, path, kWork + "fit.f32", true);
      INFO(r.log);
      CHECK(r.signal == 0);
      CHECK(r.exit_code == 1);
      CHECK(r.log.find("huge2 plugin: " + kWork + c.message) != std::string::npos);
    }
  }
  SECTION("the exact file loads") {
    const Run r = run_probe("fit", cfg, good, kWork + "fit.f32", true);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("plugin: [route] and [shortcut] indexes outside the network stop with file:line", "[plugin]") {
  // Both cfgs: [net] 8x8x4 batch 1, a convolutional, then the bad layer 1 whose key is on line 14.
  const std::string dir = kSource + "/tests/data/robust/";
  make_input("index", 8 * 8 * 4, 7);
  for (const auto& c : {std::make_pair(std::string("route-past-end.cfg"),
                                       std::string(":14: [route] (layer 1): layers=5: 5 names layer 5, which is not "
                                                   "an earlier layer (this is layer 1)")),
                        std::make_pair(std::string("shortcut-past-end.cfg"),
                                       std::string(":14: [shortcut] (layer 1): from=7: 7 names layer 7"))}) {
    SECTION(c.first) {
      const Run r = run_probe("index", dir + c.first, "-", kWork + "index.f32", true);
      INFO(r.log);
      CHECK(r.signal == 0);
      CHECK(r.exit_code == 1);
      CHECK(r.log.find("huge2 plugin: " + dir + c.first + c.second) != std::string::npos);
    }
  }
}

namespace {
// The "loss I VALUE" lines the probe prints with --train (and "loss S I
// VALUE" with --stage), in order.
std::vector<double> losses(const std::string& log) {
  std::vector<double> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("loss ", 0) == 0) out.push_back(std::stod(line.substr(line.rfind(' ') + 1)));
  return out;
}

// A copy of cfg with every huge2=1 turned into huge2=0 (the stock method, or
// Darknet's own layers), written as kWork + name.
std::string huge2_off(const std::string& cfg, const std::string& name) {
  std::string text = read_text(cfg);
  for (size_t p; (p = text.find("huge2=1")) != std::string::npos;) text.replace(p, 7, "huge2=0");
  const std::string path = kWork + name;
  std::ofstream(path) << text;
  return path;
}

void require_same_losses(const std::vector<double>& got, const std::vector<double>& want, size_t iterations) {
  REQUIRE(got.size() == iterations);
  REQUIRE(want.size() == iterations);
  for (size_t i = 0; i < iterations; ++i) {
    INFO("iteration " << i << ": " << got[i] << " vs " << want[i]);
    CHECK(std::isfinite(got[i]));
    CHECK(std::fabs(got[i] - want[i]) <= 1e-3 * std::max(1e-6, std::fabs(want[i])));
  }
}
}  // namespace

TEST_CASE("plugin: huge2 deconvolutional layers train as stock Darknet does", "[plugin][train]") {
  const std::string cfg = kData + "train-deconv.cfg";
  const std::string w = make_weights("train-deconv", cfg, 61);
  make_input("train-deconv", input_count(cfg), 62);
  const std::vector<std::string> train = {"--train", "6"};
  std::vector<std::string> stock_opts = train;
  stock_opts.push_back("--workaround");
  const Run stock = run_probe("train-deconv", cfg, w, kWork + "train-deconv.f32", false, stock_opts);
  const Run plugin = run_probe("train-deconv", cfg, w, kWork + "train-deconv.f32", true, train);
  REQUIRE(stock.exit_code == 0);
  INFO(plugin.log);
  REQUIRE(plugin.exit_code == 0);
  CHECK(plugin.log.find("3 deconvolutional and 0 dilated") != std::string::npos);
  require_same_losses(losses(plugin.log), losses(stock.log), 6);
  CHECK(losses(stock.log).back() < losses(stock.log).front());  // it does learn
  require_close(plugin.layers, stock.layers, 1e-3);  // the trained weights, through a forward pass
}

TEST_CASE("plugin: dilated layers train with huge2=1 as with the stock method (huge2=0)", "[plugin][train]") {
  const std::string cfg = kData + "train-dilated.cfg";
  const std::string stock_method = huge2_off(cfg, "train-dilated-huge2-0.cfg");
  const std::string w = make_weights("train-dilated", cfg, 71);
  make_input("train-dilated", input_count(cfg), 72);
  const std::vector<std::string> train = {"--train", "6"};
  const Run direct = run_probe("train-dilated", cfg, w, kWork + "train-dilated.f32", true, train);
  const Run im2col = run_probe("train-dilated-0", stock_method, w, kWork + "train-dilated.f32", true, train);
  INFO(direct.log);
  REQUIRE(direct.exit_code == 0);
  REQUIRE(im2col.exit_code == 0);
  CHECK(direct.log.find("huge2 (direct ") != std::string::npos);
  CHECK(im2col.log.find("huge2 (direct ") == std::string::npos);
  require_same_losses(losses(direct.log), losses(im2col.log), 6);
  CHECK(losses(direct.log).back() < losses(direct.log).front());
  require_close(direct.layers, im2col.layers, 1e-3);
}

TEST_CASE("plugin: huge2=1 on plain convolutional layers runs huge2's kernels and equals stock Darknet", "[plugin]") {
  const std::string cfg = kData + "huge2-plain-conv.cfg";
  const std::string w = make_weights("plain-conv", cfg, 81);
  make_input("plain-conv", input_count(cfg), 82);
  const Run stock = run_probe("plain-conv", cfg, w, kWork + "plain-conv.f32", false);
  const Run plugin = run_probe("plain-conv", cfg, w, kWork + "plain-conv.f32", true);
  REQUIRE(stock.exit_code == 0);
  INFO(plugin.log);
  REQUIRE(plugin.exit_code == 0);
  CHECK(plugin.log.find("0 deconvolutional and 0 dilated convolutional layers run by huge2's operators, and 3 plain") !=
        std::string::npos);
  CHECK(count_of(plugin.log, "huge2 (direct ") == 3);
  require_close(plugin.layers, stock.layers, 1e-4);
}

namespace {
// A copy of cfg with [net] width= and height= replaced: what resize_network
// makes of the network, written down for huge2's engine and for input_count().
std::string resized_cfg(const std::string& cfg, const std::string& name, int w, int h) {
  std::istringstream in(read_text(cfg));
  std::ostringstream out;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("width=", 0) == 0) line = "width=" + std::to_string(w);
    if (line.rfind("height=", 0) == 0) line = "height=" + std::to_string(h);
    out << line << "\n";
  }
  const std::string path = kWork + name + ".cfg";
  std::ofstream(path) << out.str();
  return path;
}
}  // namespace

TEST_CASE("plugin: resize_network plans huge2's plain convolutions again (equal stock Darknet resized)", "[plugin]") {
  const std::string cfg = kData + "huge2-plain-conv.cfg";
  const std::string w = make_weights("resize-plain", cfg, 91);
  make_input("resize-plain", input_count(resized_cfg(cfg, "resize-plain", 27, 9)), 92);
  const std::vector<std::string> resize = {"--resize", "27", "9"};
  const Run stock = run_probe("resize-plain", cfg, w, kWork + "resize-plain.f32", false, resize);
  const Run plugin = run_probe("resize-plain", cfg, w, kWork + "resize-plain.f32", true, resize);
  REQUIRE(stock.exit_code == 0);
  INFO(plugin.log);
  REQUIRE(plugin.exit_code == 0);
  REQUIRE(plugin.layers.size() == 4);
  CHECK(plugin.layers[0].size() == 2u * 8 * 27 * 9);
  require_close(plugin.layers, stock.layers, 1e-4);
}

TEST_CASE("plugin: resize_network keeps dilated layers dilated and trains (equal huge2's engine resized)", "[plugin]") {
  const std::string cfg = kData + "train-dilated.cfg";
  const std::string w = make_weights("resize-dilated", cfg, 93);
  const std::string resized = resized_cfg(cfg, "resize-dilated", 32, 14);
  Dump want = engine_outputs(resized, w, make_input("resize-dilated", input_count(resized), 94));
  const Run plugin = run_probe("resize-dilated", cfg, w, kWork + "resize-dilated.f32", true, {"--resize", "32", "14"});
  INFO(plugin.log);
  REQUIRE(plugin.exit_code == 0);
  Dump got = plugin.layers;
  got.resize(std::min(got.size(), size_t(4)));  // the convolutions; [cost] has no output to compare
  want.resize(std::min(want.size(), size_t(4)));
  require_close(got, want, 1e-4);

  // Training after the resize: the backward operators follow the new size
  // (huge2=1 against the stock method, as without resizing).
  const std::string stock_method = huge2_off(cfg, "resize-dilated-huge2-0.cfg");
  const std::vector<std::string> opts = {"--resize", "32", "14", "--train", "4"};
  const Run direct = run_probe("resize-dilated-train", cfg, w, kWork + "resize-dilated.f32", true, opts);
  const Run im2col = run_probe("resize-dilated-train-0", stock_method, w, kWork + "resize-dilated.f32", true, opts);
  REQUIRE(direct.exit_code == 0);
  REQUIRE(im2col.exit_code == 0);
  require_same_losses(losses(direct.log), losses(im2col.log), 4);
}

TEST_CASE("plugin: resize_network resizes deconvolutional layers, stock and huge2, which then train alike", "[plugin][train]") {
  const std::string cfg = kData + "train-deconv.cfg";
  const std::string w = make_weights("resize-deconv", cfg, 95);
  make_input("resize-deconv", input_count(cfg), 96);
  // The library alone stops at the first [deconvolutional] ("Cannot resize
  // this type of layer"): the reason for the plugin's resize_network.
  const Run unaided = run_probe("resize-deconv", cfg, w, kWork + "resize-deconv.f32", false,
                                {"--workaround", "--stage", "7", "4", "1"});
  CHECK(unaided.exit_code != 0);

  // Forward after resizing: equal huge2's engine on the resized cfg.
  const std::string resized = resized_cfg(cfg, "resize-deconv-7x4", 7, 4);
  Dump want = engine_outputs(resized, w, make_input("resize-deconv-7x4", input_count(resized), 97));
  const Run plugin = run_probe("resize-deconv-7x4", cfg, w, kWork + "resize-deconv-7x4.f32", true, {"--resize", "7", "4"});
  INFO(plugin.log);
  REQUIRE(plugin.exit_code == 0);
  Dump got = plugin.layers;
  REQUIRE(got.size() == 5);
  CHECK(got[3].size() == 2u * 5 * (3 * 8) * (3 * 14));  // 4x7 -> 8x14 -> 8x14 -> 8x14 -> 24x42
  got.resize(4);  // the convolutions; [cost] has no output to compare
  want.resize(std::min(want.size(), size_t(4)));
  require_close(got, want, 1e-4);

  // Darknet's detector trainer with random=1: train, resize, train, resize,
  // train. huge2's layers against Darknet's own ([net] huge2=0: the plugin
  // only resizes its deconvolutional layers, with Darknet's resize for them).
  const std::string stock_layers = huge2_off(cfg, "resize-deconv-huge2-0.cfg");
  const std::vector<std::string> opts = {"--train", "3", "--stage", "7", "4", "3", "--stage", "9", "8", "3"};
  const Run huge2 = run_probe("resize-deconv-train", cfg, w, kWork + "resize-deconv.f32", true, opts);
  const Run darknet = run_probe("resize-deconv-train-0", stock_layers, w, kWork + "resize-deconv.f32", true, opts);
  INFO(darknet.log);
  REQUIRE(huge2.exit_code == 0);
  REQUIRE(darknet.exit_code == 0);
  CHECK(darknet.log.find("3 deconvolutional") == std::string::npos);  // none of them huge2's
  require_same_losses(losses(huge2.log), losses(darknet.log), 9);
  REQUIRE(huge2.layers.size() == 5);
  CHECK(huge2.layers[3].size() == 2u * 5 * (3 * 16) * (3 * 18));  // the last stage's size, 8x9 -> 48x54
  require_close(huge2.layers, darknet.layers, 1e-3);
}

TEST_CASE("plugin: a 1x1 layer adds its data gradient where stock Darknet overwrites a [route]'s", "[plugin][train]") {
  const std::string cfg = kData + "train-route-1x1.cfg", identity = kData + "train-route-1x1-identity.cfg";
  const std::string w = make_weights("route-1x1", cfg, 98);  // a [route] has no weights: the same file for both
  make_input("route-1x1", input_count(cfg), 99);
  const std::string in = kWork + "route-1x1.f32";
  const std::vector<std::string> train = {"--train", "6"};
  const Run huge2 = run_probe("route-1x1", cfg, w, in, true, train);
  const Run stock_right = run_probe("route-1x1-identity", identity, w, in, false, train);
  const Run stock_wrong = run_probe("route-1x1", cfg, w, in, false, train);
  INFO(huge2.log);
  REQUIRE(huge2.exit_code == 0);
  REQUIRE(stock_right.exit_code == 0);
  REQUIRE(stock_wrong.exit_code == 0);
  CHECK(huge2.log.find("and 4 plain") != std::string::npos);
  require_same_losses(losses(huge2.log), losses(stock_right.log), 6);
  REQUIRE(huge2.layers.size() == 7);
  REQUIRE(stock_right.layers.size() == 8);
  require_close({huge2.layers[5]}, {stock_right.layers[6]}, 1e-3);  // the trained network's output
  // Stock Darknet on the cfg itself: the lost gradient shows in the losses.
  const std::vector<double> wrong = losses(stock_wrong.log), right = losses(stock_right.log);
  REQUIRE(wrong.size() == 6);
  CHECK(wrong[0] == right[0]);  // the same forward pass
  double most = 0;
  for (size_t i = 1; i < 6; ++i) most = std::max(most, std::fabs(wrong[i] - right[i]) / std::fabs(right[i]));
  CHECK(most > 0.05);
}
