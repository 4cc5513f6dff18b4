// The CUDA backend on a GPU: every algorithm (darknet, huge2 with each tile
// shape, cudnn when built) against the CPU reference over hundreds of random
// geometries, hand-computed cases, and the error paths. main.cpp skips all
// of it (exit 77) when there is no CUDA device.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <iostream>

#include "device_buffer.h"
#include "core/errors.h"
#include "gpu_test_helpers.h"
#include "huge2_cuda.h"
#include "reference/reference.h"

using namespace huge2;
using namespace huge2::cuda;
using huge2::test::compare;
using huge2::test::random_tensor;
using huge2::test::random_conv_case;
using huge2::test::random_deconv_case;

namespace {

unsigned test_seed(unsigned fallback) {
  const char* s = std::getenv("HUGE2_GPU_TEST_SEED");
  return s ? unsigned(std::strtoul(s, nullptr, 10)) : fallback;
}

// cuDNN may only offer default-math (TF32) algorithms for a geometry; its
// result is then compared more loosely (describe() says so).
double tolerance(const std::string& describe) { return describe.find("TF32") != std::string::npos ? 5e-3 : 1e-4; }

struct Result {
  std::vector<float> y;
  std::string describe;
  size_t workspace = 0;
};

template <class Op, class Shape>
Result run_gpu(const Shape& s, Algorithm algo, const std::vector<float>& w, const std::vector<float>& x,
               GpuOptions opt = {}, cudaStream_t stream = nullptr) {
  DeviceBuffer<float> dw(w), dx(x), dy(s.output_count());
  dy.fill_bytes(0xff);  // NaN everywhere: every output must be written
  Op op(s, algo, dw.get(), stream, opt);
  dw = DeviceBuffer<float>();  // the operator keeps its own copy of the weights
  DeviceBuffer<unsigned char> ws(op.workspace_bytes());
  op.forward(dx.get(), dy.get(), ws.get(), ws.size(), stream);
  check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  check(cudaGetLastError(), "after forward");
  return {dy.download(), op.describe(), op.workspace_bytes()};
}

// The random tests' options: the automatic kernel and tile shape, then each
// tile in turn (the tiled phase kernel's, then the GEMM kernel's); a forced
// K split every third trial; cuDNN's heuristic choice mostly (Find is slow
// to construct).
GpuOptions trial_options(int trial) {
  GpuOptions opt;
  opt.tile_config = trial % (kTileConfigs + 1) - 1;
  opt.k_splits = trial % 3 == 0 ? 1 + trial % 5 : 0;
  opt.cudnn_exhaustive = trial % 8 == 0;
  return opt;
}

// huge2's workspace: the GEMM kernel's K split slices, whole outputs, or none.
template <class Shape>
void check_huge2_workspace(const Shape& s, const Result& r) {
  const bool split = r.describe.find("K split") != std::string::npos;
  CHECK(split == (r.workspace > 0));
  CHECK(r.workspace % (s.output_count() * sizeof(float)) == 0);
}

// Every GPU algorithm, or those HUGE2_GPU_TEST_ALGORITHMS names
// ("darknet,huge2": compute-sanitizer's initcheck without cuDNN's Find,
// which reads buffers it allocates itself before writing them).
std::vector<Algorithm> all_algorithms() {
  std::vector<Algorithm> a = {Algorithm::darknet, Algorithm::huge2};
  if (built_with_cudnn()) a.push_back(Algorithm::cudnn);
  if (const char* only = std::getenv("HUGE2_GPU_TEST_ALGORITHMS")) {
    const std::string names = std::string(",") + only + ",";
    a.erase(std::remove_if(a.begin(), a.end(),
                           [&](Algorithm x) {
                             return names.find(std::string(",") + algorithm_name(x) + ",") == std::string::npos;
                           }),
            a.end());
  }
  return a;
}

}  // namespace

TEST_CASE("gpu deconv: hand-computed 2x2 input, 3x3 kernel, stride 2, padding 1", "[gpu][deconv]") {
  DeconvShape s;  // worked out by hand in tests/layers/test_deconvolution.cpp
  s.in_h = s.in_w = 2, s.ksize = 3, s.stride = 2, s.pad = 1;
  const std::vector<float> x = {1, 2, 3, 4}, w = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  const std::vector<float> want = {5, 14, 10, 14, 36, 24, 15, 34, 20};
  for (Algorithm a : all_algorithms()) {
    INFO(algorithm_name(a));
    CHECK(compare(run_gpu<DeconvGpu>(s, a, w, x).y, want, 1e-6) == "");
  }
}

TEST_CASE("gpu deconv: kernel smaller than stride leaves zero holes", "[gpu][deconv]") {
  DeconvShape s;
  s.in_c = 2, s.out_c = 1, s.in_h = 2, s.in_w = 1, s.ksize = 1, s.stride = 3;
  const std::vector<float> x = {1, 2, 10, 20}, w = {0.5f, 2.f};
  const std::vector<float> want = {0.5f * 1 + 2 * 10, 0, 0, 0.5f * 2 + 2 * 20};
  for (Algorithm a : all_algorithms()) {
    INFO(algorithm_name(a));
    CHECK(compare(run_gpu<DeconvGpu>(s, a, w, x).y, want, 1e-6) == "");
  }
}

TEST_CASE("gpu conv: hand-computed 3x3 dilation 2 on a 5x5 ramp", "[gpu][conv]") {
  ConvShape s;  // see tests/layers/test_convolution.cpp
  s.in_h = s.in_w = 5, s.ksize = 3, s.pad = 1, s.dilation = 2;
  std::vector<float> x(25), w(9, 1.f);
  for (int i = 0; i < 25; ++i) x[i] = float(i);
  for (Algorithm a : all_algorithms()) {
    INFO(algorithm_name(a));
    const auto y = run_gpu<ConvGpu>(s, a, w, x).y;
    CHECK(y[2 * 5 + 2] == 108.f);
    CHECK(y[0] == 24.f);
    CHECK(y[2] == 42.f);
    CHECK(y[24] == 72.f);
  }
}

TEST_CASE("gpu conv: 1x1 with padding follows the definition", "[gpu][conv]") {
  ConvShape s;
  s.in_h = s.in_w = 2, s.ksize = 1, s.pad = 1;
  const std::vector<float> x = {1, 2, 3, 4}, w = {2.f};
  const std::vector<float> want = {0, 0, 0, 0, 0, 2, 4, 0, 0, 6, 8, 0, 0, 0, 0, 0};
  for (Algorithm a : all_algorithms()) {
    INFO(algorithm_name(a));
    CHECK(run_gpu<ConvGpu>(s, a, w, x).y == want);
  }
}

TEST_CASE("gpu deconv: 300+ random geometries, every algorithm equals the definition", "[gpu][deconv][random]") {
  const unsigned seed = test_seed(20261126);
  std::cout << "gpu deconv random geometries: seed " << seed << " (HUGE2_GPU_TEST_SEED to change)\n";
  std::mt19937 rng(seed);
  int tested = 0;
  for (int trial = 0; tested < 320; ++trial) {
    const auto c = random_deconv_case(rng, 3000000);
    if (!c) continue;
    const auto& [s, w, x, want] = *c;
    ++tested;
    const GpuOptions opt = trial_options(trial);
    INFO("seed " << seed << " trial " << trial << " tile " << opt.tile_config << " splits " << opt.k_splits << ": "
                 << s.describe());
    for (Algorithm a : all_algorithms()) {
      const Result r = run_gpu<DeconvGpu>(s, a, w, x, opt);
      INFO(algorithm_name(a) << ": " << r.describe);
      CHECK(compare(r.y, want, tolerance(r.describe)) == "");
      if (a == Algorithm::huge2) check_huge2_workspace(s, r);
    }
  }
}

TEST_CASE("gpu conv: 300+ random geometries, every algorithm equals the definition", "[gpu][conv][random]") {
  const unsigned seed = test_seed(1126);
  std::cout << "gpu conv random geometries: seed " << seed << " (HUGE2_GPU_TEST_SEED to change)\n";
  std::mt19937 rng(seed);
  int tested = 0, strided = 0;
  for (int trial = 0; tested < 330; ++trial) {
    const auto c = random_conv_case(rng, 3000000);
    if (!c) continue;  // empty output: tested elsewhere
    const auto& [s, w, x, want] = *c;
    ++tested;
    strided += s.stride > 1;
    const GpuOptions opt = trial_options(trial);
    INFO("seed " << seed << " trial " << trial << " tile " << opt.tile_config << " splits " << opt.k_splits << ": "
                 << s.describe());
    for (Algorithm a : all_algorithms()) {
      const Result r = run_gpu<ConvGpu>(s, a, w, x, opt);
      INFO(algorithm_name(a) << ": " << r.describe);
      CHECK(compare(r.y, want, tolerance(r.describe)) == "");
      if (a == Algorithm::huge2) {
        check_huge2_workspace(s, r);
        // The tiled kernel's sub-images need stride 1: strided layers run the GEMM kernel.
        if (s.stride > 1) CHECK(r.describe.find("implicit GEMM") != std::string::npos);
      }
    }
  }
  CHECK(strided > 50);
}

TEST_CASE("gpu: huge2 runs the GEMM kernel where the tiled kernel's shared memory is too small", "[gpu]") {
  std::mt19937 rng(11);
  DeconvShape s;
  s.in_c = 2, s.out_c = 3, s.in_h = 4, s.in_w = 5, s.ksize = 40, s.stride = 1, s.pad = 2;
  const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
  std::vector<float> want(s.output_count());
  deconv_reference(s, x.data(), w.data(), want.data());
  GpuOptions rgb_tile;
  rgb_tile.tile_config = 2;  // the tiled kernel's 4-channel tile: 40x40 taps do not fit
  const Result r = run_gpu<DeconvGpu>(s, Algorithm::huge2, w, x, rgb_tile);
  CHECK(r.describe.find("implicit GEMM") != std::string::npos);
  CHECK(compare(r.y, want) == "");
}

TEST_CASE("gpu: DCGAN and segmentation layers, all algorithms agree", "[gpu]") {
  std::mt19937 rng(5);
  DeconvShape d;
  d.batch = 2, d.in_c = 256, d.out_c = 128, d.in_h = d.in_w = 16, d.ksize = 4, d.stride = 2, d.pad = 1;
  const auto dw = random_tensor(d.weight_count(), rng), dx = random_tensor(d.input_count(), rng);
  std::vector<float> dwant(d.output_count());
  deconv_reference(d, dx.data(), dw.data(), dwant.data());
  for (Algorithm a : all_algorithms()) {
    const Result r = run_gpu<DeconvGpu>(d, a, dw, dx);
    INFO(r.describe);
    CHECK(compare(r.y, dwant, tolerance(r.describe)) == "");
  }
  for (int dil : {2, 12}) {
    ConvShape c;
    c.in_c = 64, c.out_c = 64, c.in_h = 32, c.in_w = 48, c.ksize = 3, c.pad = 1, c.dilation = dil;
    const auto cw = random_tensor(c.weight_count(), rng), cx = random_tensor(c.input_count(), rng);
    std::vector<float> cwant(c.output_count());
    conv_reference(c, cx.data(), cw.data(), cwant.data());
    for (Algorithm a : all_algorithms()) {
      const Result r = run_gpu<ConvGpu>(c, a, cw, cx);
      INFO("dilation " << dil << ": " << r.describe);
      CHECK(compare(r.y, cwant, tolerance(r.describe)) == "");
    }
  }
}

TEST_CASE("gpu: huge2's K split is deterministic and equals the unsplit GEMM", "[gpu]") {
  std::mt19937 rng(8);
  DeconvShape s;  // DCGAN's 1024->512 shape at a quarter of the channels: split where the GPU is not filled
  s.in_c = 256, s.out_c = 128, s.in_h = s.in_w = 4, s.ksize = 4, s.stride = 2, s.pad = 1;
  const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
  std::vector<float> want(s.output_count());
  deconv_reference(s, x.data(), w.data(), want.data());
  GpuOptions split, whole;
  split.k_splits = 8, whole.k_splits = 1;
  const Result a = run_gpu<DeconvGpu>(s, Algorithm::huge2, w, x, split);
  const Result b = run_gpu<DeconvGpu>(s, Algorithm::huge2, w, x, split);
  const Result c = run_gpu<DeconvGpu>(s, Algorithm::huge2, w, x, whole);
  INFO(a.describe);
  CHECK(a.describe.find("K split in 8") != std::string::npos);
  CHECK(a.y == b.y);  // the slices are added in order: the same bits every run
  CHECK(compare(a.y, want) == "");
  CHECK(compare(c.y, want) == "");
}

TEST_CASE("gpu: forward on a non-default stream", "[gpu]") {
  cudaStream_t stream = nullptr;
  check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
  std::mt19937 rng(9);
  ConvShape s;
  s.batch = 2, s.in_c = 5, s.out_c = 7, s.in_h = 19, s.in_w = 23, s.ksize = 3, s.pad = 1, s.dilation = 3;
  const auto w = random_tensor(s.weight_count(), rng), x = random_tensor(s.input_count(), rng);
  std::vector<float> want(s.output_count());
  conv_reference(s, x.data(), w.data(), want.data());
  for (Algorithm a : all_algorithms()) {
    const Result r = run_gpu<ConvGpu>(s, a, w, x, {}, stream);
    INFO(r.describe);
    CHECK(compare(r.y, want, tolerance(r.describe)) == "");
  }
  check(cudaStreamDestroy(stream), "cudaStreamDestroy");
}

TEST_CASE("gpu: operators move, and report their workspace", "[gpu]") {
  DeconvShape s;
  s.in_c = 256, s.out_c = 128, s.in_h = s.in_w = 16, s.ksize = 4, s.stride = 2, s.pad = 1;
  DeviceBuffer<float> w(std::vector<float>(s.weight_count(), 0.f));
  DeconvGpu stock(s, Algorithm::darknet, w.get());
  CHECK(stock.workspace_bytes() == size_t(128) * 16 * 256 * 4);
  GpuOptions no_split;
  no_split.k_splits = 1;
  DeconvGpu ours(s, Algorithm::huge2, w.get(), nullptr, no_split);
  CHECK(ours.workspace_bytes() == 0);
  GpuOptions split;
  split.k_splits = 4;
  CHECK(DeconvGpu(s, Algorithm::huge2, w.get(), nullptr, split).workspace_bytes() ==
        4 * s.output_count() * sizeof(float));
  CHECK(ours.packed_weight_bytes() == s.weight_count() * sizeof(float));
  DeconvGpu moved(std::move(ours));
  CHECK(moved.algorithm() == Algorithm::huge2);
  CHECK(moved.shape().out_h() == 32);
  ConvShape c;
  c.in_c = 4, c.out_c = 4, c.in_h = c.in_w = 9, c.ksize = 1;
  DeviceBuffer<float> cw(std::vector<float>(c.weight_count(), 0.f));
  CHECK(ConvGpu(c, Algorithm::darknet, cw.get()).workspace_bytes() == 0);  // 1x1: SGEMM on the input
  c.stride = 2;
  CHECK(ConvGpu(c, Algorithm::huge2, cw.get()).describe().find("implicit GEMM") != std::string::npos);
}

TEST_CASE("gpu: errors name what is wrong", "[gpu][errors]") {
  DeconvShape ok;
  ok.in_c = 2, ok.out_c = 2, ok.in_h = ok.in_w = 3, ok.ksize = 3, ok.stride = 2, ok.pad = 1;
  DeviceBuffer<float> w(std::vector<float>(ok.weight_count(), 1.f));
  const std::vector<float> host(1000, 1.f);
  for (Algorithm a : all_algorithms()) {
    INFO(algorithm_name(a));
    { auto s = ok; s.batch = 0; CHECK_THROWS_WITH(DeconvGpu(s, a, w.get()), Catch::Contains("batch")); }
    { auto s = ok; s.in_h = s.in_w = 1, s.ksize = 2, s.pad = 1;
      CHECK_THROWS_WITH(DeconvGpu(s, a, w.get()), Catch::Contains("output size")); }
    CHECK_THROWS_WITH(DeconvGpu(ok, a, nullptr), Catch::Contains("weights"));
    CHECK_THROWS_AS(DeconvGpu(ok, a, host.data()), ShapeError);
    CHECK_THROWS_WITH(DeconvGpu(ok, a, host.data()), Catch::Contains("host pointer"));

    DeconvGpu op(ok, a, w.get());
    DeviceBuffer<float> x(ok.input_count()), y(ok.output_count());
    DeviceBuffer<unsigned char> ws(op.workspace_bytes());
    CHECK_THROWS_WITH(op.forward(nullptr, y.get(), ws.get(), ws.size()), Catch::Contains("input"));
    CHECK_THROWS_WITH(op.forward(x.get(), nullptr, ws.get(), ws.size()), Catch::Contains("output"));
    std::vector<float> host_y(ok.output_count());
    CHECK_THROWS_WITH(op.forward(x.get(), host_y.data(), ws.get(), ws.size()), Catch::Contains("host pointer"));
    if (op.workspace_bytes() > 0) {
      CHECK_THROWS_WITH(op.forward(x.get(), y.get(), ws.get(), ws.size() - 1), Catch::Contains("workspace"));
      CHECK_THROWS_WITH(op.forward(x.get(), y.get(), nullptr, ws.size()), Catch::Contains("workspace"));
    }
  }
  ConvShape c;
  c.in_c = 2, c.out_c = 2, c.in_h = c.in_w = 8, c.ksize = 3, c.pad = 0, c.dilation = 6;
  DeviceBuffer<float> cw(std::vector<float>(c.weight_count(), 1.f));
  CHECK_THROWS_WITH(ConvGpu(c, Algorithm::huge2, cw.get()), Catch::Contains("empty"));
  if (!built_with_cudnn()) {
    c.pad = 1;
    CHECK_THROWS_AS(ConvGpu(c, Algorithm::cudnn, cw.get()), CudaError);
    CHECK_THROWS_WITH(ConvGpu(c, Algorithm::cudnn, cw.get()), Catch::Contains("cuDNN"));
  }
  CHECK_THROWS_AS(parse_gpu_algorithm("fast"), std::invalid_argument);
  CHECK(parse_gpu_algorithm("cudnn") == Algorithm::cudnn);
  // CUDA's own errors carry its error string.
  CHECK_THROWS_AS(DeviceBuffer<float>(size_t(1) << 50), CudaError);
  CHECK_THROWS_WITH(DeviceBuffer<float>(size_t(1) << 50), Catch::Contains("cudaMalloc") && Catch::Contains("memory"));
  CHECK(cudaGetLastError() == cudaSuccess);  // a failed cudaMalloc is not sticky
}

TEST_CASE("gpu: bias and activation epilogue", "[gpu]") {
  const int batch = 2, channels = 3, spatial = 5;
  std::vector<float> y(batch * channels * spatial), bias = {0.5f, -1.f, 2.f};
  for (size_t i = 0; i < y.size(); ++i) y[i] = float(int(i) - 12) * 0.7f;
  for (const char* name : {"linear", "relu", "leaky", "logistic", "tanh", "elu", "selu", "hardtan"}) {
    INFO(name);
    DeviceBuffer<float> dy(y), db(bias);
    bias_activation(dy.get(), db.get(), batch, channels, spatial, parse_activation(name));
    const auto got = dy.download();
    for (size_t i = 0; i < y.size(); ++i) {
      const float v = y[i] + bias[(i / spatial) % channels];
      const std::string n = name;
      const float want = n == "linear"     ? v
                         : n == "relu"     ? std::max(v, 0.f)
                         : n == "leaky"    ? (v > 0 ? v : .1f * v)
                         : n == "logistic" ? 1.f / (1.f + std::exp(-v))
                         : n == "tanh"     ? std::tanh(v)
                         : n == "elu"      ? (v >= 0 ? v : std::exp(v) - 1)
                         : n == "selu"     ? (v >= 0 ? 1.0507f * v : 1.0507f * 1.6732f * (std::exp(v) - 1))
                                           : std::min(1.f, std::max(-1.f, v));
      REQUIRE(got[i] == Approx(want).margin(1e-5));
    }
  }
  DeviceBuffer<float> dy(y);
  bias_activation(dy.get(), nullptr, batch, channels, spatial, Activation::linear);  // no bias: unchanged
  CHECK(dy.download() == y);
  CHECK_THROWS_WITH(bias_activation(y.data(), nullptr, batch, channels, spatial, Activation::relu),
                    Catch::Contains("host pointer"));
  CHECK_THROWS_AS(parse_activation("swish"), std::invalid_argument);
}
