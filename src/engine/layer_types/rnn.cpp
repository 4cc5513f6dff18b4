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

class RnnLayer : public ElmanLayer {
 public:
  RnnLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    outputs_ = read_int_at_least(s, ctx, "output", 1, 1);
    const std::string activation = s.get_string("activation", "logistic");
    const bool bn = s.get_int("batch_normalize", 0) != 0;
    read_recurrence(s, ctx);
    out_ = {outputs_, 1, 1};
    set_parts(make_connected_part(s, ctx, int(in_.size()), outputs_, activation, bn),
              make_connected_part(s, ctx, outputs_, outputs_, activation, bn),
              make_connected_part(s, ctx, outputs_, outputs_, activation, bn));
  }
  const char* type() const override { return "rnn"; }
  bool keeps_state() const override { return true; }
  std::string describe() const override {
    return std::to_string(in_.size()) + " -> " + std::to_string(outputs_) + (steps_ > 1 ? ", " + std::to_string(steps_) + " steps" : "");
  }

 private:
  int outputs_ = 1;
};

}  // namespace

std::unique_ptr<Layer> make_rnn(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<RnnLayer>(s, ctx);
}

}  // namespace huge2
