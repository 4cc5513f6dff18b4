// What Darknet's recurrent layers ([rnn], [lstm], [gru], [crnn]) are made
// of: fully connected (or 3x3 convolutional) sub-layers run one time step
// (batch / time_steps rows) at a time, built here as ordinary [connected] and
// [convolutional] layers of their own.
#pragma once
#include <memory>
#include <string>

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
  part.forward({x, y, a.workspace, a.workspace_bytes, step_rows, a.outputs});
}

}  // namespace huge2
