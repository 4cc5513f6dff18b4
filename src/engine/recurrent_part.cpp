#include "recurrent_part.h"

#include <algorithm>

#include "layer_common.h"

namespace huge2 {

std::unique_ptr<Layer> make_connected(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_convolutional(const cfg::Section&, const BuildContext&);

namespace {

// An option of a part's section, made here at the recurrent layer's line
// (the other members keep their defaults).
cfg::Option part_option(const std::string& key, const std::string& value, int line) {
  cfg::Option o;
  o.key = key, o.value = value, o.line = line;
  return o;
}

}  // namespace

std::unique_ptr<Layer> make_connected_part(const cfg::Section& s, const BuildContext& ctx, int inputs, int outputs,
                                           const std::string& activation, bool batch_normalize) {
  cfg::Section c;
  c.type = "connected", c.file = s.file, c.line = s.line;
  c.options = {part_option("output", std::to_string(outputs), s.line), part_option("activation", activation, s.line),
               part_option("batch_normalize", batch_normalize ? "1" : "0", s.line)};
  BuildContext sub = ctx;
  sub.input = {inputs, 1, 1};
  // The network allocates its own layers after its memory check; a part is
  // the recurrent layer's, so it is allocated here.
  std::unique_ptr<Layer> part = make_connected(c, sub);
  if (!ctx.shapes_only) part->allocate();
  return part;
}

std::unique_ptr<Layer> make_convolutional_part(const cfg::Section& s, const BuildContext& ctx, Shape3 input,
                                               int filters, const std::string& activation, bool batch_normalize) {
  cfg::Section c;
  c.type = "convolutional", c.file = s.file, c.line = s.line;
  c.options = {part_option("filters", std::to_string(filters), s.line), part_option("size", "3", s.line),
               part_option("stride", "1", s.line),                      part_option("pad", "1", s.line),
               part_option("activation", activation, s.line),
               part_option("batch_normalize", batch_normalize ? "1" : "0", s.line)};
  BuildContext sub = ctx;
  sub.input = input;
  sub.batch = step_batch(ctx);  // the operator is built for the rows it runs on
  std::unique_ptr<Layer> part = make_convolutional(c, sub);
  if (!ctx.shapes_only) part->allocate();
  return part;
}

int step_batch(const BuildContext& ctx) {
  if (ctx.time_steps < 1 || ctx.batch % ctx.time_steps)
    fail(ctx, "the batch (" + std::to_string(ctx.batch) + ") is not a multiple of [net] time_steps=" +
                  std::to_string(ctx.time_steps));
  return ctx.batch / ctx.time_steps;
}

size_t RecurrentLayer::parameter_count() const {
  size_t p = 0;
  for (const auto& part : parts_) p += part->parameter_count();
  return p;
}

void RecurrentLayer::load(WeightReader& r) {
  for (auto& part : parts_) part->load(r);
}

void RecurrentLayer::save(WeightWriter& w) const {
  for (const auto& part : parts_) part->save(w);
}

void RecurrentLayer::randomize(unsigned seed) {
  for (size_t i = 0; i < parts_.size(); ++i) parts_[i]->randomize(seed + seed_offsets_[i]);
}

Layer* RecurrentLayer::add_part(std::unique_ptr<Layer> part, unsigned seed_offset) {
  parts_.push_back(std::move(part));
  seed_offsets_.push_back(seed_offset);
  return parts_.back().get();
}

double RecurrentLayer::parts_flops() const {
  double f = 0;
  for (const auto& part : parts_) f += part->flops();
  return f;
}

void ElmanLayer::read_recurrence(const cfg::Section& s, const BuildContext& ctx) {
  shortcut_ = s.get_int("shortcut", 0) != 0;
  steps_ = ctx.time_steps;
  step_batch_ = step_batch(ctx);
}

void ElmanLayer::set_parts(std::unique_ptr<Layer> input, std::unique_ptr<Layer> self, std::unique_ptr<Layer> output) {
  const size_t n = size_t(step_batch_) * self->out().size();
  input_ = add_part(std::move(input), 0);
  self_ = add_part(std::move(self), 1);
  output_ = add_part(std::move(output), 2);
  state_.assign(n, 0.f);
  scratch_.assign(2 * n, 0.f);
}

size_t ElmanLayer::workspace_bytes() const {
  return std::max({input_->workspace_bytes(), self_->workspace_bytes(), output_->workspace_bytes()});
}

void ElmanLayer::forward(const ForwardArgs& a) const {
  const size_t n = state_.size();
  const size_t in_step = size_t(step_batch_) * input_->in().size();
  const size_t out_step = size_t(step_batch_) * output_->out().size();
  float* from_input = scratch_.data();
  float* from_self = scratch_.data() + n;
  for (int t = 0; t < steps_; ++t) {
    forward_part(*input_, a, step_batch_, a.input + size_t(t) * in_step, from_input);
    forward_part(*self_, a, step_batch_, state_.data(), from_self);
    if (!shortcut_) std::fill(state_.begin(), state_.end(), 0.f);
    for (size_t i = 0; i < n; ++i) state_[i] += from_input[i] + from_self[i];
    forward_part(*output_, a, step_batch_, state_.data(), a.output + size_t(t) * out_step);
  }
}

}  // namespace huge2
