// Transposed convolution operator (Darknet [deconvolutional] semantics).
//
// Operator/kernel split in the XNNPACK manner: the constructor checks the
// shape, plans the work and packs the weights for the chosen algorithm (once,
// like loading a model); forward() runs one batch into caller-owned output
// and workspace. The optional epilogue (per-channel scale and shift, then an
// activation) is fused into the direct kernels and run as one pass after the
// other algorithms.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "algorithm.h"
#include "direct_plan.h"
#include "epilogue.h"
#include "shapes.h"

namespace huge2 {

class Deconvolution {
 public:
  // weights: [in_c][out_c][k][k], exactly as Darknet stores them.
  // threads: 0 = OpenMP's default. isa: for huge2's direct kernels; default active_isa().
  Deconvolution(const DeconvShape& shape, Algorithm algo, const float* weights, const Epilogue& epilogue = {},
                int threads = 0);
  Deconvolution(const DeconvShape& shape, Algorithm algo, const float* weights, const Epilogue& epilogue,
                int threads, Isa isa);

  // For the shapes only (a network's summary and memory check, before any
  // weight exists): the same plan, workspace and method(), no weights;
  // forward() throws.
  struct PlanOnly {};
  Deconvolution(const DeconvShape& shape, Algorithm algo, PlanOnly, int threads = 0);

  const DeconvShape& shape() const { return shape_; }
  Algorithm algorithm() const { return algo_; }
  // Scratch bytes forward() needs; the caller owns the buffer.
  size_t workspace_bytes() const;
  // Bytes of weights held by the operator in its packed layout.
  size_t packed_weight_bytes() const;
  // What runs: "direct avx512f, exact tiling, ..." or the stock method.
  std::string method() const;
  // Writes the weights back in Darknet's [in_c][out_c][k][k] order, from the packed copy;
  // false when the packed copy is not the whole kernel (a stride larger than
  // the output leaves kernel taps that touch no output). Lets a caller keep
  // one copy of the weights: the operator's.
  bool unpack_weights(float* weights) const;
  // Whether unpack_weights() can succeed.
  bool holds_whole_kernel() const {
    return !plan_only_ && (!direct_ || direct_->covers(shape_.ksize * shape_.ksize));
  }

  // x: batch x in_c x in_h x in_w; y: batch x out_c x out_h x out_w (overwritten).
  void forward(const float* x, float* y, float* workspace, size_t workspace_bytes) const;

  // huge2 runs the stock column method instead of phases when the layer has
  // far fewer output than input channels (an RGB output layer): a 3-channel
  // block would fill 3 of the vector's 16 lanes.
  bool uses_column_method() const { return column_method_; }
  static constexpr int kColumnMethodChannelRatio = 8;  // in_c >= 8 * out_c and out_c < 8

 private:
  size_t column_bytes() const;  // the stock method's out_c*k*k x h*w buffer

  DeconvShape shape_;
  Algorithm algo_;
  Epilogue epilogue_;             // run as a pass by the non-direct methods
  std::vector<float> weights_;    // reference, darknet, column method: as given
  std::unique_ptr<DirectPlan> direct_;
  bool plan_only_ = false;
  void build(const float* weights, int threads, Isa isa);
  bool column_method_ = false;
};

// The stride phases of a transposed convolution as direct sub-problems:
// one per output residue (oy mod s, ox mod s) that occurs in the output, so a
// huge stride on a small output plans a few phases, not s*s.
DirectProblem deconv_phases(const DeconvShape& s);

}  // namespace huge2
