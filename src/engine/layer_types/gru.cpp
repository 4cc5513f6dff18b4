// [gru]: Darknet's GRU, six linear [connected] parts: u* on the input x_t,
// w* on the state s (z update, r reset, h candidate):
//   z = logistic(wz s + uz x)   r = logistic(wr s + ur x)
//   h = act(wh (r * s) + uh x)  (act: tanh with tanh=1, else logistic)
//   s = z * s + (1 - z) * h     y_t = s
// over [net] time_steps steps of batch / time_steps sequences; the state
// starts at 0 and carries over from one forward pass to the next, as in
// Darknet. .weights: wz, wr, wh, uz, ur, uh (Darknet's order).
#include <vector>

#include "core/activation.h"
#include "layer_common.h"
#include "recurrent_part.h"

namespace huge2 {
namespace {

class GruLayer : public RecurrentLayer {
 public:
  GruLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    outputs_ = read_int_at_least(s, ctx, "output", 1, 1);
    const bool bn = s.get_int("batch_normalize", 0) != 0;
    tanh_ = s.get_int("tanh", 0) != 0;
    steps_ = ctx.time_steps;
    step_batch_ = step_batch(ctx);
    out_ = {outputs_, 1, 1};
    // .weights and seeds: wz, wr, wh, uz, ur, uh.
    for (int k = 0; k < 3; ++k) w_[k] = add_part(make_connected_part(s, ctx, outputs_, outputs_, "linear", bn), k);
    for (int k = 0; k < 3; ++k)
      u_[k] = add_part(make_connected_part(s, ctx, int(in_.size()), outputs_, "linear", bn), 3 + k);
    const size_t n = size_t(step_batch_) * outputs_;
    state_.assign(n, 0.f), scratch_.assign(5 * n, 0.f);
  }
  const char* type() const override { return "gru"; }
  bool keeps_state() const override { return true; }
  std::string describe() const override { return std::to_string(in_.size()) + " -> " + std::to_string(outputs_); }
  void forward(const ForwardArgs& a) const override {
    const size_t n = size_t(step_batch_) * outputs_;
    float *z = scratch_.data(), *r = z + n, *h = r + n, *from_u = h + n, *forgot = from_u + n;
    for (int t = 0; t < steps_; ++t) {
      const float* x = a.input + size_t(t) * step_batch_ * in_.size();
      float* gates[2] = {z, r};
      for (int k = 0; k < 2; ++k) {
        forward_part(*w_[k], a, step_batch_, state_.data(), gates[k]);
        forward_part(*u_[k], a, step_batch_, x, from_u);
        for (size_t i = 0; i < n; ++i) gates[k][i] += from_u[i];
        activate_array(gates[k], n, Activation::logistic);
      }
      for (size_t i = 0; i < n; ++i) forgot[i] = state_[i] * r[i];
      forward_part(*w_[kH], a, step_batch_, forgot, h);
      forward_part(*u_[kH], a, step_batch_, x, from_u);
      for (size_t i = 0; i < n; ++i) h[i] += from_u[i];
      activate_array(h, n, tanh_ ? Activation::tanh : Activation::logistic);
      float* y = a.output + size_t(t) * n;
      for (size_t i = 0; i < n; ++i) y[i] = state_[i] = z[i] * state_[i] + (1 - z[i]) * h[i];
    }
  }

 private:
  enum { kZ = 0, kR = 1, kH = 2 };

  int outputs_ = 1, steps_ = 1, step_batch_ = 1;
  bool tanh_ = false;
  Layer *w_[3] = {}, *u_[3] = {};  // parts: z, r, h
  // Darknet's layer state: carried from one forward pass to the next.
  mutable std::vector<float> state_, scratch_;
};

}  // namespace

std::unique_ptr<Layer> make_gru(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<GruLayer>(s, ctx);
}

}  // namespace huge2
