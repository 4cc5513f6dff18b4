// Convolution operator, plain or dilated (Darknet [convolutional] semantics,
// AlexeyAB's `dilation` key; padding applied = pad * dilation).
// Same operator/kernel split as Deconvolution.
#pragma once
#include <vector>

#include "algorithm.h"
#include "phase_correlation.h"
#include "shapes.h"

namespace huge2 {

// huge2, stride 1, dilation > 1: where the banded core runs.
enum class DilatedDomain {
  automatic,  // sub-images when they are at least kMinSubimageCols wide
  subimages,  // always untangle into d*d dense sub-images
  original,   // always the original image with dilated taps
};

class Convolution {
 public:
  // weights: [out_c][in_c][k][k], exactly as Darknet stores them.
  Convolution(const ConvShape& shape, Algorithm algo, const float* weights,
              DilatedDomain domain = DilatedDomain::automatic);

  const ConvShape& shape() const { return shape_; }
  Algorithm algorithm() const { return algo_; }
  size_t workspace_bytes() const;
  size_t packed_weight_bytes() const { return packed_.size() * sizeof(float); }
  // True when huge2 was asked for but the geometry runs the stock path
  // (stride > 1 with dilation: see convolution.cpp).
  bool falls_back_to_im2col() const;
  // True when the input is untangled into d*d dense sub-images (huge2,
  // stride 1, dilation > 1; see DilatedDomain).
  bool uses_subimages() const;
  static constexpr int kMinSubimageCols = 32;

  // x: batch x in_c x in_h x in_w; y: batch x out_c x out_h x out_w (overwritten).
  void forward(const float* x, float* y, float* workspace, size_t workspace_bytes) const;

 private:
  ConvShape shape_;
  Algorithm algo_;
  std::vector<float> packed_;      // darknet/reference: as given; huge2: [out_c][k][k][in_c]
  PhaseSet subimages_;             // huge2: the d*d dilation sub-images (or the image), one kernel
  bool gather_ = false;            // huge2: sub-images are gathered (dilation > 1)
};

}  // namespace huge2
