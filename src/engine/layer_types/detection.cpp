// [detection]: YOLOv1's output layer. At inference Darknet copies its input
// and, with softmax=1, applies a softmax to the class scores of each of the
// side x side cells (the first side*side*classes values). The layer has no
// image shape in Darknet; huge2 keeps the input's. Its boxes are not decoded
// by `huge2 detect` (Darknet's get_detection_detections gives pixels where
// its drawing code wants fractions). Training keys are read and unused.
#include <cmath>
#include <cstring>

#include "layer_common.h"

namespace huge2 {
namespace {

class DetectionLayer : public Layer {
 public:
  DetectionLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = out_ = ctx.input;
    const int coords = read_int_at_least(s, ctx, "coords", 1, 0);
    classes_ = read_int_at_least(s, ctx, "classes", 1, 1);
    const int num = read_int_at_least(s, ctx, "num", 1, 1);
    side_ = read_int_at_least(s, ctx, "side", 7, 1);
    const size_t want = size_t(checked_count(ctx, "side^2 x ((1 + coords) x num + classes)",
                                             {side_, side_, (1 + int64_t(coords)) * num + classes_}));
    if (in_.size() != want)
      fail(ctx, "the input has " + std::to_string(in_.size()) + " values but side^2 x ((1 + coords) x num + classes) = " +
                    std::to_string(want));
    softmax_ = s.get_int("softmax", 0) != 0;
    for (const char* k : {"rescore", "sqrt", "max", "forced", "random", "reorg"}) s.get_int(k, 0);
    for (const char* k : {"coord_scale", "object_scale", "noobject_scale", "class_scale", "jitter"}) s.get_float(k, 0);
  }
  const char* type() const override { return "detection"; }
  std::string describe() const override { return "side " + std::to_string(side_) + ", " + std::to_string(classes_) + " classes"; }

  void forward(const ForwardArgs& a) const override {
    std::memcpy(a.output, a.input, out_.size() * a.batch * sizeof(float));
    if (!softmax_) return;
    for (int b = 0; b < a.batch; ++b)
      for (int cell = 0; cell < side_ * side_; ++cell) {
        float* p = a.output + b * out_.size() + size_t(cell) * classes_;
        float largest = -INFINITY, sum = 0;
        for (int i = 0; i < classes_; ++i) largest = std::max(largest, p[i]);
        for (int i = 0; i < classes_; ++i) sum += p[i] = std::exp(p[i] - largest);
        for (int i = 0; i < classes_; ++i) p[i] /= sum;
      }
  }

 private:
  int classes_ = 1, side_ = 7;
  bool softmax_ = false;
};

}  // namespace

std::unique_ptr<Layer> make_detection(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<DetectionLayer>(s, ctx);
}

}  // namespace huge2
