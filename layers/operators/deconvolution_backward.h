// A transposed convolution's backward pass (training), beside its forward
// operator. The data gradient of a transposed convolution is a strided
// convolution of dy with the same weights: Darknet's [in_c][out_c][k][k]
// deconvolution weights are, unchanged, the [out][in][k][k] weights of a
// Convolution with in_c = out_c, out_c = in_c, same size, stride and pad;
// so it runs on that operator (huge2's direct kernels for strides 1-4 and 8).
// The weight gradient: darknet, im2col(dy) + GEMM as Darknet does; huge2,
// a GEMM over the input's pixels whose dy panels are gathered as the
// kernels need them, or lane tiles that read dy in place
// (planning/correlation_plan.h).
#pragma once
#include <memory>
#include <string>

#include "operators/convolution.h"
#include "planning/correlation_plan.h"

namespace huge2 {

class DeconvolutionBackward {
 public:
  // weights: [in_c][out_c][k][k], as Deconvolution takes them.
  DeconvolutionBackward(const DeconvShape& shape, Algorithm algo, const float* weights, int threads = 0);
  ~DeconvolutionBackward();

  // After the optimiser's update: repacks in the same plan.
  void set_weights(const float* weights) { data_.set_weights(weights); }
  // OperatorBase::borrow_weights's contract, for the data gradient.
  void borrow_weights(const float* weights) { data_.borrow_weights(weights); }
  bool packs_weights() const { return data_.packs_weights(); }

  const DeconvShape& shape() const { return shape_; }
  // Scratch bytes either backward call needs (the larger of the two).
  size_t workspace_bytes() const;
  std::string method() const;

  // dx (batch x in_c x in_h x in_w, overwritten) = dL/dx for dy = dL/dy.
  void backward_data(const float* dy, float* dx, float* ws, size_t ws_bytes, ThreadPool* pool = nullptr) const;
  // dw ([in_c][out_c][k][k]) += dL/dw for input x and dy, summed over the batch.
  void backward_weights(const float* x, const float* dy, float* dw, float* ws, size_t ws_bytes,
                        ThreadPool* pool = nullptr) const;

  // The convolution that maps dy to dx.
  static ConvShape data_shape(const DeconvShape& s);
  // The weight gradient as a correlation: a = x, src = dy.
  static CorrelationProblem weight_problem(const DeconvShape& s);

 private:
  DeconvShape shape_;
  Algorithm algo_;
  Convolution data_;
  std::unique_ptr<CorrelationPlan> weights_;  // huge2 only
};

}  // namespace huge2
