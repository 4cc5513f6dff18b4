// Resource checks (issue 11): element counts computed without overflow,
// impossible geometry refused before allocation, the memory plan and budget,
// a network built for its shapes only. Expected values are worked by hand.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/errors.h"
#include "memory_budget.h"
#include "network.h"
#include "core/shapes.h"

using namespace huge2;
using Catch::Contains;

namespace {

Network build(const std::string& text, const NetworkOptions& opt = {}) {
  return Network::from_cfg(cfg::parse_cfg_text(text, "t.cfg"), opt);
}

const char* const kTiny =
    "[net]\nbatch=1\nwidth=8\nheight=8\nchannels=4\n"
    "[deconvolutional]\nfilters=2\nsize=4\nstride=2\npadding=1\nactivation=linear\n";

}  // namespace

TEST_CASE("resources: checked_elements multiplies without overflow", "[resources]") {
  CHECK(checked_elements({2, 3, 4}) == 24);
  CHECK(checked_elements({}) == 1);
  CHECK(checked_elements({7, 0, int64_t(1) << 40}) == 0);  // an empty tensor, whatever the rest
  CHECK(checked_elements({-1, 2}) == -1);
  CHECK(checked_elements({int64_t(1) << 16, int64_t(1) << 15}) == -1);  // 2^31: one past the limit
  CHECK(checked_elements({int64_t(1) << 16, (int64_t(1) << 15) - 1}) == (int64_t(1) << 31) - (int64_t(1) << 16));
  // The product of the UBSan report, 17179869176 * 2147483647, does not fit in 64 bits.
  CHECK(checked_elements({17179869176, 2147483647}) == -1);
  CHECK(checked_elements({INT64_MAX, INT64_MAX}) == -1);
}

TEST_CASE("resources: shapes with int-sized fields are refused, not overflowed", "[resources]") {
  DeconvShape d;
  d.in_c = 2147483647, d.in_h = 8, d.in_w = 8, d.out_c = 2147483647, d.ksize = 3, d.stride = 1;
  CHECK_THROWS_WITH(d.validate(), Contains("input would have 1 x 2147483647 x 8 x 8 elements"));
  DeconvShape s;  // out = 7 * 2147483647 + 5 - 4: beyond int, refused in 64 bits
  s.in_h = s.in_w = 8, s.ksize = 5, s.pad = 2, s.stride = 2147483647;
  CHECK_THROWS_AS(s.validate(), ShapeError);
  ConvShape c;
  c.in_h = c.in_w = 8, c.ksize = 3, c.pad = 1073741824, c.dilation = 4;  // 2 * pad * dilation overflows int
  CHECK_THROWS_WITH(c.validate(), Contains("dilation 4 makes the padded input 8589934600x8589934600"));
  // Issue 21: dilation=2^31-1 with pad 1 left a small output (the checks
  // passed) but overflowed applied_pad() and im2col's int indexes.
  ConvShape big;
  big.in_h = big.in_w = 8, big.ksize = 3, big.pad = 1, big.dilation = 2147483647;
  CHECK_THROWS_WITH(big.validate(), Contains("more than 2^31-1"));
}

TEST_CASE("resources: the memory plan adds activations, weights and workspace", "[resources]") {
  const Network n = build(kTiny);
  const MemoryPlan& p = n.memory_plan();
  CHECK(p.activations == 16 * 16 * 2 * 4);      // one 16x16x2 output, float
  CHECK(p.weights == (2 + 4 * 2 * 4 * 4) * 4);  // biases + weights
  CHECK(p.workspace == n.layer(0).workspace_bytes());
  CHECK(p.largest_layer == 0);
  CHECK(n.summary().find("memory: activations 2048 bytes, weights 520 bytes") != std::string::npos);
}

TEST_CASE("resources: a network over --max-memory is refused naming its largest layer", "[resources]") {
  const std::string text = std::string(kTiny) +
                           "[convolutional]\nfilters=64\nsize=1\nactivation=linear\n"  // 16x16x64: 64 KiB out
                           "[convolutional]\nfilters=2\nsize=1\nactivation=linear\n";
  NetworkOptions opt;
  opt.max_memory = 64 * 1024;
  try {
    build(text, opt);
    FAIL("built over the budget");
  } catch (const NetworkError& e) {
    CHECK_THAT(e.what(), Contains("more than the 65536 bytes of --max-memory"));
    CHECK_THAT(e.what(), Contains("the largest is t.cfg:12 [convolutional]: layer 1 (16 x 16 x 64"));
  }
  opt.max_memory = 1 << 20;
  CHECK(build(text, opt).size() == 3);
}

TEST_CASE("resources: a network built for its shapes only allocates and runs nothing", "[resources]") {
  NetworkOptions opt;
  opt.shapes_only = true;
  opt.max_memory = 1;  // not consulted: nothing is allocated
  Network n = build(std::string(kTiny) + "[connected]\noutput=100000\nactivation=linear\n", opt);
  CHECK(n.memory_plan().weights == (uint64_t(100000) * 512 + 100000 + 130) * 4);
  CHECK(n.summary().find("connected") != std::string::npos);
  CHECK_THROWS_AS(n.forward(nullptr), std::logic_error);
  CHECK_THROWS_AS(n.randomize(1), std::logic_error);
}

TEST_CASE("resources: --max-memory sizes parse in MiB and binary units", "[resources]") {
  CHECK(parse_memory_size("100") == uint64_t(100) << 20);
  CHECK(parse_memory_size("512M") == uint64_t(512) << 20);
  CHECK(parse_memory_size("4g") == uint64_t(4) << 30);
  CHECK(parse_memory_size("2T") == uint64_t(2) << 40);
  for (const char* bad : {"", "0", "-1", "12X", "4GB", "1.5G", "99999999999999999999"})
    CHECK_THROWS_AS(parse_memory_size(bad), std::invalid_argument);
  CHECK(format_bytes(2048) == "2048 bytes");
  CHECK(format_bytes(uint64_t(3) << 29) == "1.5 GiB");
}
