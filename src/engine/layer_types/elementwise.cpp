// Layers that keep the shape: [batchnorm], [dropout] (identity at
// inference), [logistic], [softmax].
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "core/activation.h"
#include "operators/channel_softmax.h"
#include "batchnorm.h"
#include "layer_common.h"
#include "weights_file.h"

namespace huge2 {
namespace {

class BatchnormLayer : public Layer {
 public:
  BatchnormLayer(const cfg::Section&, const BuildContext& ctx) { in_ = out_ = ctx.input; }
  const char* type() const override { return "batchnorm"; }
  void allocate() override { norm_ = BatchNorm(in_.c); }  // after the memory check: channels may be many
  size_t parameter_count() const override { return 3 * size_t(in_.c); }
  bool runs_in_place() const override { return true; }
  void forward(const ForwardArgs& a) const override {
    copy_input_unless_in_place(a, out_.size() * a.batch);
    norm_.normalize(a.output, a.batch, size_t(out_.h) * out_.w, a.pool);
  }
  void load(WeightReader& r) override { norm_.load(r); }
  void save(WeightWriter& w) const override { norm_.save(w); }
  void randomize(unsigned seed) override { norm_.randomize(seed); }

 private:
  BatchNorm norm_;
};

class DropoutLayer : public Layer {
 public:
  DropoutLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = out_ = ctx.input;
    probability_ = s.get_float("probability", .5f);
    if (probability_ < 0 || probability_ >= 1) fail(ctx, "probability must be in [0, 1)");
  }
  const char* type() const override { return "dropout"; }
  std::string describe() const override { return "p=" + std::to_string(probability_).substr(0, 4) + " (inference: identity)"; }
  bool runs_in_place() const override { return true; }
  void forward(const ForwardArgs& a) const override {
    copy_input_unless_in_place(a, out_.size() * a.batch);
  }

 private:
  float probability_ = .5f;
};

class LogisticLayer : public Layer {
 public:
  LogisticLayer(const cfg::Section&, const BuildContext& ctx) { in_ = out_ = ctx.input; }
  const char* type() const override { return "logistic"; }
  bool runs_in_place() const override { return true; }
  void forward(const ForwardArgs& a) const override {
    const size_t n = out_.size() * a.batch;
    copy_input_unless_in_place(a, n);
    activate_parallel(a.output, n, Activation::logistic, a.pool);
  }
};

// Darknet's CPU softmax splits each image into `groups` contiguous runs and
// normalises each. spatial=1 (Darknet's GPU path) normalises over channels at
// every pixel instead: the class map of a segmentation net.
class SoftmaxLayer : public Layer {
 public:
  SoftmaxLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = out_ = ctx.input;
    groups_ = read_int_at_least(s, ctx, "groups", 1, 1);
    temperature_ = s.get_float("temperature", 1.f);
    const bool spatial = s.get_int("spatial", 0) != 0;
    if (in_.size() % groups_) fail(ctx, "groups=" + std::to_string(groups_) + " does not divide the input");
    if (!(temperature_ > 0) || !std::isfinite(temperature_)) fail(ctx, "temperature must be > 0 and finite");
    // The layer library's operator: its loops are compiled per ISA (this
    // file is built for the portable baseline).
    if (spatial) per_pixel_.emplace(in_.c, size_t(in_.h) * in_.w, temperature_);
  }
  const char* type() const override { return "softmax"; }
  std::string describe() const override { return per_pixel_ ? "per pixel" : "groups " + std::to_string(groups_); }
  std::string stock_darknet_difference() const override {
    return per_pixel_ ? "stock Darknet's CPU softmax ignores spatial=1 (only its GPU path normalises per pixel)" : "";
  }
  // Both paths read each value before they write its place.
  bool runs_in_place() const override { return true; }
  void forward(const ForwardArgs& a) const override {
    if (per_pixel_) return per_pixel_->run(a.input, a.output, a.batch, a.pool);
    const size_t image = in_.size(), n = image / groups_;
    for (int b = 0; b < a.batch; ++b)
      for (int g = 0; g < groups_; ++g) softmax(a.input + b * image + g * n, a.output + b * image + g * n, n, 1);
  }

 private:
  void softmax(const float* x, float* y, size_t n, size_t stride) const {
    float largest = -INFINITY;
    for (size_t i = 0; i < n; ++i) largest = std::max(largest, x[i * stride]);
    double sum = 0;
    for (size_t i = 0; i < n; ++i) sum += y[i * stride] = std::exp((x[i * stride] - largest) / temperature_);
    for (size_t i = 0; i < n; ++i) y[i * stride] = float(y[i * stride] / sum);
  }

  int groups_ = 1;
  float temperature_ = 1.f;
  std::optional<ChannelSoftmax> per_pixel_;  // spatial=1: normalise over the channels of every pixel
};

}  // namespace

std::unique_ptr<Layer> make_batchnorm(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<BatchnormLayer>(s, ctx);
}
std::unique_ptr<Layer> make_dropout(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<DropoutLayer>(s, ctx);
}
std::unique_ptr<Layer> make_logistic(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<LogisticLayer>(s, ctx);
}
std::unique_ptr<Layer> make_softmax(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<SoftmaxLayer>(s, ctx);
}

}  // namespace huge2
