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

class RnnLayer : public RecurrentLayer {
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
    input_layer_ = add_part(make_connected_part(s, ctx, int(in_.size()), outputs_, activation, bn), 0);
    self_layer_ = add_part(make_connected_part(s, ctx, outputs_, outputs_, activation, bn), 1);
    output_layer_ = add_part(make_connected_part(s, ctx, outputs_, outputs_, activation, bn), 2);
    state_.assign(size_t(step_batch_) * outputs_, 0.f);
    scratch_.assign(2 * size_t(step_batch_) * outputs_, 0.f);
  }
  const char* type() const override { return "rnn"; }
  std::string describe() const override {
    return std::to_string(in_.size()) + " -> " + std::to_string(outputs_) + (steps_ > 1 ? ", " + std::to_string(steps_) + " steps" : "");
  }
  double flops() const override { return double(steps_) * parts_flops(); }

  void forward(const ForwardArgs& a) const override {
    elman_forward({input_layer_, self_layer_, output_layer_}, a, steps_, step_batch_, shortcut_, state_,
                  scratch_.data());
  }

 private:
  int outputs_ = 1, steps_ = 1, step_batch_ = 1;
  bool shortcut_ = false;
  Layer *input_layer_ = nullptr, *self_layer_ = nullptr, *output_layer_ = nullptr;  // parts
  // Darknet's layer state: carried from one forward pass to the next.
  mutable std::vector<float> state_, scratch_;
};

}  // namespace

std::unique_ptr<Layer> make_rnn(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<RnnLayer>(s, ctx);
}

}  // namespace huge2
