// huge2 generate CFG WEIGHTS: DCGAN sampling. Seeded standard-normal latent
// vectors through a generator whose [net] is 1 x 1 x Z, the tanh outputs
// written as one PNG grid.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "cfg.h"
#include "common.h"
#include "output_checks.h"
#include "image_io.h"
#include "memory_budget.h"
#include "verbs_image.h"

namespace huge2::cli {

namespace {

constexpr int kGap = 2;           // pixels between tiles
constexpr uint64_t kMaxPngSide = 1000000;  // libpng's default user limit on width and height
constexpr int kDefaultBatch = 64; // images per forward pass unless --batch says
const char* const kNotLatent =
    " (W x H x C); generate needs a latent input 1 x 1 x Z (width=1 height=1 channels=Z): a DCGAN generator";

}  // namespace

int verb_generate(int argc, char** argv) {
  static const char* usage =
      "usage: huge2 generate CFG WEIGHTS [--count N] [--seed S] [--output GRID.png] [--columns K]\n"
      "                      [--batch B] [--algorithm darknet|huge2] [--threads T]\n"
      "DCGAN sampling. The cfg's [net] must be the latent vector, width=1 height=1 channels=Z.\n"
      "Draws N (default 16) latent vectors from a standard normal seeded with S (default 1;\n"
      "std::mt19937 + std::normal_distribution, so a seed always gives the same vectors, whatever\n"
      "the batch), runs them B at a time (default min(N, 64)), maps the output's [-1,1] (tanh) to\n"
      "[0,255] (clamped) and writes one PNG grid, K columns (default ceil(sqrt(N))) with 2-pixel\n"
      "black gaps, to GRID.png (default grid.png). The output must have 1 or 3 channels.\n"
      "Prints the time per image and the output path.\n";
  Args a(argc, argv, 2, network_options_and({"count", "seed", "output", "columns"}), {"help"});
  if (a.flag("help")) return std::fputs(usage, stdout), 0;
  a.expect_positional(2, 2, "CFG and WEIGHTS");
  const std::string& cfg_path = a.positional()[0];
  const int count = a.get_int("count", 16, 1);
  const int seed = a.get_int("seed", 1, 0);
  const std::string out_path = a.get("output", "grid.png");
  if (out_path.empty()) throw UsageError("--output wants a file name");
  // The grid is written as PNG: any other extension would mislabel the bytes.
  check_output(out_path, "--output", ".png", "generate writes a PNG grid", {cfg_path, a.positional()[1]});
  const int columns =
      std::min(count, a.get_int("columns", int(std::ceil(std::sqrt(double(count)) - 1e-9)), 1));
  const int rows = (count + columns - 1) / columns;

  // Check [net] before building: a full-size net at batch N would allocate for nothing.
  {
    const cfg::Cfg c = cfg::parse_cfg_file(cfg_path);
    if (!c.sections.empty()) {
      const cfg::Section& s = c.sections.front();
      const int w = s.get_int("width", 0), h = s.get_int("height", 0);
      if ((w > 0 || h > 0) && (w != 1 || h != 1))
        throw UsageError(cfg_path + ": [net] is " + std::to_string(w) + " x " + std::to_string(h) + " x " +
                         std::to_string(s.get_int("channels", 0)) + kNotLatent);
    }
  }
  NetworkOptions opt = network_options(a);
  if (opt.batch == 0) opt.batch = std::min(count, kDefaultBatch);
  if (opt.batch > count) {  // --batch 1000 --count 2 computed 1000 samples to keep 2
    std::fprintf(stderr, "huge2 generate: --batch %d is more than --count %d: running batches of %d\n", opt.batch,
                 count, count);
    opt.batch = count;
  }
  const int threads = apply_threads(a);
  Network net = load_network(cfg_path, opt);
  const Shape3 in = net.input_shape(), o = net.output_shape();
  if (in.w != 1 || in.h != 1)
    throw UsageError(cfg_path + ": [net] is " + in.str() + kNotLatent);
  if (o.c != 1 && o.c != 3)
    throw UsageError(cfg_path + ": the last layer's output is " + o.str() +
                     "; generate writes images and needs 1 or 3 channels");
  {  // the latent vectors, the float grid and its 8-bit copy, before allocating them
    const uint64_t grid_px = (uint64_t(columns) * (o.w + kGap)) * (uint64_t(rows) * (o.h + kGap)) * o.c;
    const uint64_t need = uint64_t(count) * in.c * sizeof(float) + grid_px * (sizeof(float) + 2);
    const uint64_t budget = opt.max_memory ? opt.max_memory : available_memory_bytes();
    // libpng refuses a side over 1000000 pixels (its user limit), but only
    // when writing, after every image is computed: check first.
    const uint64_t gw = uint64_t(columns) * (o.w + kGap) - kGap, gh = uint64_t(rows) * (o.h + kGap) - kGap;
    if (gw > kMaxPngSide || gh > kMaxPngSide)
      throw UsageError("--count " + std::to_string(count) + " --columns " + std::to_string(columns) + ": the grid is " +
                       std::to_string(gw) + " x " + std::to_string(gh) + " pixels; PNG writers take at most " +
                       std::to_string(kMaxPngSide) + " a side (choose --columns nearer sqrt(count))");
    if (grid_px > uint64_t(INT32_MAX) || (budget && need > budget))
      throw UsageError("--count " + std::to_string(count) + ": the grid of " + std::to_string(columns) + " x " +
                       std::to_string(rows) + " images of " + o.str() + " needs " + format_bytes(need) +
                       (budget ? ", more than the " + format_bytes(budget) + " available" : ", too large"));
  }
  load_weights_noting(net, a.positional()[1], "generate");

  // All latent vectors first, in order: the images do not depend on the batch.
  const int z = in.c, batch = net.batch();
  std::mt19937 rng{unsigned(seed)};
  std::normal_distribution<float> normal(0.f, 1.f);
  std::vector<float> latent(size_t(count) * z);
  for (float& v : latent) v = normal(rng);

  // The grid, planar, background -1 (black after the [-1,1] mapping).
  const int gw = columns * o.w + (columns - 1) * kGap, gh = rows * o.h + (rows - 1) * kGap;
  std::vector<float> grid(size_t(o.c) * gw * gh, -1.f);
  std::vector<float> x(size_t(batch) * z, 0.f);
  const size_t tile = o.size();
  double ms = 0;
  float lo = INFINITY, hi = -INFINITY;
  for (int first = 0; first < count; first += batch) {
    const int n = std::min(batch, count - first);
    std::fill(x.begin(), x.end(), 0.f);
    std::copy(latent.begin() + size_t(first) * z, latent.begin() + size_t(first + n) * z, x.begin());
    const auto t0 = std::chrono::steady_clock::now();
    const float* y = net.forward(x.data());
    ms += ms_since(t0);
    if (first == 0) report_non_finite(net, "generate", x.data());
    for (int i = 0; i < n; ++i) {
      const int idx = first + i, gx = (idx % columns) * (o.w + kGap), gy = (idx / columns) * (o.h + kGap);
      const float* img = y + size_t(i) * tile;
      for (int k = 0; k < o.c; ++k)
        for (int r = 0; r < o.h; ++r)
          for (int c = 0; c < o.w; ++c) {
            const float v = img[(size_t(k) * o.h + r) * o.w + c];
            lo = std::min(lo, v), hi = std::max(hi, v);
            grid[(size_t(k) * gh + gy + r) * gw + gx + c] = v;
          }
    }
  }
  save_image_png(out_path, grid.data(), o.c, gh, gw, -1.f, 1.f);
  std::printf("generated %d images of %d x %d x %d from %d-d latents (seed %d), batch %d, %d threads\n", count,
              o.w, o.h, o.c, z, seed, batch, threads);
  std::printf("forward: %.3f ms total, %.3f ms per image\n", ms, ms / count);
  if (lo < -1.001f || hi > 1.001f)
    std::printf("note: outputs span [%.3g, %.3g]; values outside [-1, 1] were clamped (is the last layer tanh?)\n",
                double(lo), double(hi));
  std::printf("wrote %s: %d x %d grid (%d columns x %d rows)\n", out_path.c_str(), gw, gh, columns, rows);
  return 0;
}

}  // namespace huge2::cli
