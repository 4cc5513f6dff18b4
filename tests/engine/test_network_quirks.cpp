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
  CHECK(build("[net]\nbatch=8\nsubdivisions=4\ntime_steps=3\nwidth=4\nheight=4\nchannels=1\n" + kLayers).batch() == 6);
  NetworkOptions smallest;  // init-weights: one image, or one sequence of time_steps
  smallest.smallest_batch = true;
  CHECK(build(net + kLayers, smallest).batch() == 1);
  CHECK(build("[net]\nbatch=8\ntime_steps=3\ninputs=4\n[rnn]\noutput=2\n", smallest).batch() == 3);
  CHECK(build(net + kLayers).unused_keys().empty());  // subdivisions is read, not reported
  NetworkOptions one;
  one.batch = 1;
  CHECK(build(net + kLayers, one).batch() == 1);  // what the inference verbs pass
  CHECK(build(net + kLayers, one).cfg_batch() == 4);  // still known, for the summary
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

TEST_CASE("network quirks: the detection-era layers refuse what Darknet would read past its buffers with", "[network]") {
  const std::string net = "[net]\nwidth=8\nheight=6\nchannels=3\n";
  struct Bad {
    std::string layers;
    const char* says;
  };
  const Bad bads[] = {
      {"[yolo]\nclasses=1\nnum=1\n", "1 anchors x (4 + 1 + 1 classes) = 6"},  // 3 channels
      {"[yolo]\nmask=0,3\nnum=3\nclasses=0\n", "mask entry 3"},
      {"[convolutional]\nfilters=5\nsize=1\n[yolo]\nclasses=0\nanchors=1,2,3\n", "anchors= has more than"},
      {"[region]\nclasses=1\nnum=1\n", "(filters= of the layer before)"},
      {"[convolutional]\nfilters=6\nsize=1\n[region]\nclasses=1\ntree=x.tree\n", "tree="},
      {"[crop]\ncrop_width=9\ncrop_height=2\n", "larger than"},
      {"[reorg]\nstride=4\n", "divisible"},
      {"[convolutional]\nfilters=4\nsize=1\n[reorg]\nstride=4\n", "divisible"},
      {"[local]\nfilters=2\nsize=5\npad=1\n", "pad=1 needs size=3"},
      {"[local]\nfilters=2\nsize=9\n", "does not fit"},
      {"[iseg]\nclasses=2\nids=2\n", "classes + ids = 4"},
      {"[detection]\nclasses=2\nside=2\n", "side^2"},
      {"[cost]\ntype=hinge\n", "type=hinge"},
      {"[normalization]\nsize=0\n", "size=0"},
      {"[convolutional]\nfilters=3\nsize=1\nshare_index=5\n", "share_index=5"},
      {"[convolutional]\nfilters=3\nsize=1\n[convolutional]\nfilters=4\nsize=1\nshare_index=0\n",
       "does not have this convolution's size"},
      {"[maxpool]\nsize=1\n[crop]\ncrop_width=8\ncrop_height=3\n[shortcut]\nfrom=0\n", "same factor"},
  };
  for (const Bad& b : bads) {
    INFO(b.layers);
    CHECK_THROWS_WITH(build(net + b.layers), Contains(b.says) && Contains("q.cfg:"));
  }
}
