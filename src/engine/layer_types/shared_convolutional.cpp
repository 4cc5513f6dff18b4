// [convolutional] with AlexeyAB's share_index=N: the layer uses the weights,
// biases and batch-norm arrays of the earlier convolution N (negative:
// relative to this layer), which must have the same size, input channels
// and filters; its own stride, padding and dilation still apply (TridentNet's
// branches: one 3x3 kernel at dilation 1, 2 and 3). Like the fork, the
// .weights file holds the parameters once, at the owner.
// This wraps an ordinary convolutional layer built from the same section and
// copies the owner's parameters into it through their .weights record (in
// memory), so the convolution itself stays the one in convolutional.cpp.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "layer_common.h"
#include "weights_file.h"

namespace huge2 {

std::unique_ptr<Layer> make_convolutional(const cfg::Section&, const BuildContext&);

namespace {

// AlexeyAB's "absent" value for share_index.
constexpr int kNoShare = -1000000000;

class SharedConvolutionalLayer : public Layer {
 public:
  SharedConvolutionalLayer(const cfg::Section& s, const BuildContext& ctx, int share_index)
      : conv_(make_convolutional(s, ctx)), where_(ctx.where) {
    in_ = conv_->in(), out_ = conv_->out();
    owner_ = share_index >= 0 ? share_index : ctx.index + share_index;
    if (owner_ < 0 || owner_ >= ctx.index)
      fail(ctx, "share_index=" + std::to_string(share_index) + " names layer " + std::to_string(owner_) +
                    ", which is not an earlier layer");
  }
  const char* type() const override { return conv_->type(); }
  std::string describe() const override { return conv_->describe() + " =L" + std::to_string(owner_); }
  std::string algorithm() const override { return conv_->algorithm(); }
  size_t workspace_bytes() const override { return conv_->workspace_bytes(); }
  std::string stock_darknet_difference() const override {
    return "stock Darknet (2018) has no share_index and expects this layer's own weights in the file";
  }
  double flops() const override { return conv_->flops(); }
  void forward(const ForwardArgs& a) const override { conv_->forward(a); }
  void allocate() override { conv_->allocate(); }
  // Not in the .weights file, no parameters of its own.
  void load(WeightReader&) override {}
  void save(WeightWriter&) const override {}
  size_t parameter_count() const override { return 0; }
  int shares_parameters_of() const override { return owner_; }

  void take_parameters_from(const Layer& owner) override {
    // An owner that shares in turn passes on what it holds.
    const auto* chained = dynamic_cast<const SharedConvolutionalLayer*>(&owner);
    const Layer& source = chained ? *chained->conv_ : owner;
    if (std::string(source.type()) != "conv" || source.in().c != in_.c || source.out().c != out_.c ||
        source.parameter_count() != conv_->parameter_count())
      throw NetworkError(where_ + "share_index: layer " + std::to_string(owner_) + " [" + source.type() + "] " +
                         source.in().str() + " -> " + source.out().str() +
                         " does not have this convolution's size, input channels, filters and batch_normalize");
    char* buffer = nullptr;
    size_t length = 0;
    {
      WeightWriter w(open_memstream(&buffer, &length), "layer " + std::to_string(owner_) + " parameters");
      source.save(w);
      w.close();
    }
    std::unique_ptr<char, decltype(&std::free)> hold(buffer, &std::free);
    WeightReader r(fmemopen(buffer, length, "rb"), "layer " + std::to_string(owner_) + " parameters");
    conv_->load(r);
    r.expect_end();
  }

 private:
  std::unique_ptr<Layer> conv_;
  std::string where_;
  int owner_ = 0;
};

}  // namespace

std::unique_ptr<Layer> make_convolutional_maybe_shared(const cfg::Section& s, const BuildContext& ctx) {
  const int share_index = s.get_int("share_index", kNoShare);
  if (share_index == kNoShare) return make_convolutional(s, ctx);
  return std::make_unique<SharedConvolutionalLayer>(s, ctx, share_index);
}

}  // namespace huge2
