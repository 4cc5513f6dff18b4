// A whole network in the real stock Darknet library (libdarknet.so):
// parse_network_cfg + load_weights, with the packaged library's SIGFPE on
// deconvolutional weights worked around (groups = 1, DARKNET.md).
#pragma once
#include <string>
#include <vector>

namespace huge2::peers {

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
  // Darknet's own save_weights (0.2.0 header).
  void save_weights(const std::string& path) const;

 private:
  void* net_;  // darknet's network*, kept opaque so darknet.h stays out of headers
};

}  // namespace huge2::peers
