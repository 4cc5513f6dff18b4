// [route]: concatenates earlier layers' outputs along channels.
#include <cstdint>
#include <cstring>

#include "layer_common.h"

namespace huge2 {
namespace {

class RouteLayer : public Layer {
 public:
  RouteLayer(const cfg::Section& s, const BuildContext& ctx) {
    std::vector<int> list;
    try {
      list = s.get_int_list("layers");
    } catch (const std::exception& e) {
      fail(ctx, e.what());
    }
    for (int v : list) {
      const int idx = v < 0 ? ctx.index + v : v;  // negative: relative to this layer
      if (idx < 0 || idx >= ctx.index)
        fail(ctx, "layers=" + std::to_string(v) + " names layer " + std::to_string(idx) +
                      ", which is not an earlier layer (this is layer " + std::to_string(ctx.index) + ")");
      const Shape3& o = ctx.earlier[idx];
      if (!from_.empty() && (o.h != out_.h || o.w != out_.w))
        fail(ctx, "layer " + std::to_string(idx) + " is " + o.str() + " but layer " + std::to_string(from_[0]) +
                      " is " + ctx.earlier[from_[0]].str() + ": routed layers must share width and height");
      if (from_.empty()) out_ = {0, o.h, o.w};
      if (int64_t(out_.c) + o.c > INT32_MAX) fail(ctx, "the routed layers have more than 2^31-1 channels in all");
      out_.c += o.c;
      from_.push_back(idx), sizes_.push_back(o.size());
    }
    in_ = ctx.input;
  }
  const char* type() const override { return "route"; }
  std::string describe() const override {
    std::string d;
    for (int f : from_) d += (d.empty() ? "" : " ") + std::to_string(f);
    return d;
  }
  std::vector<int> reads_outputs_of() const override { return from_; }
  void forward(const ForwardArgs& a) const override {
    const size_t out_img = out_.size();
    size_t offset = 0;
    for (size_t k = 0; k < from_.size(); ++k) {
      const float* src = (*a.outputs)[from_[k]];
      for (int b = 0; b < a.batch; ++b)
        std::memcpy(a.output + b * out_img + offset, src + b * sizes_[k], sizes_[k] * sizeof(float));
      offset += sizes_[k];
    }
  }

 private:
  std::vector<int> from_;
  std::vector<size_t> sizes_;
};

}  // namespace

std::unique_ptr<Layer> make_route(const cfg::Section& s, const BuildContext& ctx) {
  return std::make_unique<RouteLayer>(s, ctx);
}

}  // namespace huge2
