// The layer types of Darknet's 2018 parser that huge2 added for real
// detector, autoencoder and AlexeyAB-style cfgs ([yolo], [region],
// [detection], [cost], [crop], [reorg], [normalization]/[lrn], [l2norm],
// [local], [activation], [shortcut] between different shapes, the short
// section names), each checked layer by layer against the real stock
// Darknet library (libdarknet.so) running the same cfg, weights and input.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "darknet_network.h"
#include "helpers.h"
#include "network.h"
#include "temp_file.h"
#include "weights_file.h"

using namespace huge2;
using huge2::test::compare;
using huge2::test::random_tensor;
using huge2::test::TempFile;

namespace {

// Every layer's output of net equals stock's, but those in `skip` (where
// stock Darknet's output means something else).
void check_layers_equal(const Network& net, const peers::StockDarknetNetwork& stock, const std::vector<int>& skip = {}) {
  for (int i = 0; i < net.size(); ++i) {
    INFO("layer " << i << " [" << net.layer(i).type() << "], stock " << stock.layer_type(i));
    if (std::find(skip.begin(), skip.end(), i) != skip.end()) continue;
    const size_t n = net.layer(i).out().size() * net.batch();
    REQUIRE(size_t(stock.layer_outputs(i)) * stock.batch() == n);
    CHECK(compare(std::vector<float>(net.output_of(i), net.output_of(i) + n),
                  std::vector<float>(stock.layer_output(i), stock.layer_output(i) + n)) == "");
  }
}

// Three forward passes of random inputs (`inputs` floats each, from a
// generator seeded with `seed`) through both networks, every layer compared
// after each: the recurrent layers' state carries from pass to pass.
void check_passes_equal(Network& net, peers::StockDarknetNetwork& stock, size_t inputs, unsigned seed) {
  std::mt19937 rng(seed);
  for (int pass = 0; pass < 3; ++pass) {
    INFO("pass " << pass);
    const auto x = random_tensor(inputs, rng);
    net.forward(x.data());
    stock.predict(x.data());
    check_layers_equal(net, stock);
  }
}

// Builds the cfg file in huge2 with seeded weights, loads the same weights
// into libdarknet, runs both on one random input and compares every layer
// except those in `skip` (where stock Darknet's output means something else).
void check_file_against_darknet(const std::string& cfg_path, int batch = 0, const std::vector<int>& skip = {}) {
  TempFile w(std::filesystem::path(cfg_path).filename().string() + ".weights");
  NetworkOptions opt;
  opt.batch = batch;
  Network net = Network::from_cfg_file(cfg_path, opt);
  net.randomize(3);
  net.save_weights(w.path);
  peers::StockDarknetNetwork stock(cfg_path, w.path, batch);
  REQUIRE(stock.layers() == net.size());
  REQUIRE(stock.batch() == net.batch());
  std::mt19937 rng(9);
  const auto x = random_tensor(net.input_shape().size() * net.batch(), rng);
  net.forward(x.data());
  stock.predict(x.data());
  check_layers_equal(net, stock, skip);
}

void check_against_darknet(const std::string& tag, const std::string& cfg, const std::vector<int>& skip = {}) {
  INFO(tag << ":\n" << cfg);
  TempFile c(tag + ".cfg", cfg);
  check_file_against_darknet(c.path, 0, skip);
}

}  // namespace

TEST_CASE("darknet layers: [yolo] squashes x, y, objectness and classes of its masked anchors", "[darknet][layers]") {
  check_against_darknet("yolo",
                        "[net]\nbatch=2\nwidth=8\nheight=6\nchannels=3\n"
                        "[convolutional]\nfilters=16\nsize=3\npad=1\nactivation=linear\n"
                        "[yolo]\nmask=1,2\nanchors=10,13, 16,30, 33,23\nclasses=3\nnum=3\njitter=.3\n"
                        "ignore_thresh=.7\ntruth_thresh=1\nrandom=1\n");
}

TEST_CASE("darknet layers: [region] with logistic classes, softmax and background", "[darknet][layers]") {
  check_against_darknet("region",
                        "[net]\nwidth=6\nheight=5\nchannels=3\n"
                        "[convolutional]\nfilters=18\nsize=1\nactivation=linear\n"
                        "[region]\nanchors=1.08,1.19, 3.42,4.41\nclasses=4\nnum=2\ncoords=4\n"
                        "[convolutional]\nfilters=18\nsize=1\nactivation=linear\n"
                        "[region]\nanchors=1.08,1.19, 3.42,4.41\nclasses=4\nnum=2\nsoftmax=1\njitter=.2\nrescore=1\n"
                        "[convolutional]\nfilters=18\nsize=1\nactivation=linear\n"
                        "[region]\nclasses=4\nnum=2\nsoftmax=1\nbackground=1\n");
}

TEST_CASE("darknet layers: [detection] with a softmax per cell", "[darknet][layers]") {
  // side 2, 3 classes, 2 boxes of 4 coords: 4 x (3 + 2 x 5) = 52 values.
  check_against_darknet("detection",
                        "[net]\nbatch=2\nwidth=4\nheight=4\nchannels=1\n"
                        "[connected]\noutput=52\nactivation=linear\n"
                        "[detection]\nclasses=3\ncoords=4\nrescore=1\nside=2\nnum=2\nsoftmax=1\nsqrt=1\n");
}

TEST_CASE("darknet layers: [crop] takes the centred window, scaled to [-1, 1] unless noadjust", "[darknet][layers]") {
  check_against_darknet("crop",
                        "[net]\nwidth=9\nheight=8\nchannels=2\n"
                        "[convolutional]\nfilters=3\nsize=3\npad=1\nactivation=linear\n"
                        "[crop]\ncrop_width=4\ncrop_height=5\nflip=1\nangle=7\nsaturation=1.5\nexposure=1.5\n"
                        "[crop]\ncrop_width=3\ncrop_height=2\nnoadjust=1\n");
}

TEST_CASE("darknet layers: [reorg] forward, reverse and flatten in Darknet's own order", "[darknet][layers]") {
  check_against_darknet("reorg",
                        "[net]\nwidth=8\nheight=4\nchannels=3\n"
                        "[convolutional]\nfilters=8\nsize=3\npad=1\nactivation=linear\n"
                        "[reorg]\nstride=2\n"
                        "[reorg]\nstride=2\nreverse=1\n"
                        "[reorg]\nflatten=1\n"
                        "[reorg]\nflatten=1\nreverse=1\n");
}

TEST_CASE("darknet layers: [normalization] and [lrn] with Darknet's channel window", "[darknet][layers]") {
  check_against_darknet("lrn",
                        "[net]\nwidth=5\nheight=3\nchannels=2\n"
                        "[convolutional]\nfilters=9\nsize=3\npad=1\nactivation=linear\n"
                        "[normalization]\n"
                        "[lrn]\nsize=3\nalpha=0.05\nbeta=0.5\nkappa=2\n"
                        "[lrn]\nsize=4\nalpha=0.2\nbeta=1\n");
}

TEST_CASE("darknet layers: [l2norm] and [activation]", "[darknet][layers]") {
  check_against_darknet("l2norm",
                        "[net]\nbatch=2\nwidth=4\nheight=3\nchannels=2\n"
                        "[convolutional]\nfilters=5\nsize=3\npad=1\nactivation=linear\n"
                        "[l2norm]\n"
                        "[activation]\nactivation=tanh\n"
                        "[activation]\n");
}

TEST_CASE("darknet layers: [local] with and without its pad flag", "[darknet][layers]") {
  // The first convolution's workspace (12*12 x 4*9 floats) is the largest in
  // bytes, so stock Darknet's float-for-byte sizing of [local] still fits.
  check_against_darknet("local",
                        "[net]\nwidth=12\nheight=12\nchannels=4\n"
                        "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=leaky\n"
                        "[maxpool]\nsize=2\nstride=2\n"
                        "[local]\nfilters=3\nsize=3\npad=1\nactivation=linear\n"
                        "[local]\nfilters=2\nsize=3\nstride=2\nactivation=leaky\n");
}

TEST_CASE("darknet layers: [shortcut] between layers of different shapes", "[darknet][layers]") {
  check_against_darknet("shortcut",
                        "[net]\nbatch=2\nwidth=8\nheight=8\nchannels=2\n"
                        "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=linear\n"  // 0: 8x8x4
                        "[maxpool]\nsize=2\nstride=2\n"                                    // 1: 4x4x4
                        "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"          // 2: 4x4x3
                        "[shortcut]\nfrom=0\n"                                              // 3: + every 2nd of 0
                        "[upsample]\nstride=2\n"                                            // 4: 8x8x3
                        "[shortcut]\nfrom=1\nalpha=.5\nbeta=2\nactivation=leaky\n"          // 5: into every 2nd
                        "[convolutional]\nfilters=5\nsize=1\nactivation=linear\n"          // 6: 8x8x5
                        "[shortcut]\nfrom=-2\n");                                           // 7: 3 of 5 channels
}

TEST_CASE("darknet layers: the short section names, and [cost] passing its input through", "[darknet][layers]") {
  const std::string cfg =
      "[net]\nwidth=8\nheight=8\nchannels=3\n"
      "[conv]\nfilters=4\nsize=3\npad=1\nactivation=leaky\n"
      "[max]\nsize=2\nstride=2\n"
      "[deconv]\nfilters=2\nsize=2\nstride=2\nactivation=linear\n"
      "[avg]\n"
      "[conn]\noutput=5\nactivation=linear\n"
      "[soft]\n"
      "[cost]\ntype=sse\n";
  // Stock Darknet leaves [cost]'s own output at 0 without a truth (its
  // network output is the layer before); huge2's [cost] is that layer's copy.
  check_against_darknet("aliases", cfg, {6});
  TempFile c("aliases2.cfg", cfg);
  Network net = Network::from_cfg_file(c.path);
  net.randomize(1);
  std::mt19937 rng(2);
  const auto x = random_tensor(net.input_shape().size(), rng);
  const float* y = net.forward(x.data());
  CHECK(std::vector<float>(y, y + 5) == std::vector<float>(net.output_of(5), net.output_of(5) + 5));
}

// ---------------------------------------------------------------- real-world cfgs (cfg/)

TEST_CASE("darknet cfgs: YOLOv3-tiny with a [deconv] neck, autoencoder with [cost], YOLOv4-style ReID branch",
          "[darknet][network]") {
  const std::string dir = HUGE2_SOURCE_DIR "/cfg/";
  {
    INFO("yolov3-tiny-deconv");
    // batch=64 subdivisions=16 (both with inline comments): 4 per pass, as in Darknet.
    CHECK(Network::from_cfg_file(dir + "yolov3-tiny-deconv.cfg").batch() == 4);
    check_file_against_darknet(dir + "yolov3-tiny-deconv.cfg", 1);
  }
  {
    INFO("autoencoder-mnist");  // layer 4 is [cost]: Darknet's stays 0 without a truth
    check_file_against_darknet(dir + "autoencoder-mnist.cfg", 2, {4});
  }
  {
    INFO("yolov4-reid-deconv");
    check_file_against_darknet(dir + "yolov4-reid-deconv.cfg", 1);
  }
}

// The TridentNet block needs the AlexeyAB fork (dilation, share_index), so the
// reference is the same cfg without share_index, given .weights in which each
// sharing layer's record is a copy of its owner's: the outputs must be equal.
TEST_CASE("darknet cfgs: TridentNet share_index layers run with their owner's weights", "[network]") {
  const std::string path = HUGE2_SOURCE_DIR "/cfg/trident-block.cfg";
  std::string text;
  {
    std::ifstream f(path);
    for (std::string line; std::getline(f, line);)
      if (line.rfind("share_index", 0) != 0) text += line + "\n";
  }
  TempFile unshared_cfg("trident-unshared.cfg", text), shared_w("trident.weights"), unshared_w("trident-u.weights");
  for (Algorithm algorithm : {Algorithm::darknet, Algorithm::huge2}) {
    INFO(algorithm_name(algorithm));
    NetworkOptions opt;
    opt.algorithm = algorithm;
    Network shared = Network::from_cfg_file(path, opt), unshared = Network::from_cfg_file(unshared_cfg.path, opt);
    REQUIRE(shared.size() == unshared.size());
    shared.randomize(17);
    shared.save_weights(shared_w.path);
    // Split the shared file into per-layer records, then write them out
    // again with the owners' records repeated at the sharing layers.
    std::vector<std::vector<float>> records(shared.size());
    {
      WeightReader r(shared_w.path);
      for (int i = 0; i < shared.size(); ++i) {
        records[i].resize(shared.layer(i).parameter_count());
        r.read(records[i].data(), records[i].size(), "record");
      }
      r.expect_end();
    }
    int sharing = 0;
    {
      WeightWriter wr(unshared_w.path);
      for (int i = 0; i < shared.size(); ++i) {
        int owner = i;
        while (shared.layer(owner).shares_parameters_of() >= 0) owner = shared.layer(owner).shares_parameters_of();
        sharing += owner != i;
        REQUIRE(records[owner].size() == unshared.layer(i).parameter_count());
        wr.write(records[owner].data(), records[owner].size());
      }
      wr.close();
    }
    CHECK(sharing == 6);
    unshared.load_weights(unshared_w.path);
    std::mt19937 rng(4);
    const auto x = random_tensor(shared.input_shape().size() * shared.batch(), rng);
    shared.forward(x.data());
    unshared.forward(x.data());
    for (int i = 0; i < shared.size(); ++i) {
      INFO("layer " << i);
      const size_t n = shared.layer(i).out().size() * shared.batch();
      CHECK(std::vector<float>(shared.output_of(i), shared.output_of(i) + n) ==
            std::vector<float>(unshared.output_of(i), unshared.output_of(i) + n));
    }
    // Reloading the shared file gives the same network again.
    Network again = Network::from_cfg_file(path, opt);
    again.load_weights(shared_w.path);
    const float* y = again.forward(x.data());
    const size_t n = again.output_shape().size() * again.batch();
    CHECK(std::vector<float>(y, y + n) == std::vector<float>(shared.output_of(shared.size() - 1),
                                                             shared.output_of(shared.size() - 1) + n));
  }
}

TEST_CASE("layers: [iseg] squashes its class channels and passes the embeddings", "[layers]") {
  // 2 x 1 image, 2 classes + 1 id channel: values -1, 0 | 1, 2 | 3, -3.
  TempFile c("iseg.cfg", "[net]\nwidth=2\nheight=1\nchannels=3\n[iseg]\nclasses=2\nids=1\n");
  Network net = Network::from_cfg_file(c.path);
  const std::vector<float> x = {-1, 0, 1, 2, 3, -3};
  const float* y = net.forward(x.data());
  auto sigmoid = [](float v) { return 1.f / (1.f + std::exp(-v)); };
  for (int i = 0; i < 4; ++i) CHECK(y[i] == Approx(sigmoid(x[i])));
  CHECK(y[4] == 3.f);
  CHECK(y[5] == -3.f);
  TempFile bad("iseg-bad.cfg", "[net]\nwidth=2\nheight=1\nchannels=3\n[iseg]\nclasses=2\n");  // ids=32
  CHECK_THROWS_WITH(Network::from_cfg_file(bad.path), Catch::Contains("classes + ids = 34"));
}

TEST_CASE("darknet layers: [rnn] over time steps, its state carried from one pass to the next", "[darknet][layers]") {
  // batch=2 time_steps=2: 4 inputs per pass, 2 sequences x 2 steps.
  TempFile c("rnn.cfg",
             "[net]\nbatch=2\nsubdivisions=1\ntime_steps=2\ninputs=6\n"
             "[rnn]\noutput=5\nactivation=leaky\nbatch_normalize=1\n"
             "[rnn]\noutput=5\nactivation=tanh\nshortcut=1\n"
             "[connected]\noutput=3\nactivation=linear\n");
  TempFile w("rnn.weights");
  Network net = Network::from_cfg_file(c.path);
  REQUIRE(net.batch() == 4);
  net.randomize(6);
  net.save_weights(w.path);
  peers::StockDarknetNetwork stock(c.path, w.path);
  REQUIRE(stock.batch() == 4);
  check_passes_equal(net, stock, 6 * 4, 10);
  // The inference verbs' batch 1 cannot hold 2 steps: a clear error.
  NetworkOptions one;
  one.batch = 1;
  CHECK_THROWS_WITH(Network::from_cfg_file(c.path, one), Catch::Contains("not a multiple of [net] time_steps=2"));
}

// The cfgs that ship with Debian's darknet package, unchanged: huge2 builds
// the same layers with the same output sizes as libdarknet (the small ones;
// every one of /usr/share/darknet/cfg but yolo9000.cfg (softmax tree) and the
// training rnn.train.cfg loads, see the README).
TEST_CASE("darknet cfgs: Darknet's own packaged cfgs build to libdarknet's layer sizes", "[darknet][network]") {
  const std::string dir = "/usr/share/darknet/cfg/";
  int checked = 0;
  for (const char* name : {"yolov3-tiny", "yolov2-tiny", "yolov2-tiny-voc", "yolov1-tiny", "tiny", "darknet", "rnn", "gru"}) {
    const std::string cfg = dir + name + ".cfg";
    if (!std::filesystem::exists(cfg)) continue;
    INFO(cfg);
    NetworkOptions one;
    one.batch = 1;
    Network net = Network::from_cfg_file(cfg, one);
    peers::StockDarknetNetwork stock(cfg, "", 1);
    REQUIRE(stock.layers() == net.size());
    for (int i = 0; i < net.size(); ++i) {
      INFO("layer " << i << " [" << net.layer(i).type() << "]");
      CHECK(size_t(stock.layer_outputs(i)) == net.layer(i).out().size());
    }
    ++checked;
  }
  CHECK(checked > 0);
}

TEST_CASE("darknet layers: [lstm] and [gru] over time steps, their state carried across passes", "[darknet][layers]") {
  TempFile c("lstm-gru.cfg",
             "[net]\nbatch=2\nsubdivisions=1\ntime_steps=2\ninputs=5\n"
             "[lstm]\noutput=4\nbatch_normalize=1\n"
             "[gru]\noutput=3\n"
             "[gru]\noutput=3\ntanh=1\n"
             "[lstm]\noutput=2\n");
  TempFile w("lstm-gru.weights");
  Network net = Network::from_cfg_file(c.path);
  net.randomize(4);
  net.save_weights(w.path);
  peers::StockDarknetNetwork stock(c.path, w.path);
  REQUIRE(stock.layers() == net.size());
  check_passes_equal(net, stock, 5 * 4, 12);
}

TEST_CASE("darknet layers: [crnn] (its width and height swapped as Darknet's parser does)", "[darknet][layers]") {
  // A 5 x 4 input: Darknet's crnn sees it as 4 x 5 and outputs 4 x 5. Stock
  // Darknet's [crnn] declares no workspace for its convolutions, so the
  // leading convolution (4 channels x 3x3) sizes one large enough for them.
  TempFile c("crnn.cfg",
             "[net]\nbatch=2\nsubdivisions=1\ntime_steps=2\nwidth=5\nheight=4\nchannels=4\n"
             "[convolutional]\nfilters=2\nsize=3\npad=1\nactivation=linear\n"
             "[crnn]\nhidden_filters=3\noutput_filters=4\nactivation=leaky\nbatch_normalize=1\n"
             "[crnn]\nhidden_filters=2\noutput_filters=2\nshortcut=1\n");
  TempFile w("crnn.weights");
  Network net = Network::from_cfg_file(c.path);
  CHECK(net.layer(1).out() == Shape3{4, 5, 4});
  net.randomize(4);
  net.save_weights(w.path);
  peers::StockDarknetNetwork stock(c.path, w.path);
  REQUIRE(stock.layers() == net.size());
  check_passes_equal(net, stock, net.input_shape().size() * net.batch(), 13);
}
