// The packaged libdarknet.so (Debian darknet 0.0.0+git20180914, the 2018
// original) as the plugin sees it: its public header, plus the few exported
// functions and private types the header does not declare. These are ABI
// declarations written from the library's exported symbols and documented
// behaviour (docs/darknet-compatibility.md), not code taken from Darknet.
#pragma once

extern "C" {
#include <darknet.h>  // never with GPU defined: the packaged build is CPU-only

// parser.c's private by-value argument of every parse_* function.
struct size_params {
  int batch;
  int inputs;
  int h;
  int w;
  int c;
  int index;
  int time_steps;
  network* net;
};

// option_list.h's private node value in the list read_cfg builds per section.
struct kvp {
  char* key;
  char* val;
  int used;  // option_unused() reports the keys left at 0
};

// Exported by libdarknet.so, absent from darknet.h.
void forward_batchnorm_layer(layer l, network net);
void add_bias(float* output, float* biases, int batch, int n, int size);
void activate_array(float* x, const int n, const ACTIVATION a);
void backward_deconvolutional_layer(layer l, network net);
// The backward pass's epilogue, kept Darknet's in managed layers.
void gradient_array(const float* x, const int n, const ACTIVATION a, float* delta);
void backward_batchnorm_layer(layer l, network net);
void backward_bias(float* bias_updates, float* delta, int batch, int n, int size);
// deconvolutional_layer.c's resize, which resize_network never calls. Note
// the order: height before width (resize_convolutional_layer's is w, h).
void resize_deconvolutional_layer(layer* l, int h, int w);
}

namespace huge2::plugin {

// The functions the plugin replaces, each also reached in the library behind
// it (dlsym RTLD_NEXT): same signatures as the originals.
using ParseNetworkCfgFn = network* (*)(char*);
using ParseNetOptionsFn = void (*)(list*, network*);
using ParseLayerFn = layer (*)(list*, size_params);
// parse_route and parse_shortcut also take the network being built.
using ParseIndexedLayerFn = layer (*)(list*, size_params, network*);
using LoadWeightsUptoFn = void (*)(network*, char*, int, int);
using FreeLayerFn = void (*)(layer);
using ResizeLayerFn = void (*)(layer*, int, int);
using ResizeNetworkFn = int (*)(network*, int, int);

}  // namespace huge2::plugin
