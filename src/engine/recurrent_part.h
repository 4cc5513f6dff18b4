// What Darknet's recurrent layers ([rnn], [lstm], [gru], [crnn]) are made
// of: fully connected (or 3x3 convolutional) sub-layers run one time step
// (batch / time_steps rows) at a time, built here as ordinary [connected] and
// [convolutional] layers of their own.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "layer.h"

namespace huge2 {

// A [connected] layer inputs -> outputs for one of s's parts (its messages
// name s's file and line).
std::unique_ptr<Layer> make_connected_part(const cfg::Section& s, const BuildContext& ctx, int inputs, int outputs,
                                           const std::string& activation, bool batch_normalize);

// A 3x3 / 1, pad 1 [convolutional] layer on `input` (one time step of
// step_batch images) for one of s's parts ([crnn]).
std::unique_ptr<Layer> make_convolutional_part(const cfg::Section& s, const BuildContext& ctx, Shape3 input,
                                               int filters, const std::string& activation, bool batch_normalize);

// The time-step batch: ctx.batch / ctx.time_steps, or NetworkError when the
// batch does not hold whole steps.
int step_batch(const BuildContext& ctx);

// Runs part on step_rows rows of x into y.
inline void forward_part(const Layer& part, const ForwardArgs& a, int step_rows, const float* x, float* y) {
  part.forward({x, y, a.workspace, a.workspace_bytes, step_rows, a.outputs, a.pool});
}

// A layer made of parts: parameters, .weights and random values are the
// parts', in the order of add_part() (Darknet's .weights order).
class RecurrentLayer : public Layer {
 public:
  size_t parameter_count() const override;
  void load(WeightReader& r) override;
  void save(WeightWriter& w) const override;
  void randomize(unsigned seed) override;  // each part: seed + its seed_offset

 protected:
  // Appends a part to the .weights order and returns it.
  Layer* add_part(std::unique_ptr<Layer> part, unsigned seed_offset);
  // Multiply-adds of one step through every part.
  double parts_flops() const;

 private:
  std::vector<std::unique_ptr<Layer>> parts_;
  std::vector<unsigned> seed_offsets_;
};

// Darknet's [rnn] and [crnn]: an input, a self and an output part and the
// Elman recurrence over [net] time_steps steps of step_batch rows:
//   state = (shortcut ? state : 0) + input(x_t) + self(state)
//   y_t = output(state)
// The state starts at 0 and carries over from one forward pass to the next.
class ElmanLayer : public RecurrentLayer {
 public:
  double flops() const override { return double(steps_) * parts_flops(); }
  size_t workspace_bytes() const override;  // the largest part's
  void forward(const ForwardArgs& a) const override;

 protected:
  // Reads shortcut= and the time steps (call after the layer's own keys).
  void read_recurrence(const cfg::Section& s, const BuildContext& ctx);
  // The parts, in .weights order (seeds +0, +1, +2); the state is the self
  // part's output.
  void set_parts(std::unique_ptr<Layer> input, std::unique_ptr<Layer> self, std::unique_ptr<Layer> output);

  int steps_ = 1, step_batch_ = 1;
  bool shortcut_ = false;
  const Layer* input_ = nullptr;
  const Layer* self_ = nullptr;
  const Layer* output_ = nullptr;

 private:
  mutable std::vector<float> state_, scratch_;  // Darknet's layer state
};

}  // namespace huge2
