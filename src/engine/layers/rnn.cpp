// [rnn]: Darknet's vanilla recurrent layer, three [connected] layers (input,
// self, output; each with the layer's activation and batch_normalize). The
// network's batch holds time_steps steps of batch / time_steps sequences; at
// each step
//   state = (shortcut ? state : 0) + input_layer(x_t) + self_layer(state)
//   y_t   = output_layer(state)
// (self_layer reads the state before the update). As in Darknet at
// inference, the state starts at 0 and carries over from one forward pass to
// the next (char-rnn generation feeds one character per pass). .weights:
// the three connected records in that order.
#include <algorithm>
#include <vector>

#include "layer_common.h"
#include "recurrent_part.h"

namespace huge2 {
namespace {

class RnnLayer : public Layer {
 public:
  RnnLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    outputs_ = read_int_at_least(s, ctx, "output", 1, 1);
    const std::string activation = s.get_string("activation", "logistic");
    const bool bn = s.get_int("batch_normalize", 0) != 0;
    shortcut_ = s.get_int("shortcut", 0) != 0;
    steps_ = ctx.time_steps;
    step_batch_ = step_batch(ctx);
    out_ = {outputs_, 1, 1};
    input_layer_ = make_connected_part(s, ctx, int(in_.size()), outputs_, activation, bn);
    self_layer_ = make_connected_part(s, ctx, outputs_, outputs_, activation, bn);
    output_layer_ = make_connected_part(s, ctx, outputs_, outputs_, activation, bn);
    state_.assign(size_t(step_batch_) * outputs_, 0.f);
    scratch_.assign(2 * size_t(step_batch_) * outputs_, 0.f);
  }
  const char* type() const override { return "rnn"; }
  std::string describe() const override {
    return std::to_string(in_.size()) + " -> " + std::to_string(outputs_) + (steps_ > 1 ? ", " + std::to_string(steps_) + " steps" : "");
  }
  double flops() const override {
    return double(steps_) * (input_layer_->flops() + self_layer_->flops() + output_layer_->flops());
  }
  size_t parameter_count() const override {
    return input_layer_->parameter_count() + self_layer_->parameter_count() + output_layer_->parameter_count();
  }

  void forward(const ForwardArgs& a) const override {
    const size_t n = size_t(step_batch_) * outputs_;
    float* from_input = scratch_.data();
    float* from_self = scratch_.data() + n;
    for (int t = 0; t < steps_; ++t) {
      const float* x = a.input + size_t(t) * step_batch_ * in_.size();
      forward_part(*input_layer_, a, step_batch_, x, from_input);
      forward_part(*self_layer_, a, step_batch_, state_.data(), from_self);
      if (!shortcut_) std::fill(state_.begin(), state_.end(), 0.f);
      for (size_t i = 0; i < n; ++i) state_[i] += from_input[i] + from_self[i];
      forward_part(*output_layer_, a, step_batch_, state_.data(), a.output + size_t(t) * n);
    }
  }
  void load(WeightReader& r) override {
    for (Layer* l : {input_layer_.get(), self_layer_.get(), output_layer_.get()}) l->load(r);
  }
  void save(WeightWriter& w) const override {
    for (const Layer* l : {input_layer_.get(), self_layer_.get(), output_layer_.get()}) l->save(w);
  }
  void randomize(unsigned seed) override {
    input_layer_->randomize(seed), self_layer_->randomize(seed + 1), output_layer_->randomize(seed + 2);
  }

 private:
  int outputs_ = 1, steps_ = 1, step_batch_ = 1;
  bool shortcut_ = false;
  std::unique_ptr<Layer> input_layer_, self_layer_, output_layer_;
  // Darknet's layer state: carried from one forward pass to the next.
  mutable std::vector<float> state_, scratch_;
};

}  // namespace

std::unique_ptr<Layer> make_rnn(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<RnnLayer>(s, ctx);
}

}  // namespace huge2
