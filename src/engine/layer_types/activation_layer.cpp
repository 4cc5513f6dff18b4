// [activation]: an activation function on its own (default linear).
#include <cstring>

#include "core/activation.h"
#include "layer_common.h"

namespace huge2 {
namespace {

class ActivationLayer : public Layer {
 public:
  ActivationLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = out_ = ctx.input;
    activation_ = read_activation(s, ctx, "linear");
  }
  const char* type() const override { return "activation"; }
  std::string describe() const override { return activation_name(activation_); }
  bool runs_in_place() const override { return true; }
  void forward(const ForwardArgs& a) const override {
    const size_t n = out_.size() * a.batch;
    copy_input_unless_in_place(a, n);
    activate_parallel(a.output, n, activation_, a.pool);
  }

 private:
  Activation activation_ = Activation::linear;
};

}  // namespace

std::unique_ptr<Layer> make_activation(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<ActivationLayer>(s, ctx);
}

}  // namespace huge2
