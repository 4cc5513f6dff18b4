// Softmax over the channels of every pixel ([softmax] spatial=1: the class
// map of a segmentation net), the hot loop of small segmentation nets (a
// 512x512x19 map took ~10 ms on one core with std::exp, a call per element).
#pragma once
#include <cstddef>

namespace huge2 {

// Pixels [p0, p1) of one image x (channels x spatial, NCHW) into y:
// y = e^((x - max_c x) / temperature) / sum_c of that. e^ is a polynomial
// within 1 ulp of expf (0 below e^-87.3, where expf gives subnormals),
// vectorised by the compiler; the same result for a pixel on any thread.
void channel_softmax(const float* x, float* y, int channels, size_t spatial, size_t p0, size_t p1,
                     float temperature);

}  // namespace huge2
