// Whole networks against the real stock Darknet library: the bundled DCGAN
// cfgs give network_predict's output, and .weights files pass both ways.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>
#include <unistd.h>

#include "bundled_cfgs.h"
#include "darknet_network.h"
#include "helpers.h"
#include "network.h"
#include "temp_file.h"

using namespace huge2;
using huge2::test::compare;
using huge2::test::random_tensor;
using huge2::test::TempFile;

namespace {

const std::string kCfgDir = HUGE2_SOURCE_DIR "/cfg/";

std::vector<char> bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

std::vector<float> run(Network& net, const std::vector<float>& x) {
  const float* y = net.forward(x.data());
  return {y, y + net.output_shape().size() * net.batch()};
}

}  // namespace

TEST_CASE("darknet: bundled DCGAN cfgs equal libdarknet's network_predict", "[darknet][network]") {
  for (const char* name : {"dcgan64", "dcgan64-huge2", "dcgan64-k5", "dcgan64-k5-huge2", "dcgan128-huge2"}) {
    const std::string cfg = kCfgDir + name + ".cfg";
    INFO(cfg);
    Network net = Network::from_cfg_file(cfg);
    net.randomize(11);
    TempFile w(std::string(name) + ".weights");
    net.save_weights(w.path);
    peers::StockDarknetNetwork stock(cfg, w.path);
    REQUIRE(stock.layers() == net.size());
    std::mt19937 rng(5);
    const auto x = random_tensor(net.input_shape().size() * net.batch(), rng);
    const auto got = run(net, x);
    const float* want = stock.predict(x.data());
    CHECK(compare(got, std::vector<float>(want, want + got.size())) == "");
    for (int i = 0; i < net.size(); ++i) {  // and layer by layer
      INFO("layer " << i);
      const size_t n = net.layer(i).out().size() * net.batch();
      REQUIRE(size_t(stock.layer_outputs(i)) * stock.batch() == n);
      CHECK(compare(std::vector<float>(net.output_of(i), net.output_of(i) + n),
                    std::vector<float>(stock.layer_output(i), stock.layer_output(i) + n)) == "");
    }
  }
}

TEST_CASE("darknet: weights written by libdarknet load into huge2, and back byte for byte", "[darknet][network]") {
  const std::string cfg = kCfgDir + "dcgan64-huge2.cfg";
  // Darknet's own initial weights (random, its rand()), saved by Darknet.
  TempFile from_darknet("darknet.weights"), from_huge2("huge2.weights");
  peers::StockDarknetNetwork stock(cfg, "");
  stock.save_weights(from_darknet.path);
  Network net = Network::from_cfg_file(cfg);
  net.load_weights(from_darknet.path);
  net.save_weights(from_huge2.path);
  CHECK(bytes_of(from_huge2.path) == bytes_of(from_darknet.path));

  peers::StockDarknetNetwork reloaded(cfg, from_darknet.path);
  std::mt19937 rng(8);
  const auto x = random_tensor(net.input_shape().size(), rng);
  const auto got = run(net, x);
  const float* want = reloaded.predict(x.data());
  CHECK(compare(got, std::vector<float>(want, want + got.size())) == "");
}

TEST_CASE("network: huge2 and stock algorithms agree on every bundled cfg", "[network]") {
  // HUGE2_CFG_PART=i/n: only the cfgs whose place in name order (twins
  // left out, below) is i mod n (the ARM stage runs nine parts, two at a
  // time: under qemu the whole set takes ~4 minutes on one core).
  int part = 0, parts = 1;
  if (const char* p = std::getenv("HUGE2_CFG_PART")) {
    REQUIRE(std::sscanf(p, "%d/%d", &part, &parts) == 2);
    REQUIRE((parts >= 1 && part >= 0 && part < parts));
  }
  // With the algorithm forced both ways, X-huge2.cfg builds X.cfg's two
  // networks, so only X.cfg runs (the twins were half of this test's time,
  // ~4 of the ARM stage's minutes).
  const test::BundledCfgs bundled = test::bundled_cfgs();
  const std::vector<std::string>& cfgs = bundled.distinct;
  CHECK(cfgs.size() < bundled.all.size());  // the pairs were found
  int checked = 0;
  for (size_t i = 0; i < cfgs.size(); ++i) {
    if (int(i % size_t(parts)) != part) continue;
    const std::string& cfg = cfgs[i];
    INFO(cfg);
    NetworkOptions stock_opt, huge2_opt;
    stock_opt.algorithm = Algorithm::darknet;
    huge2_opt.algorithm = Algorithm::huge2;
    Network a = Network::from_cfg_file(cfg, stock_opt), b = Network::from_cfg_file(cfg, huge2_opt);
    a.randomize(3), b.randomize(3);
    std::mt19937 rng(4);
    const auto x = random_tensor(a.input_shape().size() * a.batch(), rng);
    CHECK(compare(run(b, x), run(a, x)) == "");
    ++checked;
  }
  CHECK(checked >= int(cfgs.size()) / parts);  // every part its share, at least one where there are enough
}

TEST_CASE("network: weights round trip through huge2 unchanged", "[network]") {
  Network net = Network::from_cfg_file(kCfgDir + "dcgan64-k5-huge2.cfg");
  net.randomize(21);
  TempFile first("a.weights"), second("b.weights");
  net.save_weights(first.path);
  Network again = Network::from_cfg_file(kCfgDir + "dcgan64-k5.cfg");
  again.load_weights(first.path);
  again.save_weights(second.path);
  CHECK(bytes_of(first.path) == bytes_of(second.path));
  std::mt19937 rng(1);
  const auto x = random_tensor(net.input_shape().size(), rng);
  CHECK(compare(run(again, x), run(net, x)) == "");
}
