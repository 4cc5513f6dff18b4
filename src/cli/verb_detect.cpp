// huge2 detect CFG WEIGHTS IMAGE: object detection with a YOLO cfg, the way
// Darknet's `detector test` does it: letterbox, forward, the boxes of every
// [yolo]/[region] layer, NMS, boxes printed and drawn into a PNG.
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <sstream>

#include "common.h"
#include "output_checks.h"
#include "detect_image.h"
#include "input_file.h"
#include "verbs_image.h"

namespace huge2::cli {
namespace {

constexpr uint64_t kMaxNamesBytes = uint64_t(16) << 20;  // ImageNet-22k names are 0.5 MB

std::vector<std::string> read_names(const std::string& path) {
  std::vector<std::string> names;
  if (path.empty()) return names;
  // Bounded, and a directory is an error (it read as an empty names file).
  std::istringstream f(read_file_bounded(path, kMaxNamesBytes, "a names file"));
  for (std::string line; std::getline(f, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    names.push_back(line);
  }
  return names;
}

}  // namespace

int verb_detect(int argc, char** argv) {
  static const char* usage =
      "usage: huge2 detect CFG WEIGHTS IMAGE [--thresh T] [--nms N] [--names FILE] [--output OUT.png]\n"
      "                    [--algorithm darknet|huge2] [--threads T]\n"
      "Object detection with a YOLO cfg ([yolo] or [region] output layers), as Darknet's\n"
      "`detector test`: the image (RGB in [0,1]) is letterboxed into the [net] size (Darknet's\n"
      "letterbox_image), the boxes of every [yolo]/[region] layer whose objectness is above T\n"
      "(default 0.5) are mapped back to the image, Darknet's do_nms_sort runs with IoU N (default\n"
      "0.45; 0 turns it off), and every class above T is printed ('name: 87%' and the box in\n"
      "pixels: left top right bottom) and drawn into OUT.png (default predictions.png). Names come\n"
      "from FILE (one per line, like coco.names), else 'class N'.\n";
  Args a(argc, argv, 2, network_options_and({"thresh", "nms", "names", "output"}), {"help"});
  if (a.flag("help")) return std::fputs(usage, stdout), 0;
  a.expect_positional(3, 3, "CFG, WEIGHTS and IMAGE");
  const float thresh = fraction_option(a, "thresh", .5f), nms = fraction_option(a, "nms", .45f);
  const std::string output = a.get("output", "predictions.png");
  check_output(output, "--output", ".png", "detect writes a PNG image",
               {a.positional()[0], a.positional()[1], a.positional()[2], a.get("names", "")});
  const std::vector<std::string> names = read_names(a.get("names", ""));
  const NetworkOptions opt = one_image_options(a, "detect");
  const int threads = apply_threads(a);
  Network net = load_network(a.positional()[0], opt);
  const Shape3 in = net.input_shape();
  if (in.c != 3) throw UsageError(a.positional()[0] + ": [net] channels=" + std::to_string(in.c) + "; detect reads RGB images");
  if (!has_box_layer(net))
    throw std::runtime_error(a.positional()[0] + ": the network has no [yolo] or [region] layer: no boxes to detect");
  load_weights_noting(net, a.positional()[1], "detect");

  Image image = load_image(a.positional()[2], 3, kMaxImagePixels, image_budget(net, opt));
  const Image x = letterbox_darknet(image, in.w, in.h);
  const auto t0 = std::chrono::steady_clock::now();
  net.forward(x.data.data());
  const double ms = ms_since(t0);
  report_non_finite(net, "detect", x.data.data());
  int classes = 0;
  std::vector<Detection> dets = network_boxes(net, {in.w, in.h, image.w, image.h, true}, thresh, &classes);
  const size_t candidates = dets.size();
  if (nms > 0) nms_sort(dets, classes, nms);
  const std::vector<Labelled> boxes = labelled_boxes(dets, thresh, image.w, image.h);

  std::printf("%s: Predicted in %.3f ms (%d threads); %zu boxes above %.2f, %zu after NMS %.2f\n",
              a.positional()[2].c_str(), ms, threads, candidates, double(thresh), boxes.size(), double(nms));
  for (const Labelled& b : boxes) {
    const std::string name =
        size_t(b.cls) < names.size() ? names[size_t(b.cls)] : "class " + std::to_string(b.cls);
    std::printf("%s: %.0f%%  %d %d %d %d\n", name.c_str(), double(b.prob) * 100, b.left, b.top, b.right, b.bottom);
  }
  draw_boxes(image, boxes);
  save_image_png(output, image);
  std::printf("wrote %s (%d x %d)\n", output.c_str(), image.w, image.h);
  return 0;
}

}  // namespace huge2::cli
