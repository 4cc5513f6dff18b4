// Darknet layers whose forward pass the plugin hands to huge2's operators.
//
// Darknet calls a layer's functions with the layer struct by value, so the
// plugin's state for a layer lives here, found by the layer's weights
// pointer (unique and fixed while the layer lives; forgotten in free_layer).
// The operators pack the weights, so they are rebuilt whenever Darknet may
// have changed them: after load_weights and after each update.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "operators/convolution.h"
#include "operators/convolution_backward.h"
#include "darknet_abi.h"
#include "operators/deconvolution.h"
#include "operators/deconvolution_backward.h"
#include "core/errors.h"
#include "runtime/thread_pool.h"

namespace huge2::plugin {

class ManagedLayer {
 public:
  ManagedLayer(const layer& l, int index, Algorithm algo);  // index: params.index
  virtual ~ManagedLayer() = default;
  ManagedLayer(const ManagedLayer&) = delete;
  ManagedLayer& operator=(const ManagedLayer&) = delete;

  // Computes l.output for l.batch images from net.input, as Darknet's own
  // forward would, epilogue (bias or batch-norm, activation) included.
  void forward(const layer& l, const network& net);
  // Darknet's backward for the layer: the activation's and the bias or
  // batch-norm gradients by Darknet's own code, then the weight gradient
  // added to l.weight_updates and the data gradient added to net.delta (when
  // there is one) by huge2's backward operators, on a workspace of the
  // layer's own (Darknet's shared one is sized for the forward pass).
  void backward(const layer& l, const network& net);
  void mark_stale() { stale_ = backward_stale_ = true; }
  // After Darknet's resize_*_layer (resize_network, random=1) gave the layer
  // a new input size and its buffers for the new output: plans the
  // operators again for it; sets l.workspace_size to the forward's needs.
  void resize(layer& l);
  size_t workspace_bytes() const { return workspace_bytes_; }
  Algorithm algorithm() const { return algo_; }
  void (*darknet_update() const)(layer, update_args) { return darknet_update_; }
  virtual std::string describe() const = 0;

 protected:
  // Re-packs the weights from l.weights into the operators.
  virtual void rebuild(const layer& l) = 0;
  // The linear part for image b, into l.output + b * l.outputs.
  virtual void run_image(const layer& l, const float* in, float* out, float* ws, size_t ws_bytes, ThreadPool* pool) const = 0;
  // The operators planned again for l's (new) input size.
  virtual void replan(const layer& l) = 0;
  // The backward operators from l.weights: made at the first backward,
  // repacked after an update when `data` (the data gradient will run; the
  // weight gradient does not read the weights). Returns the workspace bytes
  // they need.
  virtual size_t rebuild_backward(const layer& l, bool data) = 0;
  // For image b: dw += the weight gradient into l.weight_updates; dx (one
  // image's input, overwritten) = the data gradient, when dx is not null.
  virtual void backward_image(const layer& l, const float* in, const float* dy, float* dx, float* ws,
                              size_t ws_bytes, ThreadPool* pool) const = 0;

  int index_;
  Algorithm algo_;
  size_t workspace_bytes_ = 0;  // set by the subclass after its first rebuild

 private:
  void check_unchanged(const layer& l) const;

  int h_, w_, c_, out_h_, out_w_, n_;
  void (*darknet_update_)(layer, update_args);
  bool stale_ = false;
  bool backward_stale_ = true;      // no backward operators yet, or their weights are old
  std::mutex mutex_;                // one forward at a time per layer
  std::vector<float> own_workspace_;  // only when the network's is too small
  std::vector<float> backward_workspace_, dx_;  // the backward pass's own
};

// [deconvolutional]: huge2's transposed convolution (phases).
class ManagedDeconv final : public ManagedLayer {
 public:
  ManagedDeconv(const layer& l, int index, Algorithm algo);
  std::string describe() const override;
  // What Darknet's own backward pass needs (it is kept for training).
  size_t darknet_workspace_bytes() const { return darknet_ws_; }

 private:
  void rebuild(const layer& l) override;
  void replan(const layer& l) override;
  void run_image(const layer& l, const float* in, float* out, float* ws, size_t ws_bytes, ThreadPool* pool) const override;
  size_t rebuild_backward(const layer& l, bool data) override;
  void backward_image(const layer& l, const float* in, const float* dy, float* dx, float* ws, size_t ws_bytes,
                      ThreadPool* pool) const override;

  DeconvShape shape_;
  size_t darknet_ws_;
  std::unique_ptr<Deconvolution> op_;
  std::unique_ptr<DeconvolutionBackward> back_;
};

// [convolutional] with dilation > 1: huge2's sub-images or the stock
// dilated im2col (Darknet 2018 has no dilation at all); or a plain one
// (dilation 1) that asked for huge2.
class ManagedConv final : public ManagedLayer {
 public:
  ManagedConv(const layer& l, int index, Algorithm algo, int dilation);
  std::string describe() const override;
  // The output size dilation gives (the parser fixes the layer to it first).
  static ConvShape shape_of(const layer& l, int dilation);
  int dilation() const { return shape_.dilation; }

 private:
  void rebuild(const layer& l) override;
  void replan(const layer& l) override;
  void run_image(const layer& l, const float* in, float* out, float* ws, size_t ws_bytes, ThreadPool* pool) const override;
  size_t rebuild_backward(const layer& l, bool data) override;
  void backward_image(const layer& l, const float* in, const float* dy, float* dx, float* ws, size_t ws_bytes,
                      ThreadPool* pool) const override;

  ConvShape shape_;  // one group, one image
  int groups_;
  std::vector<Convolution> ops_;  // one per group
  std::vector<std::unique_ptr<ConvolutionBackward>> backs_;  // one per group
};

// Every managed layer of the process, by weights pointer.
class Registry {
 public:
  static Registry& instance();
  void add(const float* weights, std::unique_ptr<ManagedLayer> m);
  ManagedLayer* find(const float* weights);
  void erase(const float* weights);
  // Weights of layers [start, cutoff) of net were (re)loaded.
  void mark_stale(const network* net, int start, int cutoff);

 private:
  Registry() = default;
  std::mutex mutex_;
  std::unordered_map<const float*, std::unique_ptr<ManagedLayer>> layers_;
};

// The functions the plugin installs in a managed layer's struct.
void forward_managed(layer l, network net);
void update_managed(layer l, update_args a);
void backward_managed(layer l, network net);

}  // namespace huge2::plugin
