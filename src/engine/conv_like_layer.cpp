#include "conv_like_layer.h"

#include <vector>

#include "layer_common.h"

namespace huge2 {

ConvLikeLayer::Geometry ConvLikeLayer::read_geometry(const cfg::Section& s, const BuildContext& ctx) {
  Geometry g;
  g.filters = read_int_at_least(s, ctx, "filters", 1, 1);
  g.size = read_int_at_least(s, ctx, "size", 1, 1);
  g.stride = read_int_at_least(s, ctx, "stride", 1, 1);
  g.pad = read_padding(s, ctx, g.size);
  return g;
}

void ConvLikeLayer::allocate() {
  params_.allocate_weights();
  rebuild();
}

void ConvLikeLayer::load(WeightReader& r) {
  params_.load(r);
  rebuild();
}

void ConvLikeLayer::save(WeightWriter& w) const {
  if (!params_.weights.empty()) return params_.save(w);
  std::vector<float> unpacked(params_.weight_count);
  unpack_weights(unpacked.data());
  params_.save(w, unpacked.data());
}

void ConvLikeLayer::randomize(unsigned seed) {
  params_.randomize(seed, fan_in());
  rebuild();
}

void ConvLikeLayer::rebuild() {
  set_operator_weights();
  if (operators_hold_whole_kernel()) params_.release_weights();
}

}  // namespace huge2
