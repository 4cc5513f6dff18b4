// [cost]: the training loss at the end of a net (an autoencoder's sse, ...).
// Darknet computes it only when a truth is given and leaves the layer's own
// output at 0 otherwise; its network output is then the layer before. huge2
// has no truth at inference, so the layer passes its input through: the
// network's output is the same values Darknet's network_predict returns.
#include <cstring>

#include "layer_common.h"

namespace huge2 {
namespace {

class CostLayer : public Layer {
 public:
  CostLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = out_ = ctx.input;
    kind_ = s.get_string("type", "sse");
    static const char* const kinds[] = {"sse", "masked", "smooth", "L1", "seg", "wgan"};
    bool known = false;
    for (const char* k : kinds) known = known || kind_ == k;
    if (!known) fail(ctx, "type=" + kind_ + " is not a Darknet cost (sse, masked, smooth, L1, seg, wgan)");
    for (const char* k : {"scale", "ratio", "noobj", "thresh"}) s.get_float(k, 0);
  }
  const char* type() const override { return "cost"; }
  std::string describe() const override { return kind_ + " (inference: identity)"; }
  std::string stock_darknet_difference() const override {
    return "stock Darknet leaves a [cost] layer's output at 0 without a truth (huge2 passes its input through)";
  }
  void forward(const ForwardArgs& a) const override {
    std::memcpy(a.output, a.input, out_.size() * a.batch * sizeof(float));
  }

 private:
  std::string kind_;
};

}  // namespace

std::unique_ptr<Layer> make_cost(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<CostLayer>(s, ctx);
}

}  // namespace huge2
