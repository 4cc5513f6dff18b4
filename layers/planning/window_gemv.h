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
// per batch, at memory speed: each block of them serves every image while it
// sits in L2. The transposed convolution of one input pixel
// is the same product the other way round (its data gradient is such a
// convolution).
#pragma once
#include <string>

#include "core/shapes.h"
#include "runtime/isa.h"
#include "runtime/thread_pool.h"
#include "ukernels/tile_kernel.h"

namespace huge2 {

class WindowGemv {
 public:
  // A convolution whose one window is the whole input: A = its weights
  // [out_c][in_c*k*k]; forward = rows_dot, data gradient = rows_sum.
  static bool applies(const ConvShape& s);
  // A transposed convolution of one input pixel without padding (the
  // output is one kernel, e.g. DCGAN's latent projection to 4x4): A = its
  // weights [in_c][out_c*k*k]; forward = rows_sum (its data gradient is the
  // convolution case).
  static bool applies(const DeconvShape& s);

  WindowGemv(const ConvShape& shape, Isa isa);
  WindowGemv(const DeconvShape& shape, Isa isa);
  // e.g. "one window: matrix-vector product on the weights as given, avx512f"
  // ("a GEMM over the batch" for a transposed one at a batch)
  std::string describe() const;
  // Per image: out[r] = sum_k a[r][k] * in[k] (in: n floats, out: rows floats per image).
  void rows_dot(const float* in, const float* a, float* out, ThreadPool* pool) const;
  // Per image: out[k] = sum_r in[r] * a[r][k] (in: rows floats, out: n floats, overwritten);
  // a batch runs as one GEMM (M = images) on the gradient's register tiles.
  void rows_sum(const float* in, const float* a, float* out, ThreadPool* pool) const;
  // The weight gradient, a rank-1 update per image: a[r][k] += u[r] * v[k]
  // summed over the batch (u: rows floats per image, v: n floats per image):
  // a GEMM whose K is the batch, each row of a read and written once.
  void rank1_add(const float* u, const float* v, float* a, ThreadPool* pool) const;
  std::string describe_rank1() const;

 private:
  void rows_sum_images(const float* in, const float* a, float* out, ThreadPool* pool) const;

  bool transposed_ = false;  // the DeconvShape form
  int batch_, rows_;
  long n_;
  const TileKernels* k_;
};

}  // namespace huge2
