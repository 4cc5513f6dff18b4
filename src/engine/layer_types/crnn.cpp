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

class CrnnLayer : public ElmanLayer {
 public:
  CrnnLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    batch_ = ctx.batch;
    const int hidden = read_int_at_least(s, ctx, "hidden_filters", 1, 1);
    const int outputs = read_int_at_least(s, ctx, "output_filters", 1, 1);
    const std::string activation = s.get_string("activation", "logistic");
    const bool bn = s.get_int("batch_normalize", 0) != 0;
    read_recurrence(s, ctx);
    const Shape3 seen = {in_.c, in_.w, in_.h};  // Darknet's swapped width and height
    std::unique_ptr<Layer> input = make_convolutional_part(s, ctx, seen, hidden, activation, bn);
    const Shape3 state = input->out();
    std::unique_ptr<Layer> self = make_convolutional_part(s, ctx, state, hidden, activation, bn);
    std::unique_ptr<Layer> output = make_convolutional_part(s, ctx, state, outputs, activation, bn);
    out_ = output->out();
    set_parts(std::move(input), std::move(self), std::move(output));
  }
  const char* type() const override { return "crnn"; }
  bool keeps_state() const override { return true; }
  std::string stock_darknet_cannot_run() const override {
    return batch_ > 1 ? "stock Darknet's [crnn] crashes in im2col at batch " + std::to_string(batch_) : "";
  }
  std::string describe() const override { return std::to_string(input_->out().c) + " hidden"; }

 private:
  int batch_ = 1;
};

}  // namespace

std::unique_ptr<Layer> make_crnn(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<CrnnLayer>(s, ctx);
}

}  // namespace huge2
