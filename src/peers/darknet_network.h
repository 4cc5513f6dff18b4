// A whole network in the real stock Darknet library (libdarknet.so):
// parse_network_cfg + load_weights, with the packaged library's SIGFPE on
// deconvolutional weights worked around (groups = 1, docs/darknet-compatibility.md).
#pragma once
#include <string>
#include <vector>

namespace huge2::peers {

// One box of Darknet's get_network_boxes (centre, size relative to the image).
struct StockDetection {
  float x, y, w, h, objectness;
  std::vector<float> prob;
};

// Darknet's load_image_color + letterbox_image: the network input for an image file.
std::vector<float> stock_letterbox(const std::string& image_path, int w, int h, int* image_w, int* image_h);

class StockDarknetNetwork {
 public:
  // weights may be empty: then the layers keep Darknet's own initial values.
  // batch > 0 replaces the cfg's batch / subdivisions (set_batch_network).
  StockDarknetNetwork(const std::string& cfg_path, const std::string& weights_path, int batch = 0);
  ~StockDarknetNetwork();
  StockDarknetNetwork(const StockDarknetNetwork&) = delete;
  StockDarknetNetwork& operator=(const StockDarknetNetwork&) = delete;

  int layers() const;
  int batch() const;
  int inputs() const;                 // per image
  int layer_outputs(int i) const;     // per image
  const char* layer_type(int i) const;
  // One forward pass, as network_predict does, timing each layer (ms).
  const float* predict(const float* input, std::vector<double>* layer_ms = nullptr);
  const float* layer_output(int i) const;
  // After predict: get_network_boxes (relative boxes for an image_w x image_h
  // image), then do_nms_sort with iou nms when nms > 0.
  std::vector<StockDetection> boxes(int image_w, int image_h, float thresh, float nms) const;
  // Darknet's own save_weights (0.2.0 header).
  void save_weights(const std::string& path) const;

 private:
  void* net_;  // darknet's network*, kept opaque so darknet.h stays out of headers
};

}  // namespace huge2::peers
