// huge2 segment CFG WEIGHTS IMAGE: one image through a segmentation net, the
// per-pixel argmax written as a coloured class map and as an overlay.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common.h"
#include "output_checks.h"
#include "image_io.h"
#include "segmentation.h"
#include "verbs_image.h"

namespace huge2::cli {

namespace {

// "data/street-1.png" -> "street-1": the default prefix, in the current directory.
std::string stem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = name.find_last_of('.');
  if (dot != std::string::npos && dot > 0) name.resize(dot);
  return name.empty() ? "segment" : name;
}

}  // namespace

int verb_segment(int argc, char** argv) {
  static const char* usage =
      "usage: huge2 segment CFG WEIGHTS IMAGE [--output-prefix P] [--alpha A]\n"
      "                     [--algorithm darknet|huge2] [--threads T]\n"
      "Semantic segmentation of one image (PNG, JPEG, BMP, ...). The image is read as RGB (grey\n"
      "when [net] channels=1) in [0,1] and resized to the [net] width x height with Darknet's\n"
      "bilinear resize_image; the class of each pixel is the argmax over the channels of the\n"
      "last layer's output (one channel: > 0.5). Writes\n"
      "  P-classes.png  the class map at the output's resolution, one colour per class\n"
      "                 (classes 0-18: the Cityscapes palette, later ones generated)\n"
      "  P-overlay.png  the resized input with the class colours blended in with weight A\n"
      "                 (default 0.5), at the network's input size\n"
      "and prints the fraction of pixels in each class and the timing. P defaults to the image's\n"
      "file name without its extension, in the current directory.\n";
  Args a(argc, argv, 2, network_options_and({"output-prefix", "alpha"}), {"help"});
  if (a.flag("help")) return std::fputs(usage, stdout), 0;
  a.expect_positional(3, 3, "CFG, WEIGHTS and IMAGE");
  const std::string& cfg_path = a.positional()[0];
  const std::string& image_path = a.positional()[2];
  const std::string prefix = a.get("output-prefix", stem(image_path));
  if (prefix.empty()) throw UsageError("--output-prefix wants a value");
  const float alpha = fraction_option(a, "alpha", 0.5f);
  const std::string classes_path = prefix + "-classes.png", overlay_path = prefix + "-overlay.png";
  for (const std::string& out : {classes_path, overlay_path})
    check_output(out, "--output-prefix", ".png", "segment writes PNG images", {cfg_path, a.positional()[1], image_path});

  const NetworkOptions opt = one_image_options(a, "segment");
  const int threads = apply_threads(a);
  Network net = load_network(cfg_path, opt);
  const Shape3 in = net.input_shape(), o = net.output_shape();
  if (in.c != 1 && in.c != 3)
    throw UsageError(cfg_path + ": [net] channels=" + std::to_string(in.c) + "; segment reads images, 1 or 3");
  load_weights_noting(net, a.positional()[1], "segment");

  const auto t_load = std::chrono::steady_clock::now();
  const Image original = load_image(image_path, in.c, kMaxImagePixels, image_budget(net, opt));
  const Image x = resize_darknet(original, in.w, in.h);
  const double load_ms = ms_since(t_load);

  const auto t_fwd = std::chrono::steady_clock::now();
  const float* y = net.forward(x.data.data());
  const double fwd_ms = ms_since(t_fwd);
  report_non_finite(net, "segment", x.data.data());

  const auto t_post = std::chrono::steady_clock::now();
  const ClassMap map = argmax_classes(y, o.c, o.h, o.w);
  const int classes = o.c == 1 ? 2 : o.c;
  const std::vector<double> hist = class_histogram(map, classes);
  save_image_png(classes_path, colourise(map));
  const ClassMap at_input = (map.w == in.w && map.h == in.h) ? map : resize_nearest(map, in.w, in.h);
  save_image_png(overlay_path, overlay(x, at_input, alpha));
  const double post_ms = ms_since(t_post);

  std::printf("%s: %d x %d -> %d x %d x %d (Darknet resize), output %s, %d classes\n", image_path.c_str(),
              original.w, original.h, in.w, in.h, in.c, o.str().c_str(), classes);
  std::printf("class histogram (fraction of %d x %d pixels):\n", map.w, map.h);
  int present = 0;
  for (int k = 0; k < classes; ++k) {
    if (hist[size_t(k)] == 0.0) continue;
    ++present;
    const char* name = classes == 19 ? cityscapes_name(k) : nullptr;
    const auto col = class_colour(k);
    std::printf("  %3d %-14s %7.3f%%   colour #%02x%02x%02x\n", k, name ? name : "", 100.0 * hist[size_t(k)],
                col[0], col[1], col[2]);
  }
  std::printf("  (%d of %d classes present)\n", present, classes);
  std::printf("time: load+resize %.3f ms, forward %.3f ms (%d threads), argmax+write %.3f ms\n", load_ms, fwd_ms,
              threads, post_ms);
  std::printf("wrote %s (%d x %d) and %s (%d x %d, alpha %.2f)\n", classes_path.c_str(), map.w, map.h,
              overlay_path.c_str(), in.w, in.h, double(alpha));
  return 0;
}

}  // namespace huge2::cli
