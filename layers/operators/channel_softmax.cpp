#include "operators/channel_softmax.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "ukernels/tile_kernel.h"

namespace huge2 {

ChannelSoftmax::ChannelSoftmax(int channels, size_t spatial, float temperature)
    : ChannelSoftmax(channels, spatial, temperature, active_isa()) {}

ChannelSoftmax::ChannelSoftmax(int channels, size_t spatial, float temperature, Isa isa)
    : kernels_(&tile_kernels(isa)), channels_(channels), spatial_(spatial), temperature_(temperature) {
  if (channels < 1) throw std::invalid_argument("channel softmax: channels must be >= 1, not " + std::to_string(channels));
  if (spatial < 1) throw std::invalid_argument("channel softmax: an image needs at least one pixel");
  if (!(temperature > 0) || !std::isfinite(temperature))
    throw std::invalid_argument("channel softmax: temperature must be > 0 and finite, not " + std::to_string(temperature));
}

Isa ChannelSoftmax::isa() const { return kernels_->isa; }

void ChannelSoftmax::run(const float* x, float* y, int batch, ThreadPool* pool) const {
  // Blocks of pixels over the threads: a 19 x 512 x 512 class map is ~3.4
  // ms on one AVX-512 core (13 ns a pixel), much of a small segmentation
  // net's time; 4096 pixels (~50 us) is enough work per range to pay for
  // the dispatch.
  constexpr size_t kGrain = 4096;
  const size_t image = size_t(channels_) * spatial_;
  for (int b = 0; b < batch; ++b)
    parallel_for(
        pool, spatial_,
        [&](size_t p0, size_t p1) {
          kernels_->channel_softmax(x + b * image, y + b * image, channels_, long(spatial_), long(p0), long(p1),
                                    temperature_);
        },
        kGrain);
}

}  // namespace huge2
