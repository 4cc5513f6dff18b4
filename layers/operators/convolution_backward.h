// A (dilated) convolution's backward pass (training), beside its forward
// operator. huge2: the data gradient is the transposed dilated convolution
// of dy, run on the direct kernels as stride phases of dx (an input pixel
// residue mod stride takes a fixed set of taps; dilation only moves where
// each tap reads); the weight gradient is a GEMM over dy's pixels whose x
// panels are gathered as the kernels need them (planning/correlation_plan.h). darknet: Darknet's method with the dilation it
// ignores put back: im2col / col2im + GEMM. reference: the naive gradients.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/algorithm.h"
#include "core/shapes.h"
#include "operators/given_weights.h"
#include "planning/correlation_plan.h"
#include "planning/direct_plan.h"
#include "runtime/thread_pool.h"

namespace huge2 {

class ConvolutionBackward {
 public:
  // weights: [out_c][in_c][k][k], as Convolution takes them.
  ConvolutionBackward(const ConvShape& shape, Algorithm algo, const float* weights, int threads = 0);
  ~ConvolutionBackward();

  // After the optimiser's update: repacks in the same plan.
  void set_weights(const float* weights);
  // OperatorBase::borrow_weights's contract: the data gradient of the
  // methods that read the weights as given reads `weights` in place.
  void borrow_weights(const float* weights);
  bool packs_weights() const { return data_ != nullptr; }

  const ConvShape& shape() const { return shape_; }
  size_t workspace_bytes() const;
  std::string method() const;

  // dx (batch x in_c x in_h x in_w, overwritten) = dL/dx for dy = dL/dy.
  void backward_data(const float* dy, float* dx, float* ws, size_t ws_bytes, ThreadPool* pool = nullptr) const;
  // dw ([out_c][in_c][k][k]) += dL/dw for input x and dy, summed over the batch.
  void backward_weights(const float* x, const float* dy, float* dw, float* ws, size_t ws_bytes,
                        ThreadPool* pool = nullptr) const;

 private:
  size_t column_bytes() const;  // darknet: in_c*k*k x out_h*out_w

  ConvShape shape_;
  Algorithm algo_;
  bool window_ = false;                // huge2, one window (planning/window_gemv.h): data gradient on weights_
  const float* given_weights() const { return weights_.data(); }

  GivenWeights weights_;               // darknet, reference, huge2's one window
  std::unique_ptr<DirectPlan> data_;   // huge2: dy -> dx phases, weights packed
  std::unique_ptr<CorrelationPlan> weights_grad_;  // huge2: dw
};

// dx of a (dilated, strided) convolution as direct sub-problems reading dy:
// one phase per input residue (iy mod stride, ix mod stride); tap (ky, kx)
// belongs to the phase when iy + P - d*ky is a multiple of the stride and
// then reads dy row (iy + P - d*ky) / stride.
DirectProblem conv_data_gradient_problem(const ConvShape& s);
// dw of a convolution as a correlation: a = dy, src = x.
CorrelationProblem conv_weight_problem(const ConvShape& s);

}  // namespace huge2
