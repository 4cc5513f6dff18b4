// [region]: YOLOv2's output layer. At inference Darknet squashes x, y and
// (unless background=1) the objectness of each anchor with the logistic
// function, and the class scores with the logistic function or, with
// softmax=1, a softmax over the classes at each cell. Boxes: w and h are the
// anchors in cells (YOLOv3's [yolo] has them in pixels). Training keys are
// read and have no effect; tree= (softmax tree) and coords > 4 are refused.
#include <cmath>
#include <cstring>

#include "core/activation.h"
#include "detection_boxes.h"
#include "layer_common.h"

namespace huge2 {
namespace {

class RegionLayer : public Layer, public BoxSource {
 public:
  RegionLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = out_ = ctx.input;
    coords_ = read_int_at_least(s, ctx, "coords", 4, 4);
    classes_ = read_int_at_least(s, ctx, "classes", 20, 0);
    n_ = read_int_at_least(s, ctx, "num", 1, 1);
    if (coords_ != 4) fail(ctx, "coords=" + std::to_string(coords_) + ": only 4 (boxes without masks) is supported");
    if (s.has("tree")) fail(ctx, "tree= (a softmax tree, YOLO9000) is not supported");
    const int want = checked_count(ctx, "num x (coords + 1 + classes)", {n_, int64_t(coords_) + 1 + classes_});
    if (in_.c != want)
      fail(ctx, "the input has " + std::to_string(in_.c) + " channels but num=" + std::to_string(n_) +
                    " x (coords " + std::to_string(coords_) + " + 1 + " + std::to_string(classes_) +
                    " classes) = " + std::to_string(want) + " (filters= of the layer before)");
    softmax_ = s.get_int("softmax", 0) != 0;
    background_ = s.get_int("background", 0) != 0;
    anchors_ = read_anchors(s, ctx, n_);
    for (const char* k : {"jitter", "thresh", "coord_scale", "object_scale", "noobject_scale", "mask_scale",
                          "class_scale"})
      s.get_float(k, 0);
    for (const char* k : {"log", "sqrt", "max", "rescore", "classfix", "absolute", "random", "bias_match"})
      s.get_int(k, 0);
  }
  const char* type() const override { return "region"; }
  std::string describe() const override {
    return std::to_string(n_) + " anchors, " + std::to_string(classes_) + " classes";
  }

  void forward(const ForwardArgs& a) const override {
    std::memcpy(a.output, a.input, out_.size() * a.batch * sizeof(float));
    const size_t plane = size_t(out_.h) * out_.w, per_anchor = plane * (coords_ + 1 + classes_);
    for (int b = 0; b < a.batch; ++b)
      for (int n = 0; n < n_; ++n) {
        float* e = a.output + b * out_.size() + n * per_anchor;
        activate_array(e, 2 * plane, Activation::logistic);
        if (!background_) activate_array(e + coords_ * plane, plane, Activation::logistic);
        if (!softmax_) activate_array(e + (coords_ + 1) * plane, classes_ * plane, Activation::logistic);
      }
    if (!softmax_) return;
    // Darknet's softmax_cpu over classes + background values, from the raw
    // input, at each cell (values one plane apart).
    const int values = classes_ + (background_ ? 1 : 0);
    const size_t first = (coords_ + (background_ ? 0 : 1)) * plane;
    for (int b = 0; b < a.batch; ++b)
      for (int n = 0; n < n_; ++n)
        for (size_t cell = 0; cell < plane; ++cell) {
          const size_t at = b * out_.size() + n * per_anchor + first + cell;
          const float* x = a.input + at;
          float* y = a.output + at;
          float largest = -INFINITY;
          for (int i = 0; i < values; ++i) largest = std::max(largest, x[i * plane]);
          float sum = 0;
          for (int i = 0; i < values; ++i) sum += y[i * plane] = std::exp(x[i * plane] - largest);
          for (int i = 0; i < values; ++i) y[i * plane] /= sum;
        }
  }

  // Darknet's get_region_detections for image 0 (boxes of zero objectness,
  // which its NMS drops, are left out).
  void boxes(const float* out, const BoxFrame& f, float thresh, std::vector<Detection>& dets) const override {
    const size_t plane = size_t(out_.h) * out_.w, per_anchor = plane * (coords_ + 1 + classes_);
    std::vector<Detection> mine;
    for (size_t i = 0; i < plane; ++i) {
      const int row = int(i / out_.w), col = int(i % out_.w);
      for (int n = 0; n < n_; ++n) {
        const float* e = out + n * per_anchor + i;
        const float scale = background_ ? 1.f : e[coords_ * plane];
        if (!(scale > thresh)) continue;
        // Anchors in grid cells.
        const CellAnchor c{row, col, out_.w, out_.h, anchors_[2 * n], anchors_[2 * n + 1], float(out_.w), float(out_.h)};
        mine.push_back(cell_detection(e, plane, c, scale, coords_ + 1, classes_, thresh));
      }
    }
    undo_letterbox(mine, f);
    dets.insert(dets.end(), mine.begin(), mine.end());
  }
  int classes() const override { return classes_; }

 private:
  int coords_ = 4, classes_ = 20, n_ = 1;
  bool softmax_ = false, background_ = false;
  std::vector<float> anchors_;
};

}  // namespace

std::unique_ptr<Layer> make_region(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<RegionLayer>(s, ctx);
}

}  // namespace huge2
