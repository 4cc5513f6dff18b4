#include "darknet_stock.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

// The packaged library is a CPU build: GPU must stay undefined or the
// struct layouts differ (docs/darknet-compatibility.md).
#undef GPU
extern "C" {
#include <darknet.h>
// Not in darknet.h; the 2018 signature from deconvolutional_layer.h.
layer make_deconvolutional_layer(int batch, int h, int w, int c, int n, int size, int stride, int padding,
                                 ACTIVATION activation, int batch_normalize, int adam);
void forward_deconvolutional_layer(const layer l, network net);
void backward_deconvolutional_layer(layer l, network net);
}

namespace huge2::peers {

struct StockDarknetDeconv::Impl {
  layer l{};
  std::vector<float> workspace;
};

StockDarknetDeconv::StockDarknetDeconv(const DeconvShape& s, const float* weights, const float* biases)
    : impl_(std::make_unique<Impl>()) {
  s.validate();
  layer& l = impl_->l;
  l = make_deconvolutional_layer(s.batch, s.in_h, s.in_w, s.in_c, s.out_c, s.ksize, s.stride, s.pad, LINEAR, 0, 0);
  if (l.out_h != s.out_h() || l.out_w != s.out_w())
    throw std::runtime_error("stock Darknet computed a " + std::to_string(l.out_h) + "x" + std::to_string(l.out_w) +
                             " output for " + s.describe());
  std::memcpy(l.weights, weights, sizeof(float) * s.weight_count());
  for (int n = 0; n < s.out_c; ++n) l.biases[n] = biases ? biases[n] : 0.f;
  l.groups = 1;  // stock leaves it 0 (docs/darknet-compatibility.md: its loaders divide by it)
  impl_->workspace.assign(l.workspace_size / sizeof(float) + 1, 0.f);
}

StockDarknetDeconv::~StockDarknetDeconv() { free_layer(impl_->l); }

void StockDarknetDeconv::forward(const float* x) {
  network net{};
  net.input = const_cast<float*>(x);  // Darknet's API is not const-correct; it only reads
  net.workspace = impl_->workspace.data();
  net.train = 0;
  net.batch = impl_->l.batch;
  forward_deconvolutional_layer(impl_->l, net);
}

void StockDarknetDeconv::backward(const float* x, const float* dy, float* dx) {
  layer& l = impl_->l;
  const size_t outputs = size_t(l.outputs) * l.batch, inputs = size_t(l.inputs) * l.batch;
  std::memcpy(l.delta, dy, sizeof(float) * outputs);
  std::memset(l.weight_updates, 0, sizeof(float) * l.nweights);
  std::memset(l.bias_updates, 0, sizeof(float) * l.n);
  std::memset(dx, 0, sizeof(float) * inputs);  // Darknet adds into net.delta
  network net{};
  net.input = const_cast<float*>(x);
  net.delta = dx;
  net.workspace = impl_->workspace.data();
  net.train = 1;
  net.batch = l.batch;
  backward_deconvolutional_layer(l, net);
}

const float* StockDarknetDeconv::weight_updates() const { return impl_->l.weight_updates; }

const float* StockDarknetDeconv::output() const { return impl_->l.output; }

size_t StockDarknetDeconv::workspace_bytes() const { return impl_->l.workspace_size; }

}  // namespace huge2::peers
