// Networks that cannot be built, unused keys, the per-layer algorithm choice,
// and .weights files that do not match their cfg. Every error must name the
// file, the line of the section (or of the offending key) and the problem.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "helpers.h"
#include "network.h"
#include "weights_file.h"

using huge2::Algorithm;
using huge2::Network;
using huge2::NetworkOptions;
using Catch::Contains;
using Catch::StartsWith;

namespace {

Network build(const std::string& text, const NetworkOptions& opt = {}) {
  return Network::from_cfg(huge2::cfg::parse_cfg_text(text, "t.cfg"), opt);
}

// The message of the NetworkError or CfgError that building `text` throws;
// fails the test when it builds.
std::string build_error(const std::string& text) {
  try {
    build(text);
  } catch (const huge2::NetworkError& e) {
    return e.what();
  } catch (const huge2::cfg::CfgError& e) {
    return e.what();
  }
  FAIL("the network was built, expected an error:\n" << text);
  return "";
}

// True when `msg` names "t.cfg:LINE" (not followed by another digit) for one of `lines`.
bool names_line(const std::string& msg, std::initializer_list<int> lines) {
  for (int line : lines) {
    const std::string at = "t.cfg:" + std::to_string(line);
    for (size_t p = msg.find(at); p != std::string::npos; p = msg.find(at, p + 1)) {
      const size_t end = p + at.size();
      if (end == msg.size() || !std::isdigit(static_cast<unsigned char>(msg[end]))) return true;
    }
  }
  return false;
}

// Builds `text`, expects an error naming one of `lines` (the section's header
// line or the offending key's line) and containing every word in `words`.
void expect_error(const std::string& text, std::initializer_list<int> lines, std::initializer_list<const char*> words) {
  const std::string msg = build_error(text);
  INFO("message: " << msg);
  CHECK(names_line(msg, lines));
  for (const char* w : words) CHECK_THAT(msg, Contains(w, Catch::CaseSensitive::No));
}

// A 4x4x1 input; layers start at line 5.
const std::string kNet4x4 = "[net]\nwidth=4\nheight=4\nchannels=1\n";

// ---- .weights files written byte by byte ----

class TempFile {
 public:
  TempFile() {
    static int counter = 0;
    path_ = "/tmp/huge2_test_network_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".weights";
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void write(const std::string& bytes) const {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
    std::fclose(f);
  }

 private:
  std::string path_;
};

template <typename T>
std::string bytes_of(const T& v) {
  std::string s(sizeof v, '\0');
  std::memcpy(&s[0], &v, sizeof v);
  return s;
}

std::string header(int32_t major, int32_t minor, int32_t revision) {
  return bytes_of(major) + bytes_of(minor) + bytes_of(revision);
}

std::string floats(const std::vector<float>& v) {
  std::string s;
  for (float f : v) s += bytes_of(f);
  return s;
}

// Layer 0: 1x1 conv, 1 -> 2 channels: biases[2], weights[2][1] (4 floats).
// Layer 1: 1x1 conv, 2 -> 1 channel:  biases[1], weights[1][2] (3 floats).
const std::string kTwoConvs =
    "[net]\nwidth=2\nheight=1\nchannels=1\n"
    "[convolutional]\nfilters=2\nsize=1\nactivation=linear\n"
    "[convolutional]\nfilters=1\nsize=1\nactivation=linear\n";
// Layer 0: y0 = 2x + 1, y1 = -x; layer 1: z = 3 y0 + 0.5 y1 - 1 = 5.5x + 2.
const std::vector<float> kLayer0 = {1, 0, 2, -1}, kLayer1 = {-1, 3, 0.5f};

}  // namespace

// ---------------------------------------------------------------- cfg structure

TEST_CASE("network errors: the first section must be [net]", "[network]") {
  expect_error("[convolutional]\nfilters=1\n[net]\nwidth=1\nheight=1\nchannels=1\n", {1}, {"first", "[net]"});
}

TEST_CASE("network errors: [net] needs width, height and channels", "[network]") {
  expect_error("# comment\n[net]\nbatch=1\n[maxpool]\n", {2}, {"width", "height", "channels"});
  expect_error("[net]\nwidth=4\nheight=4\n\n[maxpool]\n", {1}, {"channels"});
}

TEST_CASE("network errors: [net] with no layers", "[network]") {
  const std::string msg = build_error(kNet4x4);
  CHECK_THAT(msg, Contains("t.cfg") && Contains("no layers"));
}

TEST_CASE("network errors: unknown layer types", "[network]") {
  expect_error(kNet4x4 + "\n[Gaussian_yolo]\nmask=0\n", {6}, {"unknown layer type", "[Gaussian_yolo]"});
  expect_error(kNet4x4 + "[maxpool]\nsize=2\nstride=2\n[foo]\n", {8}, {"unknown layer type", "[foo]", "layer 1"});
}

TEST_CASE("network errors: route to a missing or later layer", "[network]") {
  // layer 0 at line 5, the route (layer 1) at line 7, its key at line 8.
  const std::string head = kNet4x4 + "[maxpool]\nsize=1\n[route]\n";
  expect_error(head + "layers=3\n", {7, 8}, {"layers=3", "earlier"});   // a later layer
  expect_error(head + "layers=1\n", {7, 8}, {"layers=1", "earlier"});   // itself
  expect_error(head + "layers=-2\n", {7, 8}, {"layers=-2", "earlier"}); // before layer 0
  expect_error(head + "layers=0,-5\n", {7, 8}, {"layers=-5", "earlier"});
  expect_error(head + "layers=\n", {7, 8}, {"layers"});                 // empty list
}

TEST_CASE("network errors: route of layers with different width and height", "[network]") {
  // layer 0: 4x4, layer 1: 2x2, layer 2 (line 10): route 0, 1 (line 11).
  expect_error(kNet4x4 + "[maxpool]\nsize=1\n[maxpool]\nsize=2\nstride=2\n[route]\nlayers=0,1\n", {10, 11},
               {"width", "height", "4 x 4", "2 x 2"});
}

TEST_CASE("network errors: shortcut whose width and height scale differently", "[network]") {
  // layer 0: 4x4x1; layer 1: 4x2x1 (crop); layer 2 (line 10): shortcut from layer 0 --
  // width ratio 1, height ratio 2, which Darknet's shortcut_cpu asserts against.
  expect_error(kNet4x4 + "[maxpool]\nsize=1\n[crop]\ncrop_width=4\ncrop_height=2\n[shortcut]\nfrom=0\n", {10, 11},
               {"scale by the same factor", "4 x 4 x 1", "4 x 2 x 1"});
  // from a later layer
  expect_error(kNet4x4 + "[maxpool]\nsize=1\n[shortcut]\nfrom=3\n", {7, 8}, {"from=3", "earlier"});
}

// ---------------------------------------------------------------- layer keys

TEST_CASE("network errors: huge2 must be 0 or 1", "[network]") {
  expect_error("[net]\nwidth=4\nheight=4\nchannels=1\nhuge2=2\n[maxpool]\n", {5}, {"huge2=2", "0 or 1"});
  expect_error(kNet4x4 + "[deconvolutional]\nfilters=1\nsize=2\nstride=2\nhuge2=2\n", {5, 9}, {"huge2=2", "0 or 1"});
  expect_error(kNet4x4 + "[convolutional]\nfilters=1\nsize=3\npad=1\ndilation=2\nhuge2=-1\n", {5, 10},
               {"huge2=-1", "0 or 1"});
}

// The engine and the plugin read huge2= through one parser (huge2_keys.h):
// the same values are refused, in the same words, as tests/plugin/test_plugin.cpp
// expects of the plugin ("huge2=yes must be 0 or 1").
TEST_CASE("network errors: huge2= takes exactly 0 or 1, as the plugin does", "[network]") {
  expect_error(kNet4x4 + "[deconvolutional]\nfilters=1\nsize=2\nstride=2\nhuge2=yes\n", {5, 9},
               {"[deconvolutional] huge2=yes must be 0 or 1 (layer 0)"});
  expect_error("[net]\nwidth=4\nheight=4\nchannels=1\nhuge2=1#fast\n[maxpool]\n", {5},
               {"[net] huge2=1#fast must be 0 or 1"});
  expect_error(kNet4x4 + "[convolutional]\nfilters=1\nsize=3\npad=1\ndilation=2\nhuge2=\n", {5, 10},
               {"huge2= must be 0 or 1"});
}

TEST_CASE("network: huge2=1 on a [convolutional] without dilation runs the direct kernels (the d = 1 case)",
          "[network]") {
  const Network plain = build(kNet4x4 + "[convolutional]\nfilters=1\nsize=3\npad=1\nhuge2=1\n");
  CHECK(plain.layer(0).algorithm() == "huge2");
  CHECK_THAT(plain.layer(0).method(), StartsWith("direct"));
  // size=1 forces dilation to 1 (as Darknet): a 1x1 huge2 convolution.
  const Network one = build(kNet4x4 + "[convolutional]\nfilters=1\nsize=1\ndilation=2\nhuge2=1\n");
  CHECK(one.layer(0).algorithm() == "huge2");
  CHECK(one.layer(0).describe().find(" d2") == std::string::npos);
}

TEST_CASE("network errors: unknown activation names", "[network]") {
  expect_error(kNet4x4 + "[convolutional]\nfilters=1\nsize=1\nactivation=sigmoid\n", {5, 8},
               {"activation", "sigmoid"});
  expect_error(kNet4x4 + "[deconvolutional]\nfilters=1\nactivation=swish\n", {5, 7}, {"activation", "swish"});
  expect_error(kNet4x4 + "[connected]\noutput=2\nactivation=Leaky\n", {5, 7}, {"activation", "Leaky"});
  expect_error(kNet4x4 + "[maxpool]\nsize=1\n[shortcut]\nfrom=0\nactivation=gelu\n", {7, 9}, {"activation", "gelu"});
}

TEST_CASE("network errors: groups must divide the input channels and the filters", "[network]") {
  // 3 input channels, groups=2
  expect_error("[net]\nwidth=4\nheight=4\nchannels=3\n[convolutional]\nfilters=4\nsize=1\ngroups=2\n", {5, 8},
               {"groups=2"});
  // 4 input channels, 3 filters, groups=2
  expect_error("[net]\nwidth=4\nheight=4\nchannels=4\n[convolutional]\nfilters=3\nsize=1\ngroups=2\n", {5, 8},
               {"groups=2"});
  expect_error(kNet4x4 + "[convolutional]\nfilters=1\nsize=1\ngroups=0\n", {5, 8}, {"groups=0"});
}

TEST_CASE("network errors: shapes that leave no output", "[network]") {
  SECTION("deconvolution: (1-1)*1 + 1 - 2*1 = -1") {
    expect_error("[net]\nwidth=1\nheight=1\nchannels=1\n[deconvolutional]\nfilters=1\nsize=1\nstride=1\npadding=1\n",
                 {5, 9}, {"output"});
  }
  SECTION("convolution: a 5x5 kernel on a 3x3 input without padding") {
    expect_error("[net]\nwidth=3\nheight=3\nchannels=1\n[convolutional]\nfilters=1\nsize=5\n", {5, 7}, {"kernel", "size 5"});
  }
  SECTION("dilated convolution: size=3 dilation=3 spans 7 pixels of a 5x5 input") {
    expect_error("[net]\nwidth=5\nheight=5\nchannels=1\n[convolutional]\nfilters=1\nsize=3\ndilation=3\n", {5, 8},
                 {"dilation 3"});
  }
  SECTION("maxpool: size=3 padding=0 on a 2x2 input") {
    expect_error("[net]\nwidth=2\nheight=2\nchannels=1\n[maxpool]\nsize=3\nstride=1\npadding=0\n", {5, 6},
                 {"maxpool", "size=3"});
  }
}

TEST_CASE("network errors: zero or negative counts", "[network]") {
  expect_error(kNet4x4 + "[convolutional]\nsize=1\nfilters=0\n", {7}, {"filters=0"});
  expect_error(kNet4x4 + "[convolutional]\nsize=1\nfilters=-2\n", {7}, {"filters=-2"});
  expect_error(kNet4x4 + "[deconvolutional]\nfilters=0\n", {6}, {"filters=0"});
  expect_error(kNet4x4 + "[connected]\noutput=0\n", {6}, {"output=0"});
  expect_error(kNet4x4 + "[convolutional]\nfilters=1\nsize=1\nstride=0\n", {8}, {"stride=0"});
  expect_error(kNet4x4 + "[upsample]\nstride=0\n", {5, 6}, {"stride=0"});
  expect_error(kNet4x4 + "[upsample]\nstride=-2\n", {5, 6}, {"stride=-2"});
}

TEST_CASE("network errors: a malformed number names its line and layer", "[network]") {
  expect_error(kNet4x4 + "[maxpool]\nsize=1\n[convolutional]\nfilters=1\nsize=x3\n", {9}, {"size", "x3", "layer 1"});
}

// ---------------------------------------------------------------- unused keys

TEST_CASE("network: unused keys are listed with file:line, [net] training keys are not", "[network]") {
  const std::string text =
      "[net]\n"                    // 1
      "batch=1\n"                  // 2
      "subdivisions=1\n"           // 3
      "width=4\n"                  // 4
      "height=4\n"                 // 5
      "channels=1\n"               // 6
      "momentum=0.9\n"             // 7
      "decay=0.0005\n"             // 8
      "learning_rate=0.001\n"      // 9
      "burn_in=1000\n"             // 10
      "max_batches=500200\n"       // 11
      "policy=steps\n"             // 12
      "steps=400000,450000\n"      // 13
      "scales=.1,.1\n"             // 14
      "angle=0\n"                  // 15
      "saturation=1.5\n"           // 16
      "exposure=1.5\n"             // 17
      "hue=.1\n"                   // 18
      "colour=3\n"                 // 19: not a [net] key
      "\n"                         // 20
      "[convolutional]\n"          // 21
      "filters=2\n"                // 22
      "size=3\n"                   // 23
      "pad=1\n"                    // 24
      "stirde=2\n"                 // 25: typo
      "activation=leaky\n"         // 26
      "[maxpool]\n"                // 27
      "size=2\n"                   // 28
      "stride=2\n"                 // 29
      "filters=8\n";               // 30: not a maxpool key
  const Network net = build(text);
  CHECK(net.unused_keys() == std::vector<std::string>{
                                 "t.cfg:19: [net] unused key 'colour'",
                                 "t.cfg:25: [convolutional] unused key 'stirde'",
                                 "t.cfg:30: [maxpool] unused key 'filters'",
                             });
}

TEST_CASE("network: a cfg whose every key is read has no unused keys", "[network]") {
  const Network net = build(kNet4x4 +
                            "[convolutional]\nbatch_normalize=1\nfilters=2\nsize=3\nstride=1\npad=1\n"
                            "dilation=2\nhuge2=1\nactivation=leaky\n"
                            "[deconvolutional]\nfilters=1\nsize=4\nstride=2\npadding=1\nhuge2=0\nactivation=tanh\n");
  CHECK(net.unused_keys().empty());
}

// ---------------------------------------------------------------- the algorithm choice

namespace {

// layer 0: deconv (huge2 key as given), layer 1: dilated conv (key as given),
// layer 2: plain conv, layer 3: deconv without a key, layer 4: dilated conv without a key.
std::string algorithm_cfg(const std::string& net_key, const std::string& deconv_key, const std::string& dilated_key) {
  return "[net]\nwidth=4\nheight=4\nchannels=2\n" + net_key +
         "[deconvolutional]\nfilters=2\nsize=4\nstride=2\npadding=1\n" + deconv_key +
         "[convolutional]\nfilters=2\nsize=3\npad=1\ndilation=2\n" + dilated_key +
         "[convolutional]\nfilters=2\nsize=3\npad=1\n"
         "[deconvolutional]\nfilters=2\nsize=4\nstride=2\npadding=1\n"
         "[convolutional]\nfilters=2\nsize=3\npad=1\ndilation=2\n";
}

}  // namespace

TEST_CASE("network: the algorithm of each layer", "[network]") {
  SECTION("per-layer huge2=1 on a deconv and a dilated conv; the stock algorithm elsewhere") {
    const Network net = build(algorithm_cfg("", "huge2=1\n", "huge2=1\n"));
    CHECK_THAT(net.layer(0).algorithm(), StartsWith("huge2"));
    CHECK_THAT(net.layer(1).algorithm(), StartsWith("huge2"));
    CHECK(net.layer(2).algorithm() == "darknet");  // a plain convolution follows [net]
    CHECK(net.layer(3).algorithm() == "darknet");
    CHECK(net.layer(4).algorithm() == "darknet");
  }
  SECTION("[net] huge2=1 makes every deconv and conv huge2, plain ones included") {
    const Network net = build(algorithm_cfg("huge2=1\n", "", ""));
    CHECK_THAT(net.layer(0).algorithm(), StartsWith("huge2"));
    CHECK_THAT(net.layer(1).algorithm(), StartsWith("huge2"));
    CHECK(net.layer(2).algorithm() == "huge2");
    CHECK_THAT(net.layer(3).algorithm(), StartsWith("huge2"));
    CHECK_THAT(net.layer(4).algorithm(), StartsWith("huge2"));
  }
  SECTION("per-layer huge2=0 overrides [net] huge2=1") {
    const Network net = build(algorithm_cfg("huge2=1\n", "huge2=0\n", "huge2=0\n"));
    CHECK(net.layer(0).algorithm() == "darknet");
    CHECK(net.layer(1).algorithm() == "darknet");
    CHECK_THAT(net.layer(3).algorithm(), StartsWith("huge2"));
    CHECK_THAT(net.layer(4).algorithm(), StartsWith("huge2"));
  }
  SECTION("NetworkOptions::algorithm overrides the cfg everywhere") {
    NetworkOptions opt;
    opt.algorithm = Algorithm::darknet;
    const Network net = build(algorithm_cfg("huge2=1\n", "huge2=1\n", "huge2=1\n"), opt);
    for (int i : {0, 1, 2, 3, 4}) CHECK(net.layer(i).algorithm() == "darknet");
    opt.algorithm = Algorithm::huge2;
    const Network net2 = build(algorithm_cfg("huge2=0\n", "huge2=0\n", "huge2=0\n"), opt);
    for (int i : {0, 1, 2, 3, 4}) CHECK_THAT(net2.layer(i).algorithm(), StartsWith("huge2"));
  }
}

// ---------------------------------------------------------------- .weights files

TEST_CASE("network: a matching .weights file loads and is used", "[network]") {
  Network net = build(kTwoConvs);
  SECTION("0.2.0, 8-byte seen") {
    TempFile f;
    f.write(header(0, 2, 0) + bytes_of(uint64_t(123456789012ull)) + floats(kLayer0) + floats(kLayer1));
    net.load_weights(f.path());
    CHECK(net.seen() == 123456789012ull);
  }
  SECTION("0.2.5 (AlexeyAB's fork), 8-byte seen") {
    TempFile f;
    f.write(header(0, 2, 5) + bytes_of(uint64_t(64)) + floats(kLayer0) + floats(kLayer1));
    net.load_weights(f.path());
    CHECK(net.seen() == 64);
  }
  SECTION("0.1.0, 4-byte seen") {
    TempFile f;
    f.write(header(0, 1, 0) + bytes_of(uint32_t(4321)) + floats(kLayer0) + floats(kLayer1));
    net.load_weights(f.path());
    CHECK(net.seen() == 4321);
  }
  // z = 5.5 x + 2
  const std::vector<float> x = {1, -2};
  const float* z = net.forward(x.data());
  CHECK(z[0] == Approx(7.5));
  CHECK(z[1] == Approx(-9));
}

TEST_CASE("network: .weights files that do not match are refused with a WeightsError", "[network]") {
  Network net = build(kTwoConvs);
  TempFile f;
  const std::string head = header(0, 2, 0) + bytes_of(uint64_t(0));
  auto load_error = [&](const std::string& bytes) -> std::string {
    f.write(bytes);
    try {
      net.load_weights(f.path());
    } catch (const huge2::WeightsError& e) {
      return e.what();
    }
    FAIL("the weights loaded, expected a WeightsError");
    return "";
  };
  SECTION("missing file") {
    const std::string missing = f.path() + ".missing";
    try {
      net.load_weights(missing);
      FAIL("a missing file loaded");
    } catch (const huge2::WeightsError& e) {
      CHECK_THAT(e.what(), Contains(missing) && Contains("cannot open"));
    }
  }
  SECTION("header too short") {
    const std::string msg = load_error(bytes_of(int32_t(0)) + bytes_of(int32_t(2)));  // 8 bytes
    CHECK_THAT(msg, Contains(f.path()) && Contains("too short"));
  }
  SECTION("header truncated in seen") {
    const std::string msg = load_error(header(0, 2, 0) + bytes_of(uint32_t(0)));  // 4 of 8 bytes of seen
    CHECK_THAT(msg, Contains(f.path()) && Contains("seen"));
  }
  SECTION("truncated in layer 0's biases") {
    const std::string msg = load_error(head + floats({1}));
    CHECK_THAT(msg, Contains(f.path()) && Contains("layer 0") && Contains("biases"));
  }
  SECTION("truncated in the middle of layer 1's weights") {
    const std::string msg = load_error(head + floats(kLayer0) + floats({-1, 3}));  // 1 of 2 weights
    CHECK_THAT(msg, Contains(f.path()) && Contains("layer 1") && Contains("weights"));
    CHECK_THAT(msg, !Contains("layer 0"));
  }
  SECTION("extra bytes after the last layer") {
    const std::string msg = load_error(head + floats(kLayer0) + floats(kLayer1) + std::string(4, '\0'));
    CHECK_THAT(msg, Contains(f.path()) && Contains("4 bytes"));
  }
  SECTION("a 0.1.0 file has a 4-byte seen: 8 bytes there leave 4 bytes over") {
    const std::string msg = load_error(header(0, 1, 0) + bytes_of(uint64_t(0)) + floats(kLayer0) + floats(kLayer1));
    CHECK_THAT(msg, Contains("4 bytes"));
  }
}

TEST_CASE("network: huge2 layers keep one copy of the weights and save them back unchanged", "[network]") {
  // Grouped huge2 convolutions, a phase-split deconvolution, and a stride so
  // large that the plan holds only part of the kernel (the layer then keeps
  // its own copy): each saves exactly what it loaded, and computes the same
  // as the stock algorithm on it.
  const std::string cfg = "[net]\nwidth=6\nheight=5\nchannels=4\n"
                          "[convolutional]\nfilters=6\nsize=3\npad=1\ngroups=2\nbatch_normalize=1\nactivation=leaky\n"
                          "[deconvolutional]\nfilters=5\nsize=4\nstride=2\npadding=1\nactivation=relu\n"
                          "[convolutional]\nfilters=3\nsize=1\nactivation=linear\n"
                          "[avgpool]\n"
                          "[deconvolutional]\nfilters=2\nsize=5\nstride=8\npadding=2\nactivation=linear\n";
  NetworkOptions h, d;
  h.algorithm = Algorithm::huge2, d.algorithm = Algorithm::darknet;
  Network net = build(cfg, h);
  net.randomize(5);
  TempFile first, second;
  net.save_weights(first.path());
  Network again = build(cfg, h), stock = build(cfg, d);
  again.load_weights(first.path());
  stock.load_weights(first.path());
  again.save_weights(second.path());
  auto bytes = [](const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::vector<char>(std::istreambuf_iterator<char>(f), {});
  };
  CHECK(bytes(first.path()) == bytes(second.path()));
  CHECK(bytes(first.path()).size() > 1000);
  std::vector<float> x(net.input_shape().size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i));
  const float* a = again.forward(x.data());
  const std::vector<float> got(a, a + again.output_shape().size());
  const float* b = stock.forward(x.data());
  const std::vector<float> want(b, b + stock.output_shape().size());
  CHECK(huge2::test::compare(got, want) == "");
}
