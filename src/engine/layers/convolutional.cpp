// [convolutional]: Darknet's convolution (with AlexeyAB's `dilation`), bias or
// batch-norm, activation. Dilated layers pick darknet or huge2 (huge2 key).
#include <random>
#include <sstream>

#include "activation.h"
#include "batchnorm.h"
#include "convolution.h"
#include "layer_common.h"
#include "weights_file.h"

namespace huge2 {
namespace {

class ConvolutionalLayer : public Layer {
 public:
  ConvolutionalLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    n_ = read_int_at_least(s, ctx, "filters", 1, 1);
    size_ = read_int_at_least(s, ctx, "size", 1, 1);
    stride_ = read_int_at_least(s, ctx, "stride", 1, 1);
    pad_ = read_padding(s, ctx, size_);
    groups_ = read_int_at_least(s, ctx, "groups", 1, 1);
    dilation_ = read_int_at_least(s, ctx, "dilation", 1, 1);
    if (size_ == 1) dilation_ = 1;  // as Darknet: a 1x1 kernel has nothing to dilate
    activation_ = parse(s, ctx);
    bn_ = s.get_int("batch_normalize", 0) != 0;
    if (in_.c % groups_ || n_ % groups_)
      fail(ctx, "groups=" + std::to_string(groups_) + " must divide both the " + std::to_string(in_.c) +
                    " input channels and the " + std::to_string(n_) + " filters");
    algo_ = Algorithm::darknet;
    if (dilation_ > 1) {
      algo_ = choose_algorithm(s, ctx);
    } else if (s.has("huge2") && s.get_int("huge2", 0) == 1) {
      fail(ctx, "huge2=1 applies to [deconvolutional] and dilated [convolutional] layers; this one has no dilation");
    }
    shape_.batch = groups_ == 1 ? ctx.batch : 1;
    shape_.in_c = in_.c / groups_, shape_.in_h = in_.h, shape_.in_w = in_.w;
    shape_.out_c = n_ / groups_, shape_.ksize = size_, shape_.stride = stride_, shape_.pad = pad_;
    shape_.dilation = dilation_;
    try {
      shape_.validate();
    } catch (const std::exception& e) {
      fail(ctx, e.what());
    }
    out_ = {n_, shape_.out_h(), shape_.out_w()};
    batch_ = ctx.batch;
    weights_.assign(size_t(n_) * shape_.in_c * size_ * size_, 0.f);
    biases_.assign(n_, 0.f);
    if (bn_) norm_ = BatchNorm(n_);
    rebuild();
  }

  const char* type() const override { return "conv"; }
  std::string describe() const override {
    std::ostringstream d;
    d << n_ << "  " << size_ << "x" << size_ << "/" << stride_;
    if (dilation_ > 1) d << " d" << dilation_;
    if (groups_ > 1) d << " g" << groups_;
    return d.str();
  }
  std::string algorithm() const override {
    if (dilation_ == 1) return "";
    std::string a = algorithm_name(algo_);
    if (op_->falls_back_to_im2col()) a += "/im2col";  // stride > 1 with dilation
    return a;
  }
  size_t workspace_bytes() const override { return op_->workspace_bytes(); }
  double flops() const override { return shape_.flops() * (groups_ == 1 ? 1 : groups_ * batch_); }
  size_t parameter_count() const override { return weights_.size() + biases_.size() + (bn_ ? 3 * n_ : 0); }

  void forward(const ForwardArgs& a) const override {
    const size_t in_img = in_.size(), out_img = out_.size(), spatial = size_t(out_.h) * out_.w;
    if (groups_ == 1) {
      op_->forward(a.input, a.output, a.workspace, a.workspace_bytes);
    } else {
      const size_t gin = in_img / groups_, gout = out_img / groups_;
      for (int b = 0; b < a.batch; ++b)
        for (int g = 0; g < groups_; ++g)
          group_ops_[g].forward(a.input + b * in_img + g * gin, a.output + b * out_img + g * gout, a.workspace,
                                a.workspace_bytes);
    }
    if (bn_) norm_.normalize(a.output, a.batch, spatial);
    add_bias(a.output, biases_.data(), a.batch, n_, spatial);
    activate_array(a.output, out_img * a.batch, activation_);
  }

  // Darknet's record: biases, [scales, mean, variance], weights.
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
    fill_he(weights_, shape_.in_c * size_ * size_, rng);
    std::uniform_real_distribution<float> b(-0.1f, 0.1f);
    for (float& v : biases_) v = b(rng);
    if (bn_) norm_.randomize(seed + 1);
    rebuild();
  }

 private:
  static Activation parse(const cfg::Section& s, const BuildContext& ctx) {
    try {
      return parse_activation(s.get_string("activation", "logistic"));
    } catch (const std::invalid_argument& e) {
      fail(ctx, e.what());
    }
  }

  // Operators pack the weights: rebuilt whenever the weights change.
  void rebuild() {
    if (groups_ == 1) {
      op_ = std::make_unique<Convolution>(shape_, algo_, weights_.data());
      return;
    }
    group_ops_.clear();
    const size_t per_group = weights_.size() / groups_;
    for (int g = 0; g < groups_; ++g) group_ops_.emplace_back(shape_, algo_, weights_.data() + g * per_group);
    op_ = std::make_unique<Convolution>(group_ops_.front());
  }

  int n_ = 0, size_ = 1, stride_ = 1, pad_ = 0, groups_ = 1, dilation_ = 1, batch_ = 1;
  bool bn_ = false;
  Activation activation_ = Activation::logistic;
  Algorithm algo_ = Algorithm::darknet;
  ConvShape shape_;
  std::vector<float> weights_, biases_;
  BatchNorm norm_;
  std::unique_ptr<Convolution> op_;      // groups == 1: the operator; else a copy of group 0 (for sizes)
  std::vector<Convolution> group_ops_;   // groups > 1: one per group, batch 1
};

}  // namespace

std::unique_ptr<Layer> make_convolutional(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<ConvolutionalLayer>(s, ctx);
}

}  // namespace huge2
