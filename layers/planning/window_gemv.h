// A convolution whose one window is the whole input: the output is 1x1, the
// input is ksize x ksize, no padding, no dilation (a classifier's or an
// encoder's last layer, e.g. 128 -> 256 channels of 8x8 with an 8x8/8
// kernel). Its input image, laid out [c][ky][kx], is then exactly one row
// of Darknet's weights [o][c][ky][kx], so the layer is a matrix-vector
// product with the weights as given:
//
//   forward:        y[o]  = sum_k w[o][k] * x[k]       (dot products of rows)
//   data gradient:  dx[k] = sum_o dy[o] * w[o][k]      (a sum of scaled rows)
//
// Nothing is packed, so a training step's weight update costs no repack
// (the direct kernels' packing of such a layer took 1.6 ms per step for an
// 8 MB kernel, the panel GEMM packed it on every forward call and ran its
// one output pixel on a whole vector of columns). The weights are read once
// per image, at memory speed.
#pragma once
#include <string>

#include "core/shapes.h"
#include "runtime/isa.h"
#include "runtime/thread_pool.h"
#include "ukernels/tile_kernel.h"

namespace huge2 {

class WindowGemv {
 public:
  // Whether s has that shape.
  static bool applies(const ConvShape& s);

  WindowGemv(const ConvShape& shape, Isa isa);
  // e.g. "one window: matrix-vector product on the weights as given, avx512f"
  std::string describe() const;
  // y (batch x out_c, overwritten, no epilogue) from x and w ([out_c][in_c*k*k]).
  void forward(const float* x, const float* w, float* y, ThreadPool* pool) const;
  // dx (batch x in_c*k*k, overwritten) from dy (batch x out_c) and w.
  void backward_data(const float* dy, const float* w, float* dx, ThreadPool* pool) const;

 private:
  ConvShape s_;
  const TileKernels* k_;
  long n_;  // in_c * k * k: one image, one row of weights
};

}  // namespace huge2
