// Shared activation buffers (NetworkOptions::reuse_activations): the
// liveness plan checked against the definition (no two outputs that are live
// at once share a buffer), and whole networks that give the same bits with
// and without sharing, layer by layer.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "activation_slots.h"
#include "bundled_cfgs.h"
#include "helpers.h"
#include "memory_budget.h"
#include "network.h"
#include "temp_file.h"

using namespace huge2;
using Catch::Contains;

namespace {

// Output i lives from layer i to last_reader[i], both included.
bool lives_overlap(size_t i, size_t j, const std::vector<size_t>& last) {
  return i <= last[j] && j <= last[i];
}

// in_place[i]: layer i may write over its input when it is the input's last reader.
void check_plan(const std::vector<size_t>& floats, const std::vector<size_t>& last, const std::vector<bool>& in_place) {
  const ActivationSlots p = plan_activation_slots(floats, last, in_place);
  REQUIRE(p.slot_of.size() == floats.size());
  size_t sum = 0;
  for (size_t i = 0; i < floats.size(); ++i) {
    INFO("layer " << i);
    REQUIRE(p.slot_of[i] >= 0);
    REQUIRE(size_t(p.slot_of[i]) < p.slot_floats.size());
    CHECK(p.slot_floats[p.slot_of[i]] >= floats[i]);
    for (size_t j = 0; j < i; ++j)
      if (p.slot_of[i] == p.slot_of[j] && !(j == i - 1 && in_place[i] && last[j] == i))
        CHECK_FALSE(lives_overlap(i, j, last));
    // In place wherever it may be: the input's buffer, nothing new.
    if (i > 0 && in_place[i] && last[i - 1] == i) CHECK(p.slot_of[i] == p.slot_of[i - 1]);
    sum += floats[i];
  }
  CHECK(p.total_floats() <= sum);
}

Network build(const std::string& cfg, bool reuse, int batch = 2) {
  NetworkOptions o;
  o.reuse_activations = reuse;
  o.batch = batch;
  o.threads = 2;
  Network n = Network::from_cfg_file(cfg, o);
  n.randomize(3);
  return n;
}

// Same bits, NaN for NaN.
bool same_bits(const float* a, const float* b, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (std::memcmp(a + i, b + i, sizeof(float)) != 0) return false;
  return true;
}

}  // namespace

TEST_CASE("activation reuse: a chain takes turns in two buffers, worked by hand", "[reuse]") {
  // Sizes 4, 8, 2, 6; each output read by the next layer, the last kept.
  const ActivationSlots p = plan_activation_slots({4, 8, 2, 6}, {1, 2, 3, 4});
  CHECK(p.slot_of == std::vector<int>{0, 1, 0, 1});
  CHECK(p.slot_floats == std::vector<size_t>{4, 8});
  CHECK(p.total_floats() == 12);  // against 20, one buffer each
  // A [route] at layer 3 that reads layer 0: layer 0's buffer stays its own.
  const ActivationSlots r = plan_activation_slots({4, 8, 2, 6}, {3, 2, 3, 4});
  CHECK(r.slot_of == std::vector<int>{0, 1, 2, 1});
  // An output nobody reads (last reader = itself) frees its buffer at once.
  CHECK(plan_activation_slots({4, 4, 4}, {0, 2, 3}).slot_of == std::vector<int>{0, 0, 1});
  // A free buffer too small for the next output grows rather than a new one.
  CHECK(plan_activation_slots({2, 3, 9}, {1, 2, 3}).slot_floats == std::vector<size_t>{9, 3});
  // An elementwise layer 2 writes over its input (layer 1's, read by it alone),
  // a conv, deconv, softmax chain: one buffer fewer.
  const ActivationSlots e = plan_activation_slots({4, 8, 8}, {1, 2, 3}, {false, false, true});
  CHECK(e.slot_of == std::vector<int>{0, 1, 1});
  CHECK(e.total_floats() == 12);
  // Not while a [route] further on still reads that input.
  CHECK(plan_activation_slots({4, 8, 8, 8}, {1, 3, 3, 4}, {false, false, true, false}).slot_of ==
        std::vector<int>{0, 1, 0, 2});
}

TEST_CASE("activation reuse: random layer graphs never share a live buffer", "[reuse]") {
  std::mt19937 rng(17);
  for (int t = 0; t < 500; ++t) {
    const size_t n = 1 + rng() % 40;
    std::vector<size_t> floats(n), last(n);
    std::vector<bool> in_place(n);
    for (size_t i = 0; i < n; ++i) {
      in_place[i] = rng() % 3 == 0;
      floats[i] = 1 + rng() % 1000;
      last[i] = i + 1 < n ? i + 1 : n;  // read by the next layer; the last one kept
      if (rng() % 4 == 0) last[i] = i + rng() % (n - i + 1);  // a route further on, or kept
      if (rng() % 10 == 0) last[i] = i;                       // nobody reads it
    }
    INFO("graph " << t);
    check_plan(floats, last, in_place);
  }
}

TEST_CASE("activation reuse: a last reader before the layer is refused", "[reuse]") {
  CHECK_THROWS_WITH(plan_activation_slots({1, 1, 1}, {1, 2, 1}), Contains("layer 2's output is read by layer 1"));
  CHECK_THROWS_AS(plan_activation_slots({1, 1}, {1}), std::invalid_argument);
}

TEST_CASE("activation reuse: every bundled cfg gives the same bits, layer by layer", "[reuse][network]") {
  int cfgs = 0, shared = 0;
  // An X-huge2.cfg twin has X.cfg's layers (only the algorithm differs), so
  // the same liveness: left out, as its weights take seconds to randomize.
  for (const std::string& cfg : test::bundled_cfgs().distinct) {
    INFO(cfg);
    // Batch 2 where it is cheap (offsets past the first image), 1 for the 512x512 nets.
    NetworkOptions shapes;
    shapes.shapes_only = true;
    const int batch = Network::from_cfg_file(cfg, shapes).input_shape().size() > 100000 ? 1 : 2;
    Network all = build(cfg, false, batch), reuse = build(cfg, true, batch);
    std::mt19937 rng(5);
    const std::vector<float> x = test::random_tensor(all.input_shape().size() * size_t(all.batch()), rng);
    all.forward(x.data());
    CHECK(reuse.memory_plan().activations_unshared == all.memory_plan().activations);
    if (reuse.memory_plan().activations < all.memory_plan().activations) {
      ++shared;
      CHECK_THAT(reuse.summary(), Contains(" shared buffers (" + format_bytes(all.memory_plan().activations) + " one per layer)"));
    }
    CHECK_THAT(all.summary(), !Contains("shared buffer"));
    // Twice: the first pass finds the buffers NaN, the second other layers' values.
    for (int pass = 0; pass < 2; ++pass) {
      INFO("pass " << pass);
      std::vector<int> differ;
      const float* y = reuse.forward(x.data(), [&](int i, double) {
        const size_t n = reuse.layer(i).out().size() * size_t(reuse.batch());
        if (!same_bits(reuse.output_of(i), all.output_of(i), n)) differ.push_back(i);
      });
      CHECK(differ.empty());
      CHECK(same_bits(y, all.output_of(all.size() - 1), all.output_shape().size() * size_t(all.batch())));
    }
    int kept = 0;
    for (int i = 0; i < reuse.size(); ++i) {
      INFO("layer " << i);
      if (reuse.output_kept(i)) {
        ++kept;
        CHECK(same_bits(reuse.output_of(i), all.output_of(i), reuse.layer(i).out().size() * size_t(reuse.batch())));
      } else {
        CHECK_THROWS_AS(reuse.output_of(i), std::logic_error);
      }
      // The box layers stay readable for `detect`.
      if (std::string(reuse.layer(i).type()) == "yolo") CHECK(reuse.output_kept(i));
    }
    CHECK(reuse.output_kept(reuse.size() - 1));
    CHECK(reuse.first_non_finite_layer(x.data()) == -1);
    ++cfgs;
  }
  CHECK(cfgs >= 9);
  CHECK(shared == cfgs);  // every bundled cfg has layers whose lives do not overlap
}

TEST_CASE("activation reuse: the first NaN layer is found by running the pass again", "[reuse][network]") {
  const std::string text =
      "[net]\nbatch=1\nwidth=6\nheight=6\nchannels=2\n"
      "[convolutional]\nfilters=3\nsize=3\npad=1\nactivation=leaky\n"
      "[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=leaky\n"
      "[convolutional]\nfilters=2\nsize=1\nactivation=linear\n"
      "[convolutional]\nfilters=2\nsize=1\nactivation=linear\n";
  test::TempFile w("nan-at-1.weights");
  NetworkOptions keep_all, reuse;
  reuse.reuse_activations = true;
  {
    Network n = Network::from_cfg(cfg::parse_cfg_text(text, "t.cfg"), keep_all);
    n.randomize(1);
    n.save_weights(w.path);
  }
  {  // layer 1's first bias (the file's header is 20 bytes) becomes NaN
    Network n = Network::from_cfg(cfg::parse_cfg_text(text, "t.cfg"), keep_all);
    std::fstream f(w.path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20 + std::streamoff(n.layer(0).parameter_count() * sizeof(float)));
    const float nan = std::nanf("");
    f.write(reinterpret_cast<const char*>(&nan), sizeof nan);
  }
  std::vector<float> x(72, 0.5f);
  for (const NetworkOptions* o : {&keep_all, &reuse}) {
    Network n = Network::from_cfg(cfg::parse_cfg_text(text, "t.cfg"), *o);
    n.load_weights(w.path);
    CHECK(n.first_non_finite_layer(x.data()) == -1);  // before any pass: the NaN-filled buffers are not outputs
    n.forward(x.data());
    CHECK(n.first_non_finite_layer(x.data()) == 1);
    CHECK(n.first_non_finite_layer() == (o->reuse_activations ? 3 : 1));  // without the input: the first kept
  }
}

TEST_CASE("activation reuse: a recurrent network keeps one buffer per layer", "[reuse][network]") {
  NetworkOptions o;
  o.reuse_activations = true;
  Network n = Network::from_cfg(
      cfg::parse_cfg_text("[net]\nbatch=1\ninputs=3\n[rnn]\noutput=4\nactivation=tanh\n[connected]\noutput=2\n", "t.cfg"),
      o);
  n.randomize(2);
  const std::vector<float> x{0.1f, -0.2f, 0.3f};
  n.forward(x.data());
  CHECK(n.output_kept(0));
  CHECK_NOTHROW(n.output_of(0));
  CHECK(n.memory_plan().activation_slots == 0);
}
