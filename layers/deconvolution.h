// Transposed convolution operator (Darknet [deconvolutional] semantics).
//
// Operator/kernel split in the XNNPACK manner: the constructor checks the
// shape and packs the weights for the chosen algorithm (once, like loading a
// model); forward() runs one batch into caller-owned output and workspace.
// Bias, batch-norm and activation are the layer's business, not this one's.
#pragma once
#include <vector>

#include "algorithm.h"
#include "phase_correlation.h"
#include "shapes.h"

namespace huge2 {

class Deconvolution {
 public:
  // weights: [in_c][out_c][k][k], exactly as Darknet stores them.
  Deconvolution(const DeconvShape& shape, Algorithm algo, const float* weights);

  const DeconvShape& shape() const { return shape_; }
  Algorithm algorithm() const { return algo_; }
  // Scratch bytes forward() needs; the caller owns the buffer.
  size_t workspace_bytes() const;
  // Bytes of weights held by the operator in its packed layout.
  size_t packed_weight_bytes() const { return packed_.size() * sizeof(float); }

  // x: batch x in_c x in_h x in_w; y: batch x out_c x out_h x out_w (overwritten).
  void forward(const float* x, float* y, float* workspace, size_t workspace_bytes) const;

  // huge2 runs the stock column method instead of phases when the layer has
  // far fewer output than input channels (an RGB output layer): there the
  // stock column buffer (out_c*k*k rows) is much smaller than the phase
  // columns (in_c*taps rows), and a GEMM with a 3-row M is slow.
  bool uses_column_method() const { return column_method_; }
  static constexpr int kColumnMethodChannelRatio = 8;  // in_c >= 8 * out_c
  // huge2: phases that run at once, each on one thread with its own
  // workspace slice; fixed at construction from the OpenMP thread count.
  int parallel_phases() const { return slots_; }

 private:
  size_t column_bytes() const;  // the stock method's out_c*k*k x h*w buffer

  DeconvShape shape_;
  Algorithm algo_;
  std::vector<float> packed_;       // layout depends on algo_ (see the .cpp)
  std::vector<PhaseSet> phases_;    // huge2: one per output phase (ry, rx)
  std::vector<size_t> phase_off_;   // huge2: where each phase's sub-kernel starts in packed_
  bool column_method_ = false;
  int slots_ = 1;
  size_t slot_floats_ = 0;          // huge2: workspace of one phase
};

}  // namespace huge2
