// Softmax over the channels at every pixel of NCHW images: a segmentation
// net's class map (Darknet's [softmax] spatial=1, which stock Darknet runs
// on its GPU path only). An operator like the convolutions: the ISA is
// chosen once, at construction (active_isa(): HUGE2_ISA or the best the CPU
// has), and run() splits the pixels over the pool it is given; every pixel
// gets the same arithmetic whichever thread runs it.
#pragma once
#include <cstddef>

#include "runtime/isa.h"
#include "runtime/thread_pool.h"

namespace huge2 {

struct TileKernels;  // ukernels/tile_kernel.h: private to the library

class ChannelSoftmax {
 public:
  // channels >= 1, spatial (pixels per image) >= 1, temperature > 0 and
  // finite; std::invalid_argument otherwise.
  ChannelSoftmax(int channels, size_t spatial, float temperature = 1.f);
  ChannelSoftmax(int channels, size_t spatial, float temperature, Isa isa);

  // y[b][c][p] = e^((x[b][c][p] - m) / T) / sum over c of the same, m the
  // largest x[b][.][p]: within 1e-6 relative of the definition in double,
  // beyond the rounding of the exponent (x - m) / T itself (terms below
  // e^-87.33 are 0); a NaN in a pixel's channels makes that pixel NaN.
  // The ISAs may differ in the last bits (fused multiply-adds).
  // x and y are batch * channels * spatial floats; y may be x.
  void run(const float* x, float* y, int batch, ThreadPool* pool) const;

  Isa isa() const;

 private:
  const TileKernels* kernels_;
  int channels_;
  size_t spatial_;
  float temperature_;
};

}  // namespace huge2
