#include "core/shapes.h"

#include <cstdint>
#include <sstream>

#include "core/errors.h"

namespace huge2 {
namespace {

void require(bool ok, const char* op, const std::string& what) {
  if (!ok) throw ShapeError(std::string(op) + ": " + what);
}

void positive(const char* op, const char* field, int v) {
  require(v >= 1, op, std::string(field) + " must be >= 1, got " + std::to_string(v));
}

// Names the factors, not their product: the product may not fit in 64 bits.
void bounded(const char* op, const char* what, std::initializer_list<int64_t> factors) {
  if (checked_elements(factors) >= 0) return;
  std::string product;
  for (int64_t f : factors) product += (product.empty() ? "" : " x ") + std::to_string(f);
  require(false, op, std::string(what) + " would have " + product + " elements, more than 2^31-1");
}

// The fields both shapes have, in the order their errors are reported.
template <class Shape>
void positive_fields(const char* op, const Shape& s) {
  positive(op, "batch", s.batch);
  positive(op, "in_c", s.in_c);
  positive(op, "in_h", s.in_h);
  positive(op, "in_w", s.in_w);
  positive(op, "out_c (filters)", s.out_c);
  positive(op, "size", s.ksize);
  positive(op, "stride", s.stride);
}

template <class Shape>
void bounded_tensors(const char* op, const Shape& s, int64_t oh, int64_t ow) {
  bounded(op, "input", {s.batch, s.in_c, s.in_h, s.in_w});
  bounded(op, "output", {s.batch, s.out_c, oh, ow});
}

}  // namespace

int64_t checked_elements(std::initializer_list<int64_t> factors) {
  int64_t p = 1;
  for (int64_t f : factors) {
    if (f < 0) return -1;
    if (f == 0) return 0;
  }
  for (int64_t f : factors)
    if (__builtin_mul_overflow(p, f, &p) || p > kMaxTensorElements) return -1;
  return p;
}

void DeconvShape::validate() const {
  const char* op = "transposed convolution";
  positive_fields(op, *this);
  require(pad >= 0, op, "padding must be >= 0, got " + std::to_string(pad));
  const int64_t oh = (int64_t(in_h) - 1) * stride + ksize - 2 * int64_t(pad);
  const int64_t ow = (int64_t(in_w) - 1) * stride + ksize - 2 * int64_t(pad);
  require(oh >= 1 && ow >= 1, op,
          "output size (in-1)*stride+size-2*padding is " + std::to_string(oh) + "x" + std::to_string(ow) +
              ", must be >= 1 (" + describe() + ")");
  bounded_tensors(op, *this, oh, ow);
  bounded(op, "weights", {in_c, out_c, ksize, ksize});
  bounded(op, "column buffer", {out_c, ksize, ksize, in_h, in_w});
}

std::string DeconvShape::describe() const {
  std::ostringstream s;
  s << "batch " << batch << ", " << in_c << "x" << in_h << "x" << in_w << " -> " << out_c << " filters, size "
    << ksize << " stride " << stride << " padding " << pad;
  return s.str();
}

void ConvShape::validate() const {
  const char* op = "convolution";
  positive_fields(op, *this);
  positive(op, "dilation", dilation);
  require(pad >= 0, op, "padding must be >= 0, got " + std::to_string(pad));
  const int64_t span = int64_t(dilation) * (ksize - 1) + 1;  // receptive field of one output
  const int64_t ph = int64_t(in_h) + 2 * int64_t(pad) * dilation;
  const int64_t pw = int64_t(in_w) + 2 * int64_t(pad) * dilation;
  // The kernels index the padded input and the dilated kernel in int
  // (applied_pad(), im2col): dilation=2147483647 passed the checks below and
  // overflowed there (issue 21).
  require(ph <= INT32_MAX && pw <= INT32_MAX && span <= INT32_MAX, op,
          "dilation " + std::to_string(dilation) + " makes the padded input " + std::to_string(ph) + "x" +
              std::to_string(pw) + " and the kernel span " + std::to_string(span) + ": more than 2^31-1 (" +
              describe() + ")");
  require(ph >= span && pw >= span, op,
          "dilated kernel spans " + std::to_string(span) + " pixels but the padded input is only " +
              std::to_string(ph) + "x" + std::to_string(pw) + ": output would be empty (" + describe() + ")");
  const int64_t oh = (ph - span) / stride + 1, ow = (pw - span) / stride + 1;
  bounded_tensors(op, *this, oh, ow);
  bounded(op, "weights", {out_c, in_c, ksize, ksize});
  bounded(op, "column buffer", {in_c, ksize, ksize, oh, ow});
}

std::string ConvShape::describe() const {
  std::ostringstream s;
  s << "batch " << batch << ", " << in_c << "x" << in_h << "x" << in_w << " -> " << out_c << " filters, size "
    << ksize << " stride " << stride << " pad " << pad << " dilation " << dilation;
  return s.str();
}

}  // namespace huge2
