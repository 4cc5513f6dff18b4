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

class CrnnLayer : public RecurrentLayer {
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
    input_part_ = add_part(make_convolutional_part(s, ctx, seen, hidden, activation, bn), 0);
    self_part_ = add_part(make_convolutional_part(s, ctx, input_part_->out(), hidden, activation, bn), 1);
    output_part_ = add_part(make_convolutional_part(s, ctx, input_part_->out(), outputs, activation, bn), 2);
    out_ = output_part_->out();
    hidden_ = input_part_->out().size();
    state_.assign(size_t(step_batch_) * hidden_, 0.f);
    scratch_.assign(2 * size_t(step_batch_) * hidden_, 0.f);
  }
  const char* type() const override { return "crnn"; }
  std::string describe() const override { return std::to_string(input_part_->out().c) + " hidden"; }
  double flops() const override { return double(steps_) * parts_flops(); }
  size_t workspace_bytes() const override {
    return std::max({input_part_->workspace_bytes(), self_part_->workspace_bytes(), output_part_->workspace_bytes()});
  }

  void forward(const ForwardArgs& a) const override {
    elman_forward({input_part_, self_part_, output_part_}, a, steps_, step_batch_, shortcut_, state_, scratch_.data());
  }

 private:
  int steps_ = 1, step_batch_ = 1;
  size_t hidden_ = 0;
  bool shortcut_ = false;
  Layer *input_part_ = nullptr, *self_part_ = nullptr, *output_part_ = nullptr;  // parts
  // Darknet's layer state: carried from one forward pass to the next.
  mutable std::vector<float> state_, scratch_;
};

}  // namespace

std::unique_ptr<Layer> make_crnn(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<CrnnLayer>(s, ctx);
}

}  // namespace huge2
