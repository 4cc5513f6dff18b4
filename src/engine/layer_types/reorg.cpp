// [reorg]: YOLOv2's space-to-depth, exactly as Darknet's reorg_cpu computes
// it. Darknet's forward (reverse=0) reads its input as if it had the
// *reverse* shape (w*stride x h*stride x c/stride^2) and writes in input
// order, so its channel order is not the textbook space-to-depth; trained
// YOLOv2 weights depend on that order, so it is kept. reverse=1 is the
// opposite mapping; flatten=1 turns the tensor into channel-last order (or
// back, with reverse=1); extra=N only appends N zeros (reorg's "extra" mode).
#include <cstring>

#include "layer_common.h"

namespace huge2 {
namespace {

class ReorgLayer : public Layer {
 public:
  ReorgLayer(const cfg::Section& s, const BuildContext& ctx) {
    in_ = ctx.input;
    stride_ = read_int_at_least(s, ctx, "stride", 1, 1);
    reverse_ = s.get_int("reverse", 0) != 0;
    flatten_ = s.get_int("flatten", 0) != 0;
    extra_ = read_int_at_least(s, ctx, "extra", 0, 0);
    // stride^2 in 64 bits: stride=65536 wrapped it to 0 (SIGFPE), 46341 to a negative.
    const int64_t s2 = int64_t(stride_) * stride_;
    // Both directions index a (w*s) x (h*s) x (c/s^2) view of the data.
    if (in_.c % s2)
      fail(ctx, "reorg by " + std::to_string(stride_) + " needs channels divisible by " + std::to_string(s2) + ", not " +
                    in_.str());
    if (reverse_) {
      out_ = {int(in_.c / s2), checked_count(ctx, "height x stride", {in_.h, stride_}),
              checked_count(ctx, "width x stride", {in_.w, stride_})};
    } else {
      out_ = {checked_count(ctx, "channels x stride^2", {in_.c, s2}), in_.h / stride_, in_.w / stride_};
      if (in_.h % stride_ || in_.w % stride_)
        fail(ctx, "reorg by " + std::to_string(stride_) + " needs width and height divisible by it, not " + in_.str());
    }
    if (extra_) out_ = {checked_count(ctx, "input values + extra", {int64_t(in_.size()) + extra_}), 1, 1};
  }
  const char* type() const override { return "reorg"; }
  std::string describe() const override { return "/" + std::to_string(stride_) + (reverse_ ? " reverse" : ""); }

  void forward(const ForwardArgs& a) const override {
    const size_t in_img = in_.size(), out_img = out_.size();
    if (flatten_) {
      // i1 = channel-major index (c, spatial), i2 = spatial-major (spatial, c).
      const size_t spatial = size_t(in_.h) * in_.w;
      for (int b = 0; b < a.batch; ++b) {
        const float* x = a.input + b * in_img;
        float* y = a.output + b * in_img;
        for (int c = 0; c < in_.c; ++c)
          for (size_t i = 0; i < spatial; ++i) {
            const size_t i1 = c * spatial + i, i2 = i * in_.c + c;
            if (reverse_) y[i1] = x[i2];
            else y[i2] = x[i1];
          }
      }
      return;
    }
    if (extra_) {
      std::memset(a.output, 0, out_img * a.batch * sizeof(float));
      for (int b = 0; b < a.batch; ++b) std::memcpy(a.output + b * out_img, a.input + b * in_img, in_img * sizeof(float));
      return;
    }
    // reorg_cpu(w, h, c of the input, forward = reverse): indices over the
    // input's w x h x c ("in") and over (w*s) x (h*s) x (c/s^2) ("wide").
    const int w = in_.w, h = in_.h, c = in_.c, s = stride_, wide_c = c / (s * s);
    for (int b = 0; b < a.batch; ++b)
      for (int k = 0; k < c; ++k)
        for (int j = 0; j < h; ++j)
          for (int i = 0; i < w; ++i) {
            const size_t in_index = i + size_t(w) * (j + size_t(h) * (k + size_t(c) * b));
            const int c2 = k % wide_c, offset = k / wide_c;
            const int w2 = i * s + offset % s, h2 = j * s + offset / s;
            const size_t wide_index = w2 + size_t(w) * s * (h2 + size_t(h) * s * (c2 + size_t(wide_c) * b));
            if (reverse_) a.output[wide_index] = a.input[in_index];
            else a.output[in_index] = a.input[wide_index];
          }
  }

 private:
  int stride_ = 1, extra_ = 0;
  bool reverse_ = false, flatten_ = false;
};

}  // namespace

std::unique_ptr<Layer> make_reorg(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<ReorgLayer>(s, ctx);
}

}  // namespace huge2
