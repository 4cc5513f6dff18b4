#include "managed_layers.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "darknet_activations.h"
#include "exit_failure.h"

namespace huge2::plugin {
namespace {

[[noreturn]] void fatal(int index, const std::string& what) {
  std::fprintf(stderr, "huge2 plugin: layer %d: %s\n", index, what.c_str());
  exit_failure();
}

// The threads every managed layer runs on: made with the first managed
// forward (a Darknet program without huge2 layers starts none), sized
// default_threads() (OMP_NUM_THREADS, else the hardware threads) as the
// operators' plans are. Its workers sleep shortly after each huge2 layer,
// whatever OMP_WAIT_POLICY says, so Darknet's own layers keep the cores.
ThreadPool& plugin_pool() {
  static ThreadPool pool(default_threads());
  return pool;
}

// A freshly built operator copied Darknet's weights or packed them: one that
// reads them as given drops its copy and reads l.weights in place (Darknet
// updates it in place, and the layer outlives its operators); one that packs
// keeps what it just packed (borrowing would pack again).
template <class Op>
void read_in_place(Op& op, const float* weights) {
  if (!op.packs_weights()) op.borrow_weights(weights);
}

// Width first, as Darknet's own layer table prints sizes.
std::string dims(int h, int w) { return std::to_string(w) + "x" + std::to_string(h); }

}  // namespace

// ---------------------------------------------------------------- ManagedLayer

ManagedLayer::ManagedLayer(const layer& l, int index, Algorithm algo)
    : index_(index), algo_(algo), h_(l.h), w_(l.w), c_(l.c), out_h_(l.out_h), out_w_(l.out_w), n_(l.n),
      darknet_update_(l.update) {}

void ManagedLayer::check_unchanged(const layer& l) const {
  // A size changed other than through resize_network (which the plugin
  // follows): running the old plan on it would be wrong.
  if (l.h != h_ || l.w != w_ || l.c != c_ || l.out_h != out_h_ || l.out_w != out_w_ || l.n != n_)
    fatal(index_, "layer geometry changed after parsing (" + std::to_string(c_) + "x" + dims(h_, w_) + " -> " +
                      std::to_string(n_) + "x" + dims(out_h_, out_w_) + " became " + std::to_string(l.c) + "x" +
                      dims(l.h, l.w) + " -> " + std::to_string(l.n) + "x" + dims(l.out_h, l.out_w) +
                      "): layers are resized only through resize_network");
}

void ManagedLayer::forward(const layer& l, const network& net) {
  std::lock_guard<std::mutex> lock(mutex_);
  check_unchanged(l);
  if (stale_) {
    rebuild(l);
    stale_ = false;
  }
  // The network's shared workspace is at least this layer's workspace_size,
  // which the parser set to the operator's needs; an operator rebuilt under
  // another thread count may want more: then a buffer of its own.
  float* ws = net.workspace;
  size_t ws_bytes = l.workspace_size;
  if (workspace_bytes_ > ws_bytes || (!ws && workspace_bytes_ > 0)) {
    own_workspace_.resize((workspace_bytes_ + sizeof(float) - 1) / sizeof(float));
    ws = own_workspace_.data();
    ws_bytes = own_workspace_.size() * sizeof(float);
  }
  try {
    for (int b = 0; b < l.batch; ++b)
      run_image(l, net.input + size_t(b) * l.inputs, l.output + size_t(b) * l.outputs, ws, ws_bytes, &plugin_pool());
  } catch (const std::exception& e) {
    fatal(index_, e.what());
  }
  // The epilogue is Darknet's own code, so that it matches the stock layer
  // exactly (and batch statistics work when net.train is set); the
  // activation its formulas, as loops.
  if (l.batch_normalize)
    forward_batchnorm_layer(l, net);
  else
    add_bias(l.output, l.biases, l.batch, l.n, l.out_h * l.out_w);
  activate_like_darknet(l.output, size_t(l.outputs) * l.batch, l.activation);
}

void ManagedLayer::resize(layer& l) {
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    replan(l);
  } catch (const std::exception& e) {
    fatal(index_, std::string("resizing to ") + dims(l.h, l.w) + ": " + e.what());
  }
  h_ = l.h, w_ = l.w, c_ = l.c, out_h_ = l.out_h, out_w_ = l.out_w, n_ = l.n;
  stale_ = false;
  backward_stale_ = true;
  l.workspace_size = workspace_bytes_;
}

void ManagedLayer::backward(const layer& l, const network& net) {
  std::lock_guard<std::mutex> lock(mutex_);
  check_unchanged(l);
  // Darknet's own order and code for what precedes the convolution's
  // gradients (backward_convolutional_layer, backward_deconvolutional_layer).
  gradient_like_darknet(l.output, size_t(l.outputs) * l.batch, l.activation, l.delta);
  if (l.batch_normalize)
    backward_batchnorm_layer(l, net);
  else
    backward_bias(l.bias_updates, l.delta, l.batch, l.n, l.out_h * l.out_w);
  try {
    // Only the data gradient reads the weights: the first layer (no
    // net.delta) leaves them unpacked (in the decoder of
    // tests/data/plugin/train-decoder128.cfg, 0.9 ms of a 20 ms iteration).
    const bool data = net.delta != nullptr;
    if (backward_stale_) {
      backward_workspace_.resize(rebuild_backward(l, data) / sizeof(float) + 1);
      backward_stale_ = !data;
    }
    // The operators overwrite dx; Darknet adds into net.delta (a [shortcut]
    // or [route] may have put gradient there already).
    if (net.delta) dx_.resize(size_t(l.inputs));
    const size_t ws_bytes = backward_workspace_.size() * sizeof(float);
    for (int b = 0; b < l.batch; ++b) {
      backward_image(l, net.input + size_t(b) * l.inputs, l.delta + size_t(b) * l.outputs,
                     net.delta ? dx_.data() : nullptr, backward_workspace_.data(), ws_bytes, &plugin_pool());
      if (!net.delta) continue;
      float* delta = net.delta + size_t(b) * l.inputs;
      for (int i = 0; i < l.inputs; ++i) delta[i] += dx_[i];
    }
  } catch (const std::exception& e) {
    fatal(index_, e.what());
  }
}

// --------------------------------------------------------------- ManagedDeconv

ManagedDeconv::ManagedDeconv(const layer& l, int index, Algorithm algo)
    : ManagedLayer(l, index, algo), darknet_ws_(l.workspace_size) {
  shape_.batch = 1;
  shape_.in_c = l.c, shape_.in_h = l.h, shape_.in_w = l.w;
  shape_.out_c = l.n, shape_.ksize = l.size, shape_.stride = l.stride, shape_.pad = l.pad;
  shape_.validate();
  if (shape_.out_h() != l.out_h || shape_.out_w() != l.out_w)
    throw ShapeError("Darknet made the output " + dims(l.out_h, l.out_w) + ", huge2 computes " +
                     dims(shape_.out_h(), shape_.out_w()) + " (" + shape_.describe() + ")");
  rebuild(l);
  workspace_bytes_ = op_->workspace_bytes();
}

// After Darknet's update: the same plan, repacked (planning again would only redo the same work).
void ManagedDeconv::rebuild(const layer& l) {
  if (op_) return op_->borrow_weights(l.weights);
  op_ = std::make_unique<Deconvolution>(shape_, algo_, l.weights);
  read_in_place(*op_, l.weights);
}

void ManagedDeconv::run_image(const layer&, const float* in, float* out, float* ws, size_t ws_bytes,
                              ThreadPool* pool) const {
  op_->forward(in, out, ws, ws_bytes, pool);
}

void ManagedDeconv::replan(const layer& l) {
  DeconvShape s = shape_;
  s.in_h = l.h, s.in_w = l.w;
  s.validate();
  op_ = std::make_unique<Deconvolution>(s, algo_, l.weights);
  read_in_place(*op_, l.weights);
  back_.reset();
  shape_ = s;
  workspace_bytes_ = op_->workspace_bytes();
}

size_t ManagedDeconv::rebuild_backward(const layer& l, bool data) {
  if (!back_) {
    back_ = std::make_unique<DeconvolutionBackward>(shape_, algo_, l.weights);
    read_in_place(*back_, l.weights);
  } else if (data) {
    back_->borrow_weights(l.weights);
  }
  return back_->workspace_bytes();
}

void ManagedDeconv::backward_image(const layer& l, const float* in, const float* dy, float* dx, float* ws,
                                   size_t ws_bytes, ThreadPool* pool) const {
  back_->backward_weights(in, dy, l.weight_updates, ws, ws_bytes, pool);
  if (dx) back_->backward_data(dy, dx, ws, ws_bytes, pool);
}

std::string ManagedDeconv::describe() const {
  std::ostringstream d;
  d << "[deconvolutional] " << shape_.in_c << " -> " << shape_.out_c << ", " << shape_.ksize << "x" << shape_.ksize
    << "/" << shape_.stride << " pad " << shape_.pad << ", " << dims(shape_.in_h, shape_.in_w) << " -> "
    << dims(shape_.out_h(), shape_.out_w()) << ": " << algorithm_name(algo_);
  if (algo_ == Algorithm::huge2) d << " (" << op_->method() << ")";
  d << ", workspace " << workspace_bytes_ << " B (Darknet's: " << darknet_ws_ << " B)";
  return d.str();
}

// ---------------------------------------------------------- ManagedConv

ConvShape ManagedConv::shape_of(const layer& l, int dilation) {
  ConvShape s;
  const int g = l.groups > 0 ? l.groups : 1;
  s.batch = 1;
  s.in_c = l.c / g, s.in_h = l.h, s.in_w = l.w;
  s.out_c = l.n / g, s.ksize = l.size, s.stride = l.stride, s.pad = l.pad, s.dilation = dilation;
  if (l.c % g || l.n % g)
    throw ShapeError("groups=" + std::to_string(g) + " must divide both the " + std::to_string(l.c) +
                     " input channels and the " + std::to_string(l.n) + " filters");
  s.validate();
  return s;
}

ManagedConv::ManagedConv(const layer& l, int index, Algorithm algo, int dilation)
    : ManagedLayer(l, index, algo), shape_(shape_of(l, dilation)), groups_(l.groups > 0 ? l.groups : 1) {
  rebuild(l);
  workspace_bytes_ = ops_.front().workspace_bytes();  // groups run one after another
}

void ManagedConv::rebuild(const layer& l) {
  const size_t per_group = shape_.weight_count();
  if (!ops_.empty()) {  // after Darknet's update: repack in the same plans (or read in place)
    for (int g = 0; g < groups_; ++g) ops_[g].borrow_weights(l.weights + g * per_group);
    return;
  }
  for (int g = 0; g < groups_; ++g) {
    ops_.emplace_back(shape_, algo_, l.weights + g * per_group);
    read_in_place(ops_.back(), l.weights + g * per_group);
  }
}

void ManagedConv::run_image(const layer& l, const float* in, float* out, float* ws, size_t ws_bytes,
                                   ThreadPool* pool) const {
  const size_t gin = size_t(shape_.in_c) * l.h * l.w, gout = size_t(shape_.out_c) * l.out_h * l.out_w;
  for (int g = 0; g < groups_; ++g) ops_[g].forward(in + g * gin, out + g * gout, ws, ws_bytes, pool);
}

void ManagedConv::replan(const layer& l) {
  const ConvShape s = shape_of(l, shape_.dilation);
  const size_t per_group = s.weight_count();
  std::vector<Convolution> ops;
  for (int g = 0; g < groups_; ++g) {
    ops.emplace_back(s, algo_, l.weights + g * per_group);
    read_in_place(ops.back(), l.weights + g * per_group);
  }
  ops_ = std::move(ops);
  backs_.clear();
  shape_ = s;
  workspace_bytes_ = ops_.front().workspace_bytes();
}

size_t ManagedConv::rebuild_backward(const layer& l, bool data) {
  const size_t per_group = shape_.weight_count();
  if (backs_.empty()) {
    for (int g = 0; g < groups_; ++g) {
      backs_.push_back(std::make_unique<ConvolutionBackward>(shape_, algo_, l.weights + g * per_group));
      read_in_place(*backs_.back(), l.weights + g * per_group);
    }
  } else if (data) {
    for (int g = 0; g < groups_; ++g) backs_[g]->borrow_weights(l.weights + g * per_group);
  }
  return backs_.front()->workspace_bytes();  // groups run one after another
}

void ManagedConv::backward_image(const layer& l, const float* in, const float* dy, float* dx, float* ws,
                                        size_t ws_bytes, ThreadPool* pool) const {
  const size_t gin = size_t(shape_.in_c) * l.h * l.w, gout = size_t(shape_.out_c) * l.out_h * l.out_w;
  const size_t per_group = shape_.weight_count();
  for (int g = 0; g < groups_; ++g) {
    backs_[g]->backward_weights(in + g * gin, dy + g * gout, l.weight_updates + g * per_group, ws, ws_bytes, pool);
    if (dx) backs_[g]->backward_data(dy + g * gout, dx + g * gin, ws, ws_bytes, pool);
  }
}

std::string ManagedConv::describe() const {
  const ConvShape& s = shape_;
  std::ostringstream d;
  d << "[convolutional] " << s.in_c * groups_ << " -> " << s.out_c * groups_ << ", " << s.ksize << "x" << s.ksize
    << "/" << s.stride << " pad " << s.pad << " dilation " << s.dilation;
  if (groups_ > 1) d << " groups " << groups_;
  d << ", " << dims(s.in_h, s.in_w) << " -> " << dims(s.out_h(), s.out_w()) << ": ";
  const Convolution& op = ops_.front();
  if (algo_ == Algorithm::huge2)
    d << "huge2 (" << op.method() << ")";
  else
    d << "darknet (dilated im2col + GEMM)";
  d << ", workspace " << workspace_bytes_ << " B";
  return d.str();
}

// -------------------------------------------------------------------- Registry

Registry& Registry::instance() {
  // Darknet's callbacks carry nothing but the layer and the network, so the
  // plugin's per-layer state is necessarily process-wide; this is all of it.
  static Registry r;
  return r;
}

void Registry::add(const float* weights, std::unique_ptr<ManagedLayer> m) {
  std::lock_guard<std::mutex> lock(mutex_);
  layers_[weights] = std::move(m);  // a stale entry of a freed layer at the same address goes
}

ManagedLayer* Registry::find(const float* weights) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = layers_.find(weights);
  return it == layers_.end() ? nullptr : it->second.get();
}

void Registry::erase(const float* weights) {
  std::lock_guard<std::mutex> lock(mutex_);
  layers_.erase(weights);
}

void Registry::mark_stale(const network* net, int start, int cutoff) {
  if (!net || !net->layers) return;
  std::lock_guard<std::mutex> lock(mutex_);
  for (int i = std::max(0, start); i < std::min(cutoff, net->n); ++i) {
    auto it = layers_.find(net->layers[i].weights);
    if (it != layers_.end()) it->second->mark_stale();
  }
}

// ------------------------------------------------- functions in layer structs

namespace {
ManagedLayer& managed(const layer& l, const network& net) {
  ManagedLayer* m = Registry::instance().find(l.weights);
  if (!m) fatal(net.index, "the layer's forward is huge2's but the plugin has no record of it (weights replaced?)");
  return *m;
}
}  // namespace

void forward_managed(layer l, network net) { managed(l, net).forward(l, net); }

void update_managed(layer l, update_args a) {
  ManagedLayer* m = Registry::instance().find(l.weights);
  if (!m) return;
  if (auto darknet_update = m->darknet_update()) darknet_update(l, a);
  m->mark_stale();
}

void backward_managed(layer l, network net) { managed(l, net).backward(l, net); }

}  // namespace huge2::plugin
