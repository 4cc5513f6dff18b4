// [local]: a locally connected layer, a convolution whose filters differ at
// every output location (Darknet's forward_local_layer): biases per output
// value, weights [location][filter][c*size*size], then the activation.
// Darknet's pad is a flag with its own arithmetic: output (h - size)/stride + 1
// without it, (h - 1)/stride + 1 with it, while its im2col pads by the pad
// value itself; huge2 refuses the combinations where the two disagree (Darknet
// would read past its buffers there), i.e. pad=1 works with size=3 only.
// Stock fault: Darknet sizes this layer's workspace in floats but allocates
// bytes, so a net whose largest workspace is a [local] layer's overflows it.
#include <random>

#include "core/activation.h"
#include "layer_common.h"
#include "weights_file.h"

namespace huge2 {
namespace {

class LocalLayer : public Layer {
 public:
  LocalLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    n_ = read_int_at_least(s, ctx, "filters", 1, 1);
    size_ = read_int_at_least(s, ctx, "size", 1, 1);
    stride_ = read_int_at_least(s, ctx, "stride", 1, 1);
    pad_ = read_int_at_least(s, ctx, "pad", 0, 0);
    activation_ = read_activation(s, ctx, "logistic");
    // In 64 bits: pad and size may be up to 2^31-1 (issue 21).
    const int64_t ih = in_.h, iw = in_.w, pad = pad_, size = size_;
    const int64_t oh = (pad ? ih - 1 : ih - size) / stride_ + 1, ow = (pad ? iw - 1 : iw - size) / stride_ + 1;
    const int64_t col_h = (ih + 2 * pad - size) / stride_ + 1, col_w = (iw + 2 * pad - size) / stride_ + 1;
    if (ih + 2 * pad < size || iw + 2 * pad < size || oh < 1 || ow < 1)
      fail(ctx, "size=" + std::to_string(size_) + " does not fit the " + in_.str() + " input");
    if (oh != col_h || ow != col_w)
      fail(ctx, "pad=" + std::to_string(pad_) + " with size=" + std::to_string(size_) +
                    ": Darknet's output size and its im2col disagree (pad=1 needs size=3)");
    out_ = {n_, int(oh), int(ow)};
    // Allocated here, before the memory budget: bounded like every tensor.
    checked_count(ctx, "weights: locations x filters x channels x size^2", {oh, ow, n_, in_.c, size, size});
    const size_t locations = size_t(oh) * ow;
    weights_.assign(locations * n_ * patch(), 0.f);
    biases_.assign(out_.size(), 0.f);
  }
  const char* type() const override { return "local"; }
  std::string stock_darknet_cannot_run() const override {
    return "stock Darknet's [local] corrupts libdarknet's heap (issue 21's probe)";
  }
  std::string describe() const override {
    return std::to_string(n_) + "  " + std::to_string(size_) + "x" + std::to_string(size_) + "/" + std::to_string(stride_);
  }
  double flops() const override { return 2.0 * weights_.size(); }
  size_t parameter_count() const override { return weights_.size() + biases_.size(); }
  size_t workspace_bytes() const override { return patch() * out_.h * out_.w * sizeof(float); }

  void forward(const ForwardArgs& a) const override {
    const size_t locations = size_t(out_.h) * out_.w, k = patch();
    float* col = a.workspace;  // [k][locations], Darknet's im2col
    for (int b = 0; b < a.batch; ++b) {
      const float* x = a.input + b * in_.size();
      float* y = a.output + b * out_.size();
      for (size_t r = 0; r < k; ++r) {
        const int kw = int(r % size_), kh = int(r / size_ % size_), c = int(r / size_ / size_);
        for (int oy = 0; oy < out_.h; ++oy)
          for (int ox = 0; ox < out_.w; ++ox) {
            const int iy = oy * stride_ + kh - pad_, ix = ox * stride_ + kw - pad_;
            col[r * locations + oy * out_.w + ox] =
                (iy < 0 || ix < 0 || iy >= in_.h || ix >= in_.w) ? 0.f : x[(size_t(c) * in_.h + iy) * in_.w + ix];
          }
      }
      for (size_t j = 0; j < locations; ++j) {
        const float* w = weights_.data() + j * n_ * k;
        for (int f = 0; f < n_; ++f) {
          float sum = biases_[f * locations + j];
          for (size_t r = 0; r < k; ++r) sum += w[f * k + r] * col[r * locations + j];
          y[f * locations + j] = sum;
        }
      }
    }
    activate_parallel(a.output, out_.size() * a.batch, activation_, a.pool);
  }

  // Darknet's record: biases (one per output value), then weights.
  void load(WeightReader& r) override {
    r.read(biases_.data(), biases_.size(), "biases");
    r.read(weights_.data(), weights_.size(), "weights");
  }
  void save(WeightWriter& w) const override {
    w.write(biases_.data(), biases_.size());
    w.write(weights_.data(), weights_.size());
  }
  void randomize(unsigned seed) override {
    std::mt19937 rng(seed);
    fill_he(weights_, int(patch()), rng);
    std::uniform_real_distribution<float> u(-0.1f, 0.1f);
    for (float& b : biases_) b = u(rng);
  }

 private:
  size_t patch() const { return size_t(in_.c) * size_ * size_; }

  int n_ = 1, size_ = 1, stride_ = 1, pad_ = 0;
  Activation activation_ = Activation::logistic;
  std::vector<float> weights_, biases_;
};

}  // namespace

std::unique_ptr<Layer> make_local(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<LocalLayer>(s, ctx);
}

}  // namespace huge2
