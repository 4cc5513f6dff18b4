// [lstm]: Darknet's LSTM, eight linear [connected] parts: u* on the input
// x_t, w* on the previous output h (f forget, i input, g candidate, o output):
//   f = logistic(wf h + uf x)   i = logistic(wi h + ui x)
//   g = tanh(wg h + ug x)       o = logistic(wo h + uo x)
//   c = f * c + i * g           h = o * tanh(c)        y_t = h
// over [net] time_steps steps of batch / time_steps sequences; c and h start
// at 0 and carry over from one forward pass to the next, as in Darknet.
// .weights: wi, wf, wo, wg, ui, uf, uo, ug (Darknet's order).
#include <cmath>
#include <vector>

#include "core/activation.h"
#include "layer_common.h"
#include "recurrent_part.h"

namespace huge2 {
namespace {

class LstmLayer : public RecurrentLayer {
 public:
  LstmLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    outputs_ = read_int_at_least(s, ctx, "output", 1, 1);
    const bool bn = s.get_int("batch_normalize", 0) != 0;
    steps_ = ctx.time_steps;
    step_batch_ = step_batch(ctx);
    out_ = {outputs_, 1, 1};
    // .weights: wi, wf, wo, wg, ui, uf, uo, ug; each part's seed follows f, i, g, o.
    for (int k : kFileOrder) w_[k] = add_part(make_connected_part(s, ctx, outputs_, outputs_, "linear", bn), k);
    for (int k : kFileOrder)
      u_[k] = add_part(make_connected_part(s, ctx, int(in_.size()), outputs_, "linear", bn), 4 + k);
    const size_t n = size_t(step_batch_) * outputs_;
    c_.assign(n, 0.f), h_.assign(n, 0.f), scratch_.assign(8 * n, 0.f);
  }
  const char* type() const override { return "lstm"; }
  bool keeps_state() const override { return true; }
  std::string describe() const override { return std::to_string(in_.size()) + " -> " + std::to_string(outputs_); }
  void forward(const ForwardArgs& a) const override {
    const size_t n = size_t(step_batch_) * outputs_;
    float* gate[4];    // f, i, g, o: w part, then += u part
    float* from_u[4];
    for (int k = 0; k < 4; ++k) gate[k] = scratch_.data() + k * n, from_u[k] = scratch_.data() + (4 + k) * n;
    for (int t = 0; t < steps_; ++t) {
      const float* x = a.input + size_t(t) * step_batch_ * in_.size();
      for (int k = 0; k < 4; ++k) {
        forward_part(*w_[k], a, step_batch_, h_.data(), gate[k]);
        forward_part(*u_[k], a, step_batch_, x, from_u[k]);
        for (size_t i = 0; i < n; ++i) gate[k][i] += from_u[k][i];
        activate_array(gate[k], n, k == kG ? Activation::tanh : Activation::logistic);
      }
      float* y = a.output + size_t(t) * n;
      for (size_t i = 0; i < n; ++i) {
        c_[i] = gate[kF][i] * c_[i] + gate[kI][i] * gate[kG][i];
        h_[i] = gate[kO][i] * std::tanh(c_[i]);
        y[i] = h_[i];
      }
    }
  }

 private:
  enum { kF = 0, kI = 1, kG = 2, kO = 3 };
  static constexpr int kFileOrder[4] = {kI, kF, kO, kG};

  int outputs_ = 1, steps_ = 1, step_batch_ = 1;
  Layer *w_[4] = {}, *u_[4] = {};  // parts: f, i, g, o
  // Darknet's cell and output state: carried from one forward pass to the next.
  mutable std::vector<float> c_, h_, scratch_;
};

}  // namespace

std::unique_ptr<Layer> make_lstm(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<LstmLayer>(s, ctx);
}

}  // namespace huge2
