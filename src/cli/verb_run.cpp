// huge2 run CFG WEIGHTS --input X.npy|IMAGE --output Y.npy: one forward pass.
#include <chrono>
#include <cstdio>

#include "common.h"
#include "output_checks.h"
#include "image_io.h"
#include "npy.h"

namespace huge2::cli {

namespace {

// Loads WEIGHTS, runs x through once and writes the output to --output as
// batch x C x H x W; returns the forward time in ms.
double forward_to_npy(Network& net, const Args& a, const float* x) {
  load_weights_noting(net, a.positional()[1], "run");
  const auto t0 = std::chrono::steady_clock::now();
  const float* y = net.forward(x);
  const double ms = ms_since(t0);
  report_non_finite(net, "run", x);
  const Shape3 o = net.output_shape();
  write_npy(a.get("output", ""), {size_t(net.batch()), size_t(o.c), size_t(o.h), size_t(o.w)}, y);
  return ms;
}

// --input IMAGE: load, resize the Darknet way to the [net] size, run batch 1.
int run_image(const Args& a, const std::string& input, NetworkOptions opt) {
  if (opt.batch > 1)
    throw UsageError("--batch " + std::to_string(opt.batch) + ": an image input is a batch of 1 (give a 4-d .npy for more)");
  opt.batch = 1;
  Network net = load_network(a.positional()[0], opt);
  const Shape3 in = net.input_shape();
  if (in.c != 1 && in.c != 3)
    throw UsageError(a.positional()[0] + ": [net] channels=" + std::to_string(in.c) +
                     "; an image input needs 1 (grey) or 3 (RGB)");
  const Image original = load_image(input, in.c, kMaxImagePixels, image_budget(net, opt));
  const Image x = resize_darknet(original, in.w, in.h);
  const double ms = forward_to_npy(net, a, x.data.data());
  std::printf("%s: %d x %d image resized to %s\n", input.c_str(), original.w, original.h, in.str().c_str());
  std::printf("%s: 1 x %s in %.3f ms\n", a.get("output", "").c_str(), net.output_shape().str().c_str(), ms);
  return 0;
}

}  // namespace

int verb_run(int argc, char** argv) {
  static const char* usage =
      "usage: huge2 run CFG WEIGHTS --input X.npy|IMAGE --output Y.npy [--algorithm darknet|huge2] [--threads N]\n"
      "                 [--max-memory SIZE] [--batch N (must equal the input's batch)]\n"
      "One forward pass. X is float32 NCHW: batch x channels x height x width (or one image\n"
      "without the batch axis) matching the cfg's [net]; the batch is taken from X. An --input\n"
      "ending in .png, .jpg, .jpeg or .bmp is read as an image instead (RGB, or grey when [net]\n"
      "channels=1, values in [0,1]), resized to the [net] width x height with Darknet's bilinear\n"
      "resize_image, and run as a batch of 1. Y gets the last layer's output, batch x C x H x W.\n";
  Args a(argc, argv, 2, network_options_and({"input", "output"}), {"help"});
  if (a.flag("help")) return std::fputs(usage, stdout), 0;
  a.expect_positional(2, 2, "CFG and WEIGHTS");
  if (!a.has("input") || !a.has("output")) throw UsageError("--input and --output are required");
  const std::string input = a.get("input", "");
  check_output(a.get("output", ""), "--output", ".npy", "run writes a .npy tensor",
               {a.positional()[0], a.positional()[1], input});
  // Options first: a bad one fails before any file is read.
  NetworkOptions opt = network_options(a);
  apply_threads(a);
  if (is_image_path(input)) return run_image(a, input, opt);
  const NpyArray x = read_npy(input);
  const size_t rank = x.shape.size();
  if (rank != 3 && rank != 4)
    throw UsageError(a.get("input", "") + ": expected a 3-d (C,H,W) or 4-d (N,C,H,W) array, got " +
                     std::to_string(rank) + "-d");
  for (size_t d : x.shape)
    if (d == 0) throw UsageError(input + ": shape " + npy_shape_text(x.shape) + " has a zero-length axis: nothing to run");
  if (x.shape[0] > size_t(kMaxBatch) && rank == 4)
    throw UsageError(input + ": batch " + std::to_string(x.shape[0]) + " is more than " + std::to_string(kMaxBatch));
  const int x_batch = rank == 4 ? int(x.shape[0]) : 1;
  // The batch is the input's: a different --batch cannot be honoured.
  if (opt.batch > 0 && opt.batch != x_batch)
    throw UsageError("--batch " + std::to_string(opt.batch) + " but " + input + " holds a batch of " +
                     std::to_string(x_batch) + " (run takes the batch from the input)");
  opt.batch = x_batch;
  Network net = load_network(a.positional()[0], opt);
  const Shape3 in = net.input_shape();
  const size_t c = x.shape[rank - 3], h = x.shape[rank - 2], w = x.shape[rank - 1];
  if (c != size_t(in.c) || h != size_t(in.h) || w != size_t(in.w))
    throw UsageError(a.get("input", "") + ": image is " + std::to_string(w) + " x " + std::to_string(h) + " x " +
                     std::to_string(c) + " but the cfg's [net] wants " + in.str() + " (W x H x C)");
  const double ms = forward_to_npy(net, a, x.data.data());
  std::printf("%s: %d x %s in %.3f ms\n", a.get("output", "").c_str(), net.batch(), net.output_shape().str().c_str(),
              ms);
  return 0;
}

}  // namespace huge2::cli
