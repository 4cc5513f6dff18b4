// [deconvolutional] / [deconv]: Darknet's transposed convolution, bias or
// batch-norm, activation (default logistic, as Darknet). Picks darknet or
// huge2 by the huge2 key.
#include <random>
#include <sstream>

#include "activation.h"
#include "batchnorm.h"
#include "deconvolution.h"
#include "layer_common.h"
#include "weights_file.h"

namespace huge2 {
namespace {

class DeconvolutionalLayer : public Layer {
 public:
  DeconvolutionalLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    shape_.batch = ctx.batch;
    shape_.in_c = in_.c, shape_.in_h = in_.h, shape_.in_w = in_.w;
    shape_.out_c = read_int_at_least(s, ctx, "filters", 1, 1);
    shape_.ksize = read_int_at_least(s, ctx, "size", 1, 1);
    shape_.stride = read_int_at_least(s, ctx, "stride", 1, 1);
    shape_.pad = read_padding(s, ctx, shape_.ksize);
    try {
      activation_ = parse_activation(s.get_string("activation", "logistic"));
      shape_.validate();
    } catch (const std::exception& e) {
      fail(ctx, e.what());
    }
    bn_ = s.get_int("batch_normalize", 0) != 0;
    algo_ = choose_algorithm(s, ctx);
    out_ = {shape_.out_c, shape_.out_h(), shape_.out_w()};
    weights_.assign(shape_.weight_count(), 0.f);
    biases_.assign(shape_.out_c, 0.f);
    if (bn_) norm_ = BatchNorm(shape_.out_c);
    rebuild();
  }

  const char* type() const override { return "deconv"; }
  std::string describe() const override {
    std::ostringstream d;
    d << shape_.out_c << "  " << shape_.ksize << "x" << shape_.ksize << "/" << shape_.stride << " p" << shape_.pad;
    return d.str();
  }
  std::string algorithm() const override {
    std::string a = algorithm_name(algo_);
    if (op_->uses_column_method()) a += "/column";  // in_c >= 8 * out_c: stock column method
    return a;
  }
  size_t workspace_bytes() const override { return op_->workspace_bytes(); }
  double flops() const override { return shape_.flops(); }
  size_t parameter_count() const override {
    return weights_.size() + biases_.size() + (bn_ ? 3 * size_t(shape_.out_c) : 0);
  }

  void forward(const ForwardArgs& a) const override {
    const size_t spatial = size_t(out_.h) * out_.w;
    op_->forward(a.input, a.output, a.workspace, a.workspace_bytes);
    if (bn_) norm_.normalize(a.output, a.batch, spatial);
    add_bias(a.output, biases_.data(), a.batch, out_.c, spatial);
    activate_array(a.output, out_.size() * a.batch, activation_);
  }

  // Same record as [convolutional]: biases, [scales, mean, variance], weights
  // ([in_c][out_c][k][k]).
  void load(WeightReader& r) override {
    r.read(biases_.data(), biases_.size(), "biases");
    if (bn_) norm_.load(r);
    r.read(weights_.data(), weights_.size(), "weights");
    rebuild();
  }
  void save(WeightWriter& w) const override {
    w.write(biases_.data(), biases_.size());
    if (bn_) norm_.save(w);
    w.write(weights_.data(), weights_.size());
  }
  void randomize(unsigned seed) override {
    std::mt19937 rng(seed);
    // Each output sees about in_c * (k/stride)^2 taps.
    const int taps = std::max(1, shape_.ksize / shape_.stride);
    fill_he(weights_, shape_.in_c * taps * taps, rng);
    std::uniform_real_distribution<float> b(-0.1f, 0.1f);
    for (float& v : biases_) v = b(rng);
    if (bn_) norm_.randomize(seed + 1);
    rebuild();
  }

 private:
  void rebuild() { op_ = std::make_unique<Deconvolution>(shape_, algo_, weights_.data()); }

  DeconvShape shape_;
  bool bn_ = false;
  Activation activation_ = Activation::logistic;
  Algorithm algo_ = Algorithm::darknet;
  std::vector<float> weights_, biases_;
  BatchNorm norm_;
  std::unique_ptr<Deconvolution> op_;
};

}  // namespace

std::unique_ptr<Layer> make_deconvolutional(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<DeconvolutionalLayer>(s, ctx);
}

}  // namespace huge2
