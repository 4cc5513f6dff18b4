// [yolo]: YOLOv3's output layer. At inference Darknet squashes, for each of
// the layer's anchors (mask), x and y, the objectness and the class scores
// with the logistic function and leaves w and h raw; the boxes are decoded
// afterwards (detection_boxes.cpp). Training keys (jitter, ignore_thresh,
// truth_thresh, random, max) are read and have no effect here.
#include <cmath>
#include <cstring>

#include "core/activation.h"
#include "detection_boxes.h"
#include "layer_common.h"

namespace huge2 {
namespace {

class YoloLayer : public Layer, public BoxSource {
 public:
  YoloLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = out_ = ctx.input;
    classes_ = read_int_at_least(s, ctx, "classes", 20, 0);
    const int total = read_int_at_least(s, ctx, "num", 1, 1);
    if (s.has("mask")) {
      try {
        mask_ = s.get_int_list("mask");
      } catch (const std::exception& e) {
        fail(ctx, e.what());
      }
      for (int m : mask_)
        if (m < 0 || m >= total)
          fail(ctx, "mask entry " + std::to_string(m) + " is not an anchor index below num=" + std::to_string(total));
    } else {
      for (int i = 0; i < total; ++i) mask_.push_back(i);
    }
    anchors_ = read_anchors(s, ctx, total);
    const int want = checked_count(ctx, "anchors x (4 + 1 + classes)", {int64_t(mask_.size()), 5 + int64_t(classes_)});
    if (in_.c != want)
      fail(ctx, "the input has " + std::to_string(in_.c) + " channels but " + std::to_string(mask_.size()) +
                    " anchors x (4 + 1 + " + std::to_string(classes_) + " classes) = " + std::to_string(want) +
                    " (filters= of the layer before)");
    for (const char* k : {"jitter", "ignore_thresh", "truth_thresh"}) s.get_float(k, 0);
    for (const char* k : {"random", "max"}) s.get_int(k, 0);
  }
  const char* type() const override { return "yolo"; }
  std::string describe() const override {
    return std::to_string(mask_.size()) + " anchors, " + std::to_string(classes_) + " classes";
  }

  void forward(const ForwardArgs& a) const override {
    std::memcpy(a.output, a.input, out_.size() * a.batch * sizeof(float));
    const size_t plane = size_t(out_.h) * out_.w;
    for (int b = 0; b < a.batch; ++b)
      for (size_t n = 0; n < mask_.size(); ++n) {
        float* entry = a.output + b * out_.size() + n * plane * (5 + classes_);
        activate_array(entry, 2 * plane, Activation::logistic);                          // x, y
        activate_array(entry + 4 * plane, (1 + size_t(classes_)) * plane, Activation::logistic);  // object, classes
      }
  }

  // Darknet's get_yolo_detections: one box per cell and anchor whose
  // objectness is above thresh; class probability objectness * score, kept
  // when above thresh. x, y in cells; w, h from the anchor in network pixels.
  void boxes(const float* out, const BoxFrame& f, float thresh, std::vector<Detection>& dets) const override {
    const size_t plane = size_t(out_.h) * out_.w;
    std::vector<Detection> mine;
    for (size_t i = 0; i < plane; ++i) {
      const int row = int(i / out_.w), col = int(i % out_.w);
      for (size_t n = 0; n < mask_.size(); ++n) {
        const float* e = out + n * plane * (5 + classes_) + i;
        const float objectness = e[4 * plane];
        if (!(objectness > thresh)) continue;  // NaN is above no threshold (it passed `<=`)
        // Anchors in network input pixels.
        const CellAnchor c{row, col, out_.w, out_.h, anchors_[2 * mask_[n]], anchors_[2 * mask_[n] + 1],
                           float(f.net_w), float(f.net_h)};
        mine.push_back(cell_detection(e, plane, c, objectness, 5, classes_, thresh));
      }
    }
    undo_letterbox(mine, f);
    dets.insert(dets.end(), mine.begin(), mine.end());
  }
  int classes() const override { return classes_; }

 private:
  int classes_ = 20;
  std::vector<int> mask_;
  std::vector<float> anchors_;
};

}  // namespace

std::unique_ptr<Layer> make_yolo(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<YoloLayer>(s, ctx);
}

}  // namespace huge2
