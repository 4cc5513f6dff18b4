// [iseg]: instance segmentation output, `classes` mask channels followed by
// `ids` embedding channels. At inference Darknet applies the logistic
// function to the mask channels and passes the embeddings through. (Stock
// Darknet's forward then reads a truth unconditionally, so libdarknet cannot
// run it without one; the reference for this layer is its definition.)
#include <cstring>

#include "core/activation.h"
#include "layer_common.h"

namespace huge2 {
namespace {

class IsegLayer : public Layer {
 public:
  IsegLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = out_ = ctx.input;
    classes_ = read_int_at_least(s, ctx, "classes", 20, 0);
    const int ids = read_int_at_least(s, ctx, "ids", 32, 0);
    const int want = checked_count(ctx, "classes + ids", {int64_t(classes_) + ids});
    if (in_.c != want)
      fail(ctx, "the input has " + std::to_string(in_.c) + " channels but classes + ids = " + std::to_string(want));
  }
  const char* type() const override { return "iseg"; }
  std::string describe() const override { return std::to_string(classes_) + " classes"; }
  std::string stock_darknet_cannot_run() const override {
    return "stock Darknet's [iseg] forward reads a truth unconditionally (SIGSEGV without one)";
  }
  void forward(const ForwardArgs& a) const override {
    std::memcpy(a.output, a.input, out_.size() * a.batch * sizeof(float));
    const size_t plane = size_t(in_.h) * in_.w;
    for (int b = 0; b < a.batch; ++b)
      activate_array(a.output + b * out_.size(), classes_ * plane, Activation::logistic);
  }

 private:
  int classes_ = 20;
};

}  // namespace

std::unique_ptr<Layer> make_iseg(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<IsegLayer>(s, ctx);
}

}  // namespace huge2
