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
      const float* base = packed_.data() + w_off_[ph * blocks_.size() + b];
      const std::vector<int>& entry = p_.phases[ph].tap_entry;
      for (size_t t = 0; t < entry.size(); ++t)
        for (int ic = 0; ic < p_.in_c; ++ic) {
          const float* w = base + packed_at(t, ic, entry.size(), bl.width);
          for (int j = 0; j < bl.valid; ++j) put(ic, bl.oc0 + j, entry[t], w[j]);
        }
    }
  return true;
}

// Packed weights: for each phase and block, [tap][in_c][width] (or
// [in_c][tap][width], or by L1 chunks: packed_at) (channels:
// nb*vl, zero lanes past the last channel; pixels: the block's channels).
// The epilogue's scale and shift padded the same way.
void DirectPlan::set_weights(const WeightAt& weight, const Epilogue& epilogue) {
  epilogue.check(p_.out_c, "direct kernels");
  pack(weight, epilogue);
}

void DirectPlan::set_weights(const WeightView& weight, const Epilogue& epilogue) {
  epilogue.check(p_.out_c, "direct kernels");
  pack_weights(weight, weight.data != nullptr, epilogue);
}

void DirectPlan::pack(const WeightAt& weight, const Epilogue& ep) { pack_weights(weight, bool(weight), ep); }

// The transposing buffer's size (floats): L2-resident, large enough that a
// phase tap's run per chunk is long (16 KB made the 64 single-tap phases of
// an 8x8/8 data gradient copy 128 bytes per call: 1.6 ms for its 8 MB kernel).
constexpr int kBufferFloats = 16384;

template <class Get>
void DirectPlan::pack_weights(const Get& weight, bool has_weights, const Epilogue& ep) {
  w_off_.clear(), scale_.clear(), shift_.clear();
  size_t total = 0;
  for (const DirectPhase& q : p_.phases)
    for (const Block& b : blocks_) {
      w_off_.push_back(total);
      total += q.tap_entry.size() * p_.in_c * b.width;
    }
  // Slack after the last block: on kFmaLane ISAs the phase-row and pixel
  // kernels load a channel's (a tap's) OC*S (OC) weights in whole vectors,
  // the last one partial (row_kernel_impl.h, pixel_kernel_impl.h).
  total += kMaxVectorFloats;
  has_weights_ = has_weights;
  if (!has_weights_) {  // a plan for the shapes only
    std::vector<float>().swap(packed_);
  } else if (packed_.size() != total) {
    // The old copy goes first: never two packed copies at once. (A repack
    // of the same plan, after every training step, overwrites in place: the
    // padding lanes are still 0.)
    std::vector<float>().swap(packed_);
    packed_.assign(total, 0.f);
  }
  // Through a small transposing buffer, per block and chunk of input
  // channels: filled per output channel with all of its entries for the
  // chunk (Darknet's layouts keep a channel pair's k*k entries contiguous:
  // each weight line is read once, whole), drained per phase tap as runs of
  // the block's width into the packed copy (written in order). Its rows are
  // padded off multiples of 4 KB. (Tap-outermost read the whole kernel once
  // per tap, a cache line per weight, a quarter of a small decoder's
  // training step; reading or writing all taps of one weight at once
  // strides both sides by multiples of 4 KB, into one L1 set.)
  if (!has_weights_) return finish_epilogue(ep);
  int entries = 1;
  for (const DirectPhase& q : p_.phases)
    for (int e : q.tap_entry) entries = std::max(entries, e + 1);
  int max_width = 1;
  for (const Block& b : blocks_) max_width = std::max(max_width, b.width);
  const int chunk = std::clamp(kBufferFloats / (entries * max_width), 1, std::max(1, p_.in_c));
  const size_t row = size_t(chunk) * max_width + 16;  // floats per entry in the buffer
  std::vector<float> buf(row * entries);
  for (size_t bi = 0; bi < blocks_.size(); ++bi) {
    const Block& b = blocks_[bi];
    for (int ic0 = 0; ic0 < p_.in_c; ic0 += chunk) {
      const int n = std::min(chunk, p_.in_c - ic0);
      for (int j = 0; j < b.valid; ++j)
        for (int c = 0; c < n; ++c)
          for (int e = 0; e < entries; ++e) buf[e * row + size_t(c) * b.width + j] = weight(ic0 + c, b.oc0 + j, e);
      for (size_t ph = 0; ph < p_.phases.size(); ++ph) {
        const DirectPhase& q = p_.phases[ph];
        float* base = packed_.data() + w_off_[ph * blocks_.size() + bi];
        for (size_t t = 0; t < q.tap_entry.size(); ++t) {
          const float* from = buf.data() + q.tap_entry[t] * row;
          if (channel_major_ || l1_chunks_) {  // one run per channel (packed_at)
            for (int c = 0; c < n; ++c, from += b.width)
              std::copy(from, from + b.valid, base + packed_at(t, ic0 + c, q.tap_entry.size(), b.width));
            continue;
          }
          float* w = base + (t * p_.in_c + ic0) * size_t(b.width);
          if (b.valid == b.width) {  // the chunk's rows are contiguous on both sides: one copy
            std::copy(from, from + size_t(n) * b.width, w);
            continue;
          }
          for (int c = 0; c < n; ++c, w += b.width, from += b.width) std::copy(from, from + b.valid, w);
        }
      }
    }
  }
  finish_epilogue(ep);
}

void DirectPlan::finish_epilogue(const Epilogue& ep) {
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
