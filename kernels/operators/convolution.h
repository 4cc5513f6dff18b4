// Convolution operator, plain or dilated (Darknet [convolutional] semantics,
// AlexeyAB's `dilation` key; padding applied = pad * dilation).
// Same operator/kernel split and epilogue as Deconvolution.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "algorithm.h"
#include "direct_plan.h"
#include "epilogue.h"
#include "shapes.h"

namespace huge2 {

class Convolution {
 public:
  // weights: [out_c][in_c][k][k], exactly as Darknet stores them.
  // threads: 0 = OpenMP's default. isa: for huge2's direct kernels; default active_isa().
  Convolution(const ConvShape& shape, Algorithm algo, const float* weights, const Epilogue& epilogue = {},
              int threads = 0);
  Convolution(const ConvShape& shape, Algorithm algo, const float* weights, const Epilogue& epilogue,
              int threads, Isa isa);

  // For the shapes only (a network's summary and memory check, before any
  // weight exists): the same plan, workspace and method(), no weights;
  // forward() throws.
  struct PlanOnly {};
  Convolution(const ConvShape& shape, Algorithm algo, PlanOnly, int threads = 0);

  const ConvShape& shape() const { return shape_; }
  Algorithm algorithm() const { return algo_; }
  size_t workspace_bytes() const;
  size_t packed_weight_bytes() const;
  std::string method() const;
  // Writes the weights back in Darknet's [out_c][in_c][k][k] order, from the packed copy;
  // false when the packed copy is not the whole kernel (a stride larger than
  // the output leaves kernel taps that touch no output). Lets a caller keep
  // one copy of the weights: the operator's.
  bool unpack_weights(float* weights) const;
  // Whether unpack_weights() can succeed.
  bool holds_whole_kernel() const {
    return !plan_only_ && (!direct_ || direct_->covers(shape_.ksize * shape_.ksize));
  }
  // True when huge2 was asked for but the geometry runs the stock path
  // (stride > 2: the direct kernels step 1 or 2 input pixels per output).
  bool falls_back_to_im2col() const { return algo_ == Algorithm::huge2 && !direct_; }

  // x: batch x in_c x in_h x in_w; y: batch x out_c x out_h x out_w (overwritten).
  void forward(const float* x, float* y, float* workspace, size_t workspace_bytes) const;

 private:
  ConvShape shape_;
  Algorithm algo_;
  Epilogue epilogue_;
  std::vector<float> weights_;  // reference, darknet, fallback: as given
  std::unique_ptr<DirectPlan> direct_;
  bool plan_only_ = false;
  void build(const float* weights, int threads, Isa isa);
};

// A (dilated, strided) convolution as one direct sub-problem: tap (ky, kx)
// reads input (d*ky - P + s*u, d*kx - P + s*v); no sub-image gather.
DirectProblem conv_problem(const ConvShape& s);

}  // namespace huge2
