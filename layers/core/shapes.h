// Geometry of the two operators, with Darknet's output-size formulas.
// All tensors are float32 NCHW; `batch` images are stored back to back.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace huge2 {

// Largest tensor the kernels index (every int product in them stays exact).
constexpr int64_t kMaxTensorElements = (int64_t(1) << 31) - 1;

// Product of non-negative factors, or -1 when it exceeds kMaxTensorElements
// (or a factor is negative): element counts computed without overflow, for
// refusing impossible geometry before anything is allocated.
int64_t checked_elements(std::initializer_list<int64_t> factors);

// Transposed convolution, Darknet [deconvolutional]:
//   weights [in_c][out_c][k][k], out = (in - 1) * stride + k - 2 * pad.
struct DeconvShape {
  int batch = 1;
  int in_c = 1, in_h = 1, in_w = 1;
  int out_c = 1;
  int ksize = 1, stride = 1, pad = 0;

  // In 64 bits: exact for any int fields; validate() refuses results beyond int.
  int out_h() const { return int((int64_t(in_h) - 1) * stride + ksize - 2 * int64_t(pad)); }
  int out_w() const { return int((int64_t(in_w) - 1) * stride + ksize - 2 * int64_t(pad)); }
  size_t input_count() const { return size_t(batch) * in_c * in_h * in_w; }
  size_t output_count() const { return size_t(batch) * out_c * out_h() * out_w(); }
  size_t weight_count() const { return size_t(in_c) * out_c * ksize * ksize; }
  double flops() const { return 2.0 * batch * in_c * out_c * ksize * ksize * in_h * in_w; }
  // Throws ShapeError naming the first impossible field.
  void validate() const;
  std::string describe() const;
};

// Convolution, Darknet [convolutional] (AlexeyAB's dilation key):
//   weights [out_c][in_c][k][k]; `pad` is in undilated pixels and the padding
//   actually applied is pad * dilation (docs/darknet-compatibility.md), so
//   out = (in + 2 * pad * dilation - dilation * (k - 1) - 1) / stride + 1.
struct ConvShape {
  int batch = 1;
  int in_c = 1, in_h = 1, in_w = 1;
  int out_c = 1;
  int ksize = 1, stride = 1, pad = 0, dilation = 1;

  int applied_pad() const { return int(int64_t(pad) * dilation); }
  int out_h() const { return out_size(in_h); }
  int out_w() const { return out_size(in_w); }
  size_t input_count() const { return size_t(batch) * in_c * in_h * in_w; }
  size_t output_count() const { return size_t(batch) * out_c * out_h() * out_w(); }
  size_t weight_count() const { return size_t(out_c) * in_c * ksize * ksize; }
  double flops() const { return 2.0 * batch * in_c * out_c * ksize * ksize * out_h() * out_w(); }
  void validate() const;
  std::string describe() const;

 private:
  int out_size(int in) const {  // 64-bit, as DeconvShape's
    return int((in + 2 * int64_t(pad) * dilation - int64_t(dilation) * (ksize - 1) - 1) / stride + 1);
  }
};

}  // namespace huge2
