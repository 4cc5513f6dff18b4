// XNNPACK (Debian libxnnpack-dev 0.0~git20220216) as a peer: the same
// transposed or dilated convolution as huge2's, as one XNNPACK operator
// (deconvolution2d_nhwc_f32 / convolution2d_nhwc_f32) on the CPU.
// XNNPACK only takes NHWC activations and [out_c][k][k][in_c] weights, so the
// Darknet weights are transposed and packed by the operator at construction,
// and the input is transposed to NHWC once there too: run() times the
// operator alone, on buffers already set up. Threads come from a pthreadpool
// of `threads` workers owned by the object (threads <= 1: none, XNNPACK then
// runs on the calling thread); OpenMP settings do not affect it.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/shapes.h"

namespace huge2::peers {

class XnnpackPeer {
 public:
  // Transposed convolution; weights [in_c][out_c][k][k] (Darknet order),
  // input batch x in_c x in_h x in_w (NCHW). No bias.
  XnnpackPeer(const DeconvShape& s, const float* weights, const float* input, int threads);
  // Convolution, padding pad * dilation; weights [out_c][in_c][k][k]. No bias.
  XnnpackPeer(const ConvShape& s, const float* weights, const float* input, int threads);
  ~XnnpackPeer();
  XnnpackPeer(const XnnpackPeer&) = delete;
  XnnpackPeer& operator=(const XnnpackPeer&) = delete;

  // Runs the operator once (synchronous).
  void run();
  // The last run()'s result as NCHW (transposed out of NHWC).
  std::vector<float> output_nchw() const;
  // Operator and the kernel family XNNPACK picks for this geometry, e.g.
  // "xnnpack deconvolution2d_nhwc_f32 (subconvolution)".
  std::string impl_name() const;
  // Always 0: XNNPACK keeps its extra buffers (packed weights, indirection
  // buffer, zero-padding row) inside the opaque operator and this version
  // has no call that reports their size, so they are not counted.
  size_t workspace_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace huge2::peers
