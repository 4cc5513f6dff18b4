// OperatorBase::set_weights: a reload repacks in the plan made once. The
// result must be what a freshly built operator with those weights and that
// epilogue computes (bit for bit: same plan, same order of sums), for every
// algorithm, from a plan-only operator and from one that held other weights.
#include <catch2/catch.hpp>

#include <cstring>

#include "helpers.h"
#include "operators/convolution.h"
#include "operators/deconvolution.h"

using namespace huge2;
using huge2::test::random_tensor;

namespace {

Epilogue some_epilogue(int channels, std::mt19937& rng) {
  Epilogue e;
  e.activation = Activation::leaky;
  e.scale = random_tensor(size_t(channels), rng);
  e.shift = random_tensor(size_t(channels), rng);
  return e;
}

template <class Op, class Shape>
std::vector<float> run(const Op& op, const Shape& s, const std::vector<float>& x) {
  std::vector<float> ws(op.workspace_bytes() / sizeof(float) + 1), y(s.output_count(), -7.f);
  ThreadPool pool(2);
  op.forward(x.data(), y.data(), ws.data(), ws.size() * sizeof(float), &pool);
  return y;
}

template <class Op, class Shape>
void check_reload(const Shape& s) {
  std::mt19937 rng(11);
  const auto x = random_tensor(s.input_count(), rng);
  const auto w1 = random_tensor(s.weight_count(), rng), w2 = random_tensor(s.weight_count(), rng);
  const Epilogue e2 = some_epilogue(s.out_c, rng);
  for (Algorithm a : {Algorithm::reference, Algorithm::darknet, Algorithm::huge2}) {
    INFO(s.describe() << ", " << algorithm_name(a));
    const Op fresh(s, a, w2.data(), e2, 2);
    const auto want = run(fresh, s, x);

    Op reloaded(s, a, w1.data(), {}, 2);
    const std::string plan = reloaded.method();
    reloaded.set_weights(w2.data(), e2);
    REQUIRE(reloaded.method() == plan);  // not re-planned
    const auto got = run(reloaded, s, x);
    REQUIRE(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0);

    Op planned(s, a, typename Op::PlanOnly{}, 2);
    std::vector<float> y(s.output_count()), ws(planned.workspace_bytes() / sizeof(float) + 1);
    REQUIRE_THROWS(planned.forward(x.data(), y.data(), ws.data(), ws.size() * sizeof(float)));
    planned.set_weights(w2.data(), e2);
    const auto got2 = run(planned, s, x);
    REQUIRE(std::memcmp(got2.data(), want.data(), got2.size() * sizeof(float)) == 0);
    // The weights come back as given.
    if (planned.holds_whole_kernel()) {
      std::vector<float> back(s.weight_count());
      REQUIRE(planned.unpack_weights(back.data()));
      REQUIRE(back == w2);
    }
    REQUIRE_THROWS_WITH(planned.set_weights(nullptr), Catch::Contains("null"));
    Epilogue bad;
    bad.shift.assign(size_t(s.out_c) + 1, 0.f);
    REQUIRE_THROWS_WITH(planned.set_weights(w2.data(), bad), Catch::Contains("shifts"));
  }
}

}  // namespace

TEST_CASE("set_weights: a reloaded deconvolution equals a fresh one, with no new plan", "[set_weights]") {
  DeconvShape s;
  s.batch = 2, s.in_c = 5, s.in_h = 6, s.in_w = 7, s.out_c = 19, s.ksize = 4, s.stride = 2, s.pad = 1;
  check_reload<Deconvolution>(s);
  s.out_c = 3, s.in_c = 40;  // few output channels: pixel tiles (the stock column method before)
  check_reload<Deconvolution>(s);
}

TEST_CASE("set_weights: a reloaded convolution equals a fresh one, with no new plan", "[set_weights]") {
  ConvShape s;
  s.batch = 2, s.in_c = 6, s.in_h = 9, s.in_w = 8, s.out_c = 21, s.ksize = 3, s.stride = 1, s.pad = 1, s.dilation = 2;
  check_reload<Convolution>(s);
  s.stride = 3;  // stock im2col fallback
  check_reload<Convolution>(s);
}

TEST_CASE("borrow_weights: methods that read the weights as given follow the caller's buffer without a copy",
          "[set_weights]") {
  std::mt19937 rng(17);
  // One window (huge2's matrix-vector product), a panel GEMM (stride 5), the
  // stock method and the definition read in place; the direct kernels pack.
  ConvShape window, panel, direct;
  window.in_c = 6, window.out_c = 9, window.in_h = window.in_w = window.ksize = window.stride = 4;
  panel.in_c = 3, panel.out_c = 5, panel.in_h = panel.in_w = 10, panel.ksize = 3, panel.stride = 5;
  direct.in_c = 4, direct.out_c = 7, direct.in_h = direct.in_w = 6, direct.ksize = 3, direct.pad = 1;
  const ConvShape shapes[3] = {window, panel, direct};
  for (int i = 0; i < 3; ++i)
    for (Algorithm a : {Algorithm::reference, Algorithm::darknet, Algorithm::huge2}) {
      const ConvShape& s = shapes[i];
      INFO(s.describe() << ", " << algorithm_name(a));
      const auto x = random_tensor(s.input_count(), rng);
      auto w = random_tensor(s.weight_count(), rng);
      const auto w2 = random_tensor(s.weight_count(), rng);
      Convolution op(s, a, w.data());
      op.borrow_weights(w.data());
      CHECK(op.borrows_weights() == !op.packs_weights());
      CHECK(op.packs_weights() == (a == Algorithm::huge2 && i == 2));
      CHECK(run(op, s, x) == run(Convolution(s, a, w.data()), s, x));
      // An update in place (as Darknet's optimiser does): a borrowing
      // operator computes with the new weights at once; after borrowing
      // again, every operator does.
      std::copy(w2.begin(), w2.end(), w.begin());
      const auto fresh = run(Convolution(s, a, w2.data()), s, x);
      if (op.borrows_weights()) CHECK(run(op, s, x) == fresh);
      op.borrow_weights(w.data());
      CHECK(run(op, s, x) == fresh);
      // set_weights copies again.
      op.set_weights(w2.data());
      CHECK_FALSE(op.borrows_weights());
      CHECK(run(op, s, x) == fresh);
    }
}
