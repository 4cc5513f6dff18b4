// [crnn]: Darknet's convolutional RNN, the [rnn] recurrence with three 3x3/1
// pad-1 [convolutional] parts (input c -> hidden_filters, self hidden ->
// hidden, output hidden -> output_filters; each with the layer's activation
// and batch_normalize):
//   state = (shortcut ? state : 0) + input_part(x_t) + self_part(state)
//   y_t   = output_part(state)
// over [net] time_steps steps of batch / time_steps images, the state
// carried from one forward pass to the next. Darknet's parse_crnn hands the
// previous layer's width and height to make_crnn_layer in swapped order, so
// it treats a W x H input as H x W (same values, rows and columns
// reinterpreted) and outputs H x W; kept, since trained weights saw that.
// .weights: the three convolutional records in that order. (Stock fault:
// Darknet's [crnn] declares no workspace for its convolutions; a net whose
// other layers need less overruns Darknet's, or has none.)
#include <algorithm>
#include <vector>

#include "layer_common.h"
#include "recurrent_part.h"

namespace huge2 {
namespace {

class CrnnLayer : public Layer {
 public:
  CrnnLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    const int hidden = read_int_at_least(s, ctx, "hidden_filters", 1, 1);
    const int outputs = read_int_at_least(s, ctx, "output_filters", 1, 1);
    const std::string activation = s.get_string("activation", "logistic");
    const bool bn = s.get_int("batch_normalize", 0) != 0;
    shortcut_ = s.get_int("shortcut", 0) != 0;
    steps_ = ctx.time_steps;
    step_batch_ = step_batch(ctx);
    const Shape3 seen = {in_.c, in_.w, in_.h};  // Darknet's swapped width and height
    input_part_ = make_convolutional_part(s, ctx, seen, hidden, activation, bn);
    self_part_ = make_convolutional_part(s, ctx, input_part_->out(), hidden, activation, bn);
    output_part_ = make_convolutional_part(s, ctx, input_part_->out(), outputs, activation, bn);
    out_ = output_part_->out();
    hidden_ = input_part_->out().size();
    state_.assign(size_t(step_batch_) * hidden_, 0.f);
    scratch_.assign(2 * size_t(step_batch_) * hidden_, 0.f);
  }
  const char* type() const override { return "crnn"; }
  std::string describe() const override { return std::to_string(input_part_->out().c) + " hidden"; }
  double flops() const override {
    return double(steps_) * (input_part_->flops() + self_part_->flops() + output_part_->flops());
  }
  size_t workspace_bytes() const override {
    return std::max({input_part_->workspace_bytes(), self_part_->workspace_bytes(), output_part_->workspace_bytes()});
  }
  size_t parameter_count() const override {
    return input_part_->parameter_count() + self_part_->parameter_count() + output_part_->parameter_count();
  }

  void forward(const ForwardArgs& a) const override {
    const size_t n = size_t(step_batch_) * hidden_;
    float* from_input = scratch_.data();
    float* from_self = scratch_.data() + n;
    for (int t = 0; t < steps_; ++t) {
      const float* x = a.input + size_t(t) * step_batch_ * in_.size();
      forward_part(*input_part_, a, step_batch_, x, from_input);
      forward_part(*self_part_, a, step_batch_, state_.data(), from_self);
      if (!shortcut_) std::fill(state_.begin(), state_.end(), 0.f);
      for (size_t i = 0; i < n; ++i) state_[i] += from_input[i] + from_self[i];
      forward_part(*output_part_, a, step_batch_, state_.data(), a.output + size_t(t) * step_batch_ * out_.size());
    }
  }
  void load(WeightReader& r) override {
    for (Layer* l : {input_part_.get(), self_part_.get(), output_part_.get()}) l->load(r);
  }
  void save(WeightWriter& w) const override {
    for (const Layer* l : {input_part_.get(), self_part_.get(), output_part_.get()}) l->save(w);
  }
  void randomize(unsigned seed) override {
    input_part_->randomize(seed), self_part_->randomize(seed + 1), output_part_->randomize(seed + 2);
  }

 private:
  int steps_ = 1, step_batch_ = 1;
  size_t hidden_ = 0;
  bool shortcut_ = false;
  std::unique_ptr<Layer> input_part_, self_part_, output_part_;
  // Darknet's layer state: carried from one forward pass to the next.
  mutable std::vector<float> state_, scratch_;
};

}  // namespace

std::unique_ptr<Layer> make_crnn(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<CrnnLayer>(s, ctx);
}

}  // namespace huge2
