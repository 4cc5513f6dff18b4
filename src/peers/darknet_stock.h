// The real stock Darknet (Debian `darknet`, libdarknet.so) as a peer: its own
// deconvolutional layer, built and run through the library's C API. Used by
// the tests as the drop-in reference and by huge2-bench as the baseline.
#pragma once
#include <cstddef>
#include <memory>

#include "core/shapes.h"

namespace huge2::peers {

class StockDarknetDeconv {
 public:
  // weights [in_c][out_c][k][k]; biases[out_c] or null for zero. Linear
  // activation, no batch-norm: the pure transposed convolution plus bias.
  StockDarknetDeconv(const DeconvShape& s, const float* weights, const float* biases);
  ~StockDarknetDeconv();
  StockDarknetDeconv(const StockDarknetDeconv&) = delete;
  StockDarknetDeconv& operator=(const StockDarknetDeconv&) = delete;

  // Runs forward_deconvolutional_layer on x (batch x in_c x in_h x in_w).
  void forward(const float* x);
  // batch x out_c x out_h x out_w, valid after forward().
  const float* output() const;
  // Runs backward_deconvolutional_layer (linear activation: its gradient is
  // 1) with dL/dy = dy: dx (batch x in_c x in_h x in_w) is overwritten, the
  // weight gradient starts from zero and is read by weight_updates().
  void backward(const float* x, const float* dy, float* dx);
  const float* weight_updates() const;
  // Darknet's own workspace for this layer (its k*k*out_c*h*w column buffer).
  size_t workspace_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace huge2::peers
