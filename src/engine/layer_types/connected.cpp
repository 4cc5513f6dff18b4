// [connected]: y = W x + b over the flattened input, [batch-norm], activation.
#include <random>

#include "core/activation.h"
#include "batchnorm.h"
#include "bias.h"
#include "stock/gemm.h"
#include "layer_common.h"
#include "core/shapes.h"
#include "weights_file.h"

namespace huge2 {
namespace {

class ConnectedLayer : public Layer {
 public:
  ConnectedLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    outputs_ = read_int_at_least(s, ctx, "output", 1, 1);
    activation_ = read_activation(s, ctx, "logistic");
    bn_ = s.get_int("batch_normalize", 0) != 0;
    out_ = {outputs_, 1, 1};
    if (checked_elements({outputs_, in_.c, in_.h, in_.w}) < 0)
      fail(ctx, "output=" + std::to_string(outputs_) + " on " + std::to_string(in_.size()) +
                    " inputs needs that many times more weights: more than 2^31-1");
  }

  // After the network's memory check: the weights may be the largest array.
  void allocate() override {
    weights_.assign(size_t(outputs_) * in_.size(), 0.f);
    biases_.assign(outputs_, 0.f);
    if (bn_) norm_ = BatchNorm(outputs_);
  }

  const char* type() const override { return "connected"; }
  std::string describe() const override { return std::to_string(in_.size()) + " -> " + std::to_string(outputs_); }
  double flops() const override { return 2.0 * in_.size() * outputs_; }
  size_t parameter_count() const override {
    return size_t(outputs_) * in_.size() + size_t(outputs_) * (bn_ ? 4 : 1);
  }

  void forward(const ForwardArgs& a) const override {
    const int inputs = int(in_.size());
    // Darknet stores W as [outputs][inputs]: out = in * W^T.
    sgemm(false, true, a.batch, outputs_, inputs, 1.f, a.input, inputs, weights_.data(), inputs, 0.f, a.output,
          outputs_);
    if (bn_) norm_.normalize(a.output, a.batch, 1, a.pool);
    add_bias(a.output, biases_.data(), a.batch, outputs_, 1, a.pool);
    activate_parallel(a.output, size_t(outputs_) * a.batch, activation_, a.pool);
  }

  // Darknet's record: biases, weights, then [scales, mean, variance].
  void load(WeightReader& r) override {
    r.read(biases_.data(), biases_.size(), "biases");
    r.read(weights_.data(), weights_.size(), "weights");
    if (r.header().transposed_connected()) transpose();
    if (bn_) norm_.load(r);
  }
  void save(WeightWriter& w) const override {
    w.write(biases_.data(), biases_.size());
    w.write(weights_.data(), weights_.size());
    if (bn_) norm_.save(w);
  }
  void randomize(unsigned seed) override {
    std::mt19937 rng(seed);
    fill_he(weights_, int(in_.size()), rng);
    for (float& b : biases_) b = 0.f;
    if (bn_) norm_.randomize(seed + 1);
  }

 private:
  // Files with major or minor > 1000 hold W as [inputs][outputs].
  void transpose() {
    const size_t rows = in_.size(), cols = size_t(outputs_);
    std::vector<float> t(weights_.size());
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j) t[j * rows + i] = weights_[i * cols + j];
    weights_.swap(t);
  }

  int outputs_ = 1;
  bool bn_ = false;
  Activation activation_ = Activation::logistic;
  std::vector<float> weights_, biases_;
  BatchNorm norm_;
};

}  // namespace

std::unique_ptr<Layer> make_connected(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<ConnectedLayer>(s, ctx);
}

}  // namespace huge2
