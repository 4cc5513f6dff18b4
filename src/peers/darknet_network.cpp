#include "darknet_network.h"

#include <chrono>
#include <stdexcept>
#include <sys/stat.h>

#undef GPU  // the packaged library is a CPU build (docs/darknet-compatibility.md)
extern "C" {
#include <darknet.h>
// In libdarknet.so but not in darknet.h.
char* get_layer_string(LAYER_TYPE a);
}

namespace huge2::peers {
namespace {

network* as_net(void* p) { return static_cast<network*>(p); }

void require_file(const std::string& path) {
  struct stat st;
  // Darknet exits the process on a missing file; check first.
  if (stat(path.c_str(), &st) != 0) throw std::runtime_error(path + ": cannot open");
}

}  // namespace

StockDarknetNetwork::StockDarknetNetwork(const std::string& cfg_path, const std::string& weights_path, int batch) {
  require_file(cfg_path);
  if (!weights_path.empty()) require_file(weights_path);
  network* net = parse_network_cfg(const_cast<char*>(cfg_path.c_str()));
  for (int i = 0; i < net->n; ++i)
    if (net->layers[i].type == DECONVOLUTIONAL && net->layers[i].groups == 0) net->layers[i].groups = 1;
  if (!weights_path.empty()) load_weights(net, const_cast<char*>(weights_path.c_str()));
  net->train = 0;
  if (batch > 0 && batch != net->batch) set_batch_network(net, batch);
  net_ = net;
}

StockDarknetNetwork::~StockDarknetNetwork() { free_network(as_net(net_)); }

int StockDarknetNetwork::layers() const { return as_net(net_)->n; }
int StockDarknetNetwork::batch() const { return as_net(net_)->batch; }
int StockDarknetNetwork::inputs() const { return as_net(net_)->inputs; }
int StockDarknetNetwork::layer_outputs(int i) const { return as_net(net_)->layers[i].outputs; }
const char* StockDarknetNetwork::layer_type(int i) const {
  return get_layer_string(as_net(net_)->layers[i].type);
}
const float* StockDarknetNetwork::layer_output(int i) const { return as_net(net_)->layers[i].output; }

std::vector<float> stock_letterbox(const std::string& image_path, int w, int h, int* image_w, int* image_h) {
  require_file(image_path);
  image im = load_image_color(const_cast<char*>(image_path.c_str()), 0, 0);
  image boxed = letterbox_image(im, w, h);
  std::vector<float> out(boxed.data, boxed.data + size_t(boxed.w) * boxed.h * boxed.c);
  *image_w = im.w, *image_h = im.h;
  free_image(boxed);
  free_image(im);
  return out;
}

std::vector<StockDetection> StockDarknetNetwork::boxes(int image_w, int image_h, float thresh, float nms) const {
  network* net = as_net(net_);
  int n = 0;
  detection* dets = get_network_boxes(net, image_w, image_h, thresh, 0.5f, nullptr, 1, &n);
  const int classes = net->layers[net->n - 1].classes;
  if (nms > 0) do_nms_sort(dets, n, classes, nms);
  std::vector<StockDetection> out;
  for (int i = 0; i < n; ++i)
    out.push_back({dets[i].bbox.x, dets[i].bbox.y, dets[i].bbox.w, dets[i].bbox.h, dets[i].objectness,
                   std::vector<float>(dets[i].prob, dets[i].prob + classes)});
  free_detections(dets, n);
  return out;
}

void StockDarknetNetwork::save_weights(const std::string& path) const {
  ::save_weights(as_net(net_), const_cast<char*>(path.c_str()));
}

// network_predict's loop (forward_network), with a clock around each layer.
const float* StockDarknetNetwork::predict(const float* input, std::vector<double>* layer_ms) {
  network* net = as_net(net_);
  network n = *net;
  n.input = const_cast<float*>(input);
  n.truth = 0, n.train = 0, n.delta = 0;
  if (layer_ms) layer_ms->assign(n.n, 0.0);
  for (int i = 0; i < n.n; ++i) {
    n.index = i;
    layer l = n.layers[i];
    const auto t0 = std::chrono::steady_clock::now();
    l.forward(l, n);
    if (layer_ms)
      (*layer_ms)[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    n.input = l.output;
  }
  return net->layers[net->n - 1].output;
}

}  // namespace huge2::peers
