#include "recurrent_part.h"

#include "layer_common.h"

namespace huge2 {

std::unique_ptr<Layer> make_connected(const cfg::Section&, const BuildContext&);
std::unique_ptr<Layer> make_convolutional(const cfg::Section&, const BuildContext&);

std::unique_ptr<Layer> make_connected_part(const cfg::Section& s, const BuildContext& ctx, int inputs, int outputs,
                                           const std::string& activation, bool batch_normalize) {
  cfg::Section c;
  c.type = "connected", c.file = s.file, c.line = s.line;
  c.options = {{"output", std::to_string(outputs), s.line},
               {"activation", activation, s.line},
               {"batch_normalize", batch_normalize ? "1" : "0", s.line}};
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
  c.options = {{"filters", std::to_string(filters), s.line},  {"size", "3", s.line},
               {"stride", "1", s.line},                       {"pad", "1", s.line},
               {"activation", activation, s.line},            {"batch_normalize", batch_normalize ? "1" : "0", s.line}};
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

}  // namespace huge2
