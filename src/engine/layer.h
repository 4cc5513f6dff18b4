// The engine's layer interface and the registry that builds layers from cfg
// sections (ncnn-style: small classes behind a name table).
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/algorithm.h"
#include "runtime/thread_pool.h"
#include "cfg.h"

namespace huge2 {

class WeightReader;
class WeightWriter;

// One image's tensor shape (NCHW without the N).
struct Shape3 {
  int c = 0, h = 0, w = 0;
  size_t size() const { return size_t(c) * h * w; }
  bool operator==(const Shape3& o) const { return c == o.c && h == o.h && w == o.w; }
  std::string str() const;  // "W x H x C", Darknet's order
};

// A layer that cannot be built: the message names file, line and layer.
class NetworkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a layer's forward pass sees.
struct ForwardArgs {
  const float* input;  // batch x in
  float* output;       // batch x out, owned by the network
  float* workspace;    // shared scratch, network-sized
  size_t workspace_bytes;
  int batch;
  // Outputs of earlier layers (for route and shortcut), indexed by layer;
  // when the network reuses activation buffers, only those the layer named
  // in reads_outputs_of() (and its input) are there: the rest are null.
  const std::vector<const float*>* outputs;
  ThreadPool* pool = nullptr;  // the network's threads (null: the calling thread alone)
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual const char* type() const = 0;  // Darknet's summary name: "conv", "deconv", ...
  const Shape3& in() const { return in_; }
  const Shape3& out() const { return out_; }
  // Summary columns after the type: filters, size, algorithm, ...
  virtual std::string describe() const { return ""; }
  // The algorithm the layer runs, for the summary; empty for layers with no choice.
  virtual std::string algorithm() const { return ""; }
  // Which implementation runs it (operator, tiling, ISA): for summaries and benchmarks.
  virtual std::string method() const { return ""; }
  virtual size_t workspace_bytes() const { return 0; }
  // Non-empty when the packaged stock Darknet computes this layer differently
  // (a known fault, or a key it lacks); says how. Used by `huge2 compare`.
  virtual std::string stock_darknet_difference() const { return ""; }
  // Non-empty when the packaged stock Darknet cannot run this layer at all
  // (it crashes); says why. `huge2 compare` then does not run it (issue 21).
  virtual std::string stock_darknet_cannot_run() const { return ""; }
  virtual double flops() const { return 0; }
  // The earlier layers whose outputs forward() reads through
  // ForwardArgs::outputs ([route], [shortcut]); the network keeps them alive
  // that long when it reuses activation buffers.
  virtual std::vector<int> reads_outputs_of() const { return {}; }
  // A recurrent layer: its state carries over from one forward pass to the
  // next, so a pass cannot be run again without changing later results.
  virtual bool keeps_state() const { return false; }
  // forward() is right with output == input (elementwise layers): the
  // network may then give the layer its input's buffer.
  virtual bool runs_in_place() const { return false; }
  virtual void forward(const ForwardArgs& a) const = 0;
  // Allocates the parameters. The network calls it once, after every layer
  // is built and the memory budget checked, and never when it is built for
  // its shapes only (summary); parameter_count() must not depend on it.
  virtual void allocate() {}
  virtual void load(WeightReader&) {}
  virtual void save(WeightWriter&) const {}
  virtual size_t parameter_count() const { return 0; }
  // Fills the parameters with seeded random values of sane scale.
  virtual void randomize(unsigned /*seed*/) {}
  // AlexeyAB's share_index: the earlier layer whose parameters this one
  // uses (and does not store in .weights), or -1.
  virtual int shares_parameters_of() const { return -1; }
  // Called by the network with that layer whenever its parameters change.
  virtual void take_parameters_from(const Layer& /*owner*/) {}

 protected:
  Shape3 in_, out_;
};

// What a factory knows when it builds the layer for one cfg section.
struct BuildContext {
  int index = 0;   // this layer's index (0 = first after [net])
  int batch = 1;
  int time_steps = 1;  // [net] time_steps: recurrent layers split the batch into that many steps
  Shape3 input;    // the previous layer's output (or the network input)
  std::vector<Shape3> earlier;  // outputs of layers 0..index-1
  bool huge2_default = false;   // [net] huge2=1
  int threads = 1;              // the network's pool size: operators plan their split for it
  std::optional<Algorithm> override_algorithm;  // command line: every eligible layer
  // "FILE:LINE [type]: " prefix for messages about the section.
  std::string where;
  // Shapes only (summary): allocate nothing that allocate() can defer.
  bool shapes_only = false;
};

using LayerFactory = std::unique_ptr<Layer> (*)(const cfg::Section&, const BuildContext&);

// nullptr when no layer type has that (Darknet) section name.
LayerFactory find_layer_factory(const std::string& section_type);
std::vector<std::string> layer_type_names();

}  // namespace huge2
