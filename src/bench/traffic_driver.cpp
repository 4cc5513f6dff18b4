// huge2-traffic: runs N forwards of one layer with one algorithm and nothing
// else, single-threaded, for scripts/memory-traffic.sh to count its data
// references under valgrind's cachegrind (the CLI links OpenCV, whose libhwy
// stops valgrind, so this small driver links the kernel library alone).
//
//   huge2-traffic deconv IN_C OUT_C H W K STRIDE PAD ALGO N
//   huge2-traffic conv IN_C OUT_C H W K STRIDE PAD DILATION ALGO N
//   huge2-traffic --suite NAME   (huge2-bench's suite NAME at batch 1, one
//                                 layer per line as the arguments above
//                                 take it, without ALGO N: for
//                                 scripts/arm-counts.sh)
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "operators/convolution.h"
#include "operators/deconvolution.h"
#include "stock/gemm.h"
#include "bench/suites.h"

namespace {

int to_int(const char* s, const char* what) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (!*s || *end || v < 0 || v > 1 << 20) {
    std::fprintf(stderr, "huge2-traffic: %s '%s' is not a small non-negative integer\n", what, s);
    std::exit(2);
  }
  return int(v);
}

template <class Op, class Shape>
int run(const Shape& s, huge2::Algorithm algo, int n) {
  std::vector<float> w(s.weight_count()), x(s.input_count()), y(s.output_count());
  for (size_t i = 0; i < w.size(); ++i) w[i] = float(i % 7) * 0.01f - 0.03f;
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i % 5) * 0.1f - 0.2f;
  const Op op(s, algo, w.data(), {}, 1);
  std::vector<float> ws(op.workspace_bytes() / sizeof(float) + 1);
  for (int i = 0; i < n; ++i) op.forward(x.data(), y.data(), ws.data(), ws.size() * sizeof(float));
  std::printf("%s: %s, %d forward(s), workspace %zu bytes, y[0] %g\n", s.describe().c_str(), op.method().c_str(), n,
              op.workspace_bytes(), double(y[0]));
  return 0;
}

// Prints a suite's layers, one per line, as the driver's own arguments.
int list_suite(const std::string& suite) {
  for (const huge2::bench::SuiteLayer& L : huge2::bench::suite_layers(suite, 1)) {
    if (L.transposed) {
      const huge2::DeconvShape& d = L.deconv;
      std::printf("deconv %d %d %d %d %d %d %d\n", d.in_c, d.out_c, d.in_h, d.in_w, d.ksize, d.stride, d.pad);
    } else {
      const huge2::ConvShape& c = L.conv;
      std::printf("conv %d %d %d %d %d %d %d %d\n", c.in_c, c.out_c, c.in_h, c.in_w, c.ksize, c.stride, c.pad,
                  c.dilation);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string kind = argc > 1 ? argv[1] : "";
  if (!((kind == "deconv" && argc == 11) || (kind == "conv" && argc == 12) || (kind == "--suite" && argc == 3))) {
    std::fputs("usage: huge2-traffic deconv IN_C OUT_C H W K STRIDE PAD ALGO N\n"
               "       huge2-traffic conv IN_C OUT_C H W K STRIDE PAD DILATION ALGO N\n"
               "       huge2-traffic --suite dcgan|dcgan5|seg|yolo\n", stderr);
    return 2;
  }
  try {
    if (kind == "--suite") return list_suite(argv[2]);
    huge2::set_num_threads(1);
    const huge2::Algorithm algo = huge2::parse_algorithm(argv[argc - 2]);
    const int n = to_int(argv[argc - 1], "N");
    if (kind == "deconv") {
      huge2::DeconvShape s;
      s.in_c = to_int(argv[2], "IN_C"), s.out_c = to_int(argv[3], "OUT_C"), s.in_h = to_int(argv[4], "H");
      s.in_w = to_int(argv[5], "W"), s.ksize = to_int(argv[6], "K"), s.stride = to_int(argv[7], "STRIDE");
      s.pad = to_int(argv[8], "PAD");
      return run<huge2::Deconvolution>(s, algo, n);
    }
    huge2::ConvShape s;
    s.in_c = to_int(argv[2], "IN_C"), s.out_c = to_int(argv[3], "OUT_C"), s.in_h = to_int(argv[4], "H");
    s.in_w = to_int(argv[5], "W"), s.ksize = to_int(argv[6], "K"), s.stride = to_int(argv[7], "STRIDE");
    s.pad = to_int(argv[8], "PAD"), s.dilation = to_int(argv[9], "DILATION");
    return run<huge2::Convolution>(s, algo, n);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "huge2-traffic: %s\n", e.what());
    return 1;
  }
}
