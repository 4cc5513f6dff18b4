// A Darknet network built from a .cfg, with .weights in and out, run forward
// on the CPU. Every layer's output buffer and one shared workspace are owned
// here (RAII); layers own their parameters.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cfg.h"
#include "layer.h"

namespace huge2 {

struct NetworkOptions {
  std::optional<Algorithm> algorithm;  // override every eligible layer (command line)
  int batch = 0;                       // > 0: replaces [net] batch
  // Build for the shapes only: no activations, workspace or (deferrable)
  // parameters; summary() works, forward/load/save/randomize throw.
  bool shapes_only = false;
  // Memory budget in bytes: 0 = MemAvailable (/proc/meminfo), when readable.
  uint64_t max_memory = 0;
  // For work on the parameters only (init-weights): the smallest batch the
  // layers accept (one image; one sequence of [net] time_steps), not the cfg's.
  bool smallest_batch = false;
  // Threads for huge2's own work (the network's pool): 0 = default_threads().
  int threads = 0;
  // Inference: outputs whose lives do not overlap take turns in shared
  // buffers (activation_slots.h), so the activations take the largest live
  // set, not the sum (erfnet-like: 72 -> 23 MiB, its softmax in place). After forward() only the
  // last layer's and the box layers' ([yolo], [region], [detection]) outputs
  // can be read (output_of); any layer's inside forward()'s on_layer call
  // for it. The CLI's verbs set it, but `compare`, which reads every layer.
  // Ignored (one buffer per layer) for networks with recurrent layers,
  // where first_non_finite_layer() could not run the pass again.
  bool reuse_activations = false;
};

// What a network needs, computed before it allocates (memory_plan()).
struct MemoryPlan {
  uint64_t activations = 0, weights = 0, workspace = 0;
  // With reuse_activations: what one buffer per layer would take, and the
  // number of shared buffers (0: one per layer).
  uint64_t activations_unshared = 0;
  int activation_slots = 0;
  int largest_layer = -1;  // the layer needing most (its output + parameters + workspace)
  uint64_t largest_bytes = 0;
  uint64_t total() const { return activations + weights + workspace; }
};

class Network {
 public:
  // Throws cfg::CfgError or NetworkError naming file, line and layer.
  static Network from_cfg_file(const std::string& path, const NetworkOptions& opt = {});
  static Network from_cfg(const cfg::Cfg& cfg, const NetworkOptions& opt = {});

  Network(Network&&) = default;
  Network& operator=(Network&&) = default;

  // Darknet .weights; WeightsError names the layer where the file stops matching.
  // A file that ends on a layer boundary after at least one layer with
  // parameters (one `darknet partial` wrote) loads those layers and gives the
  // rest seeded random values, as Darknet leaves them at their initial ones;
  // weights_note() then says so. One that ends inside a layer is refused.
  void load_weights(const std::string& path);
  // "" after a complete load; else what a partial file left out.
  const std::string& weights_note() const { return weights_note_; }
  void save_weights(const std::string& path) const;
  void randomize(unsigned seed);

  // input: batch x input_shape(); returns batch x output_shape(), valid until the next call.
  // on_layer, when given, is called after each layer with its index and
  // milliseconds; output_of(that index) holds the layer's output then.
  const float* forward(const float* input, const std::function<void(int, double)>& on_layer = {});

  int batch() const { return batch_; }
  // The cfg's own batch per forward pass (batch / subdivisions x time_steps),
  // whatever NetworkOptions chose.
  int cfg_batch() const { return cfg_batch_; }
  Shape3 input_shape() const { return input_; }
  Shape3 output_shape() const { return layers_.empty() ? input_ : layers_.back()->out(); }
  int size() const { return int(layers_.size()); }
  const Layer& layer(int i) const { return *layers_[i]; }
  // Layer i's output after forward() (or inside its on_layer call). With
  // reuse_activations, std::logic_error for an output that was not kept.
  const float* output_of(int i) const;
  bool output_kept(int i) const { return !reuse_ || last_reader_[i] >= layers_.size(); }
  size_t workspace_bytes() const { return workspace_.size() * sizeof(float); }
  uint64_t seen() const { return seen_; }
  // "FILE:LINE: [type] unused key 'k'" for keys no layer read (Darknet warns likewise).
  const std::vector<std::string>& unused_keys() const { return unused_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Darknet-style table: index, type, details, input -> output, algorithm, BFLOPs.
  std::string summary() const;
  // After a forward pass: the first layer whose output holds NaN or Inf, or
  // -1. With reuse_activations the kept outputs tell whether there is one;
  // if so, the pass on `input` (the one just run) is run again, each output
  // checked as it is made (without input: the first kept one).
  int first_non_finite_layer(const float* input = nullptr);
  // "FILE:LINE [type]" of layer i's cfg section.
  const std::string& layer_where(int i) const { return layer_where_[i]; }
  const MemoryPlan& memory_plan() const { return plan_; }
  // The threads huge2's layers run on (NetworkOptions::threads).
  int threads() const { return threads_; }

 private:
  Network() = default;
  void require_allocated(const char* what) const;
  // Gives each share_index layer its owner's current parameters.
  void share_parameters();
  // load_weights of a file that ended after layer `last`: randomizes the rest.
  void partial_weights(const std::string& path, int last, int first_missing);
  static constexpr unsigned kPartialSeed = 1;  // init-weights' default seed

  int batch_ = 1, cfg_batch_ = 1;
  Shape3 input_;
  uint64_t seen_ = 0;
  std::vector<std::unique_ptr<Layer>> layers_;
  // Activation buffers: one per layer, or shared slots (reuse_activations).
  std::vector<std::vector<float>> slots_;
  std::vector<float*> out_;                // layer i's output, in its slot
  std::vector<size_t> last_reader_;        // >= size(): kept after the pass
  std::vector<std::vector<int>> ends_at_;  // ends_at_[i]: outputs no layer after i reads
  std::vector<const float*> visible_;      // what ForwardArgs::outputs shows (null: reused)
  bool reuse_ = false;
  bool ran_ = false;  // a forward pass has run
  int current_ = -1;  // the layer whose on_layer call is running
  std::vector<float> workspace_;
  std::vector<std::string> unused_, warnings_;
  std::string weights_note_;
  std::vector<std::string> layer_where_;  // "FILE:LINE [type]" per layer, for messages
  MemoryPlan plan_;
  bool allocated_ = false;
  int threads_ = 1;
  std::unique_ptr<ThreadPool> pool_;  // made with the activations; a pointer so that Network can move
};

}  // namespace huge2
