// Darknet's ways of reading a cfg that real cfgs rely on: batch divided by
// subdivisions, numbers with trailing text (inline comments) read as atoi
// reads them, with a warning naming file:line in the network's warnings.
#include <catch2/catch.hpp>

#include "network.h"

using namespace huge2;
using Catch::Contains;

namespace {

Network build(const std::string& text, const NetworkOptions& opt = {}) {
  return Network::from_cfg(cfg::parse_cfg_text(text, "q.cfg"), opt);
}

const std::string kLayers = "[convolutional]\nfilters=2\nsize=3\npad=1\nactivation=leaky\n";

}  // namespace

TEST_CASE("network quirks: batch is divided by subdivisions, as Darknet's parse_net_options", "[network]") {
  const std::string net = "[net]\nbatch=64\nsubdivisions=16\nwidth=4\nheight=4\nchannels=1\n";
  CHECK(build(net + kLayers).batch() == 4);
  CHECK(build("[net]\nbatch=10\nsubdivisions=3\nwidth=4\nheight=4\nchannels=1\n" + kLayers).batch() == 3);
  CHECK(build(net + kLayers).unused_keys().empty());  // subdivisions is read, not reported
  NetworkOptions one;
  one.batch = 1;
  CHECK(build(net + kLayers, one).batch() == 1);  // what the inference verbs pass
  CHECK_THROWS_WITH(build("[net]\nbatch=4\nsubdivisions=8\nwidth=4\nheight=4\nchannels=1\n" + kLayers),
                    Contains("q.cfg:3") && Contains("batch=4 / subdivisions=8") && Contains("0 images"));
}

TEST_CASE("network quirks: an inline comment after a number is ignored with a warning naming the line", "[network]") {
  const Network n = build("[net]\nbatch=128  # 64\nsubdivisions=16\nwidth=4 # px\nheight=4\nchannels=1\n" + kLayers +
                          "[convolutional]\nfilters=3 ; three\nsize=1\n");
  CHECK(n.batch() == 8);
  CHECK(n.input_shape() == Shape3{1, 4, 4});
  CHECK(n.layer(1).out().c == 3);
  REQUIRE(n.warnings().size() == 3);
  CHECK_THAT(n.warnings()[0], Contains("q.cfg:2: [net] batch='128#64'") && Contains("128, '#64' ignored"));
  CHECK_THAT(n.warnings()[1], Contains("q.cfg:4: [net] width='4#px'"));
  CHECK_THAT(n.warnings()[2], Contains("q.cfg:13: [convolutional] filters='3;three'") && Contains("3, ';three' ignored"));
  // No leading number is still an error (Darknet would silently read 0).
  CHECK_THROWS_WITH(build("[net]\nbatch=#64\nwidth=4\nheight=4\nchannels=1\n" + kLayers),
                    Contains("q.cfg:2") && Contains("is not an integer"));
}
