// DirectPlan's weights: packed per phase and channel block, given back in
// Darknet's order, replaced on a reload without re-planning.
#include <algorithm>

#include "planning/direct_plan.h"

namespace huge2 {

bool DirectPlan::covers(int entries) const {
  std::vector<char> seen(entries, 0);
  for (const DirectPhase& q : p_.phases)
    for (int e : q.tap_entry)
      if (e >= 0 && e < entries) seen[e] = 1;
  return std::find(seen.begin(), seen.end(), 0) == seen.end();
}

bool DirectPlan::unpack(int entries, const std::function<void(int, int, int, float)>& put) const {
  if (!has_weights_ || !covers(entries)) return false;
  for (size_t ph = 0; ph < p_.phases.size(); ++ph)
    for (size_t b = 0; b < blocks_.size(); ++b) {
      const Block& bl = blocks_[b];
      const float* w = packed_.data() + w_off_[ph * blocks_.size() + b];
      const int width = bl.width;
      for (int e : p_.phases[ph].tap_entry)
        for (int ic = 0; ic < p_.in_c; ++ic, w += width)
          for (int j = 0; j < bl.valid; ++j) put(ic, bl.oc0 + j, e, w[j]);
    }
  return true;
}

// Packed weights: for each phase and block, [tap][in_c][width] (channels:
// nb*vl, zero lanes past the last channel; pixels: the block's channels).
// The epilogue's scale and shift padded the same way.
void DirectPlan::set_weights(const WeightAt& weight, const Epilogue& epilogue) {
  epilogue.check(p_.out_c, "direct kernels");
  pack(weight, epilogue);
}

void DirectPlan::pack(const WeightAt& weight, const Epilogue& ep) {
  // The old copy goes first: never two packed copies at once.
  std::vector<float>().swap(packed_);
  w_off_.clear(), scale_.clear(), shift_.clear();
  size_t total = 0;  // exactly: no reallocation, no transient second copy
  for (const DirectPhase& q : p_.phases)
    for (const Block& b : blocks_) {
      w_off_.push_back(total);
      total += q.tap_entry.size() * p_.in_c * b.width;
    }
  has_weights_ = bool(weight);
  if (has_weights_) packed_.reserve(total);
  for (const DirectPhase& q : p_.phases)
    for (const Block& b : blocks_) {
      if (!has_weights_) break;  // a plan for the shapes only
      const int width = b.width, ntaps = int(q.tap_entry.size());
      const size_t start = packed_.size();
      packed_.resize(start + size_t(ntaps) * p_.in_c * width, 0.f);
      float* w = packed_.data() + start;
      for (int t = 0; t < ntaps; ++t)
        for (int ic = 0; ic < p_.in_c; ++ic, w += width)
          for (int j = 0; j < b.valid; ++j) w[j] = weight(ic, b.oc0 + j, q.tap_entry[t]);
    }
  act_ = ep.activation;
  if (ep.scale.empty() && ep.shift.empty()) return;
  const size_t padded = blocks_.back().ep_off + size_t(blocks_.back().width);
  scale_.assign(padded, 1.f);
  shift_.assign(padded, 0.f);
  for (const Block& b : blocks_)
    for (int j = 0; j < b.valid; ++j) {
      if (!ep.scale.empty()) scale_[b.ep_off + j] = ep.scale[b.oc0 + j];
      if (!ep.shift.empty()) shift_[b.ep_off + j] = ep.shift[b.oc0 + j];
    }
}

}  // namespace huge2
