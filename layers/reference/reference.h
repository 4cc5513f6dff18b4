// The naive definitions, straight from docs/method.md. Used by tests as the
// independent truth; accumulate in double so they are the more exact side.
#pragma once
#include "core/shapes.h"

namespace huge2 {

// Every input pixel scatters a weighted k x k patch. weights [in_c][out_c][k][k].
void deconv_reference(const DeconvShape& s, const float* x, const float* w, float* y);
// Every output gathers a dilated k x k window. weights [out_c][in_c][k][k].
void conv_reference(const ConvShape& s, const float* x, const float* w, float* y);

}  // namespace huge2
