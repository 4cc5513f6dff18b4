#include "network.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "runtime/isa.h"
#include "activation_slots.h"
#include "detection_boxes.h"
#include "layer_common.h"
#include "memory_budget.h"
#include "output_file.h"
#include "core/shapes.h"
#include "weights_file.h"

namespace huge2 {
namespace {

// [net] keys that matter for training only: accepted, not reported as unused.
constexpr const char* kTrainingKeys[] = {
    "momentum", "decay", "learning_rate", "burn_in", "max_batches", "policy", "steps",
    "scales", "step", "gamma", "power", "angle", "saturation", "exposure", "hue", "aspect", "max_crop",
    "min_crop", "center", "adam", "B1", "B2", "eps", "notruth", "random", "jitter",
    "flip", "max_ratio", "min_ratio", "clip", "seed"};

int net_int(const cfg::Section& s, const char* key, int fallback, int min) {
  const int v = s.get_int(key, fallback);
  if (v < min)
    throw NetworkError(s.where(key) + ": [" + s.type + "] " + key + "=" + std::to_string(v) + " must be >= " +
                       std::to_string(min));
  return v;
}

// Refuses a tensor the kernels cannot index (or that would overflow size_t).
void check_tensor(const std::string& where, const char* what, const Shape3& s, int batch) {
  if (s.c < 0 || s.h < 0 || s.w < 0 || checked_elements({batch, s.c, s.h, s.w}) < 0)
    throw NetworkError(where + what + " of batch " + std::to_string(batch) + " x " + s.str() +
                       " has more than 2^31-1 elements");
}

// Every byte the network will allocate, with the layer that needs most.
MemoryPlan plan_memory(const std::vector<std::unique_ptr<Layer>>& layers, int batch) {
  MemoryPlan p;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = *layers[i];
    const uint64_t out = uint64_t(l.out().size()) * uint64_t(batch) * sizeof(float);
    const uint64_t params = uint64_t(l.parameter_count()) * sizeof(float);
    p.activations += out;
    p.weights += params;
    p.workspace = std::max<uint64_t>(p.workspace, l.workspace_bytes());
    const uint64_t mine = out + params + l.workspace_bytes();
    if (p.largest_layer < 0 || mine > p.largest_bytes) p.largest_layer = int(i), p.largest_bytes = mine;
  }
  return p;
}

// Per layer, the last layer that reads its output: the next one (its input),
// a later [route] or [shortcut]; size() and beyond for the outputs read after
// the pass (the last layer's, the box layers').
std::vector<size_t> last_readers(const std::vector<std::unique_ptr<Layer>>& layers) {
  const size_t n = layers.size();
  std::vector<size_t> last(n);
  for (size_t i = 0; i < n; ++i) last[i] = i + 1 < n ? i + 1 : n;
  for (size_t j = 0; j < n; ++j) {
    for (int f : layers[j]->reads_outputs_of())
      if (f >= 0 && size_t(f) < j) last[f] = std::max(last[f], j);
    if (dynamic_cast<const BoxSource*>(layers[j].get())) last[j] = n;
  }
  return last;
}

bool non_finite(const float* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) return true;
  return false;
}

}  // namespace

Network Network::from_cfg_file(const std::string& path, const NetworkOptions& opt) {
  return from_cfg(cfg::parse_cfg_file(path), opt);
}

Network Network::from_cfg(const cfg::Cfg& c, const NetworkOptions& opt) {
  // HUGE2_ISA is checked for every network, not only when a layer happens to
  // run huge2's kernels (issue 21: HUGE2_ISA=garbage was silently ignored).
  active_isa();
  if (c.sections.empty()) throw NetworkError(c.file + ": no sections");
  const cfg::Section& net = c.sections.front();
  if (net.type != "net" && net.type != "network")
    throw NetworkError(net.where() + ": the first section must be [net] or [network]");
  Network n;
  n.warnings_ = c.warnings;
  // Darknet's parse_net_options: the batch one forward pass holds is
  // batch / subdivisions (a training cfg's batch=64 subdivisions=16 runs 4),
  // times time_steps (recurrent nets).
  const int cfg_batch = net_int(net, "batch", 1, 1), subdivisions = net_int(net, "subdivisions", 1, 1);
  const int time_steps = net_int(net, "time_steps", 1, 1);
  const long long per_pass = (long long)(cfg_batch / subdivisions) * time_steps;
  if (per_pass > INT_MAX)
    throw NetworkError(net.where("time_steps") + ": [net] batch / subdivisions x time_steps is out of the int range");
  n.batch_ = opt.smallest_batch ? time_steps : opt.batch > 0 ? opt.batch : int(per_pass);
  n.cfg_batch_ = int(per_pass);
  if (n.batch_ < 1)
    throw NetworkError(net.where("subdivisions") + ": [net] batch=" + std::to_string(cfg_batch) + " / subdivisions=" +
                       std::to_string(subdivisions) + " is 0 images per forward pass");
  n.input_ = {net_int(net, "channels", 0, 0), net_int(net, "height", 0, 0), net_int(net, "width", 0, 0)};
  const int inputs = net_int(net, "inputs", 0, 0);
  if (n.input_.size() == 0) {
    if (inputs < 1) throw NetworkError(net.where() + ": width, height and channels (or inputs) must be > 0");
    n.input_ = {inputs, 1, 1};  // Darknet: a flat input
  }
  const bool default_huge2 = read_huge2_key(net, "").value_or(false);
  for (const char* k : kTrainingKeys)
    if (net.has(k)) net.get_string(k, "");

  BuildContext ctx;
  ctx.batch = n.batch_;
  ctx.time_steps = time_steps;
  ctx.input = n.input_;
  ctx.huge2_default = default_huge2;
  ctx.override_algorithm = opt.algorithm;
  ctx.shapes_only = opt.shapes_only;
  n.threads_ = ctx.threads = opt.threads > 0 ? opt.threads : default_threads();
  check_tensor(net.where() + ": ", "the input", n.input_, n.batch_);
  for (size_t i = 1; i < c.sections.size(); ++i) {
    const cfg::Section& s = c.sections[i];
    ctx.index = int(i) - 1;
    ctx.where = s.where() + ": layer " + std::to_string(ctx.index) + ": ";
    const LayerFactory make = find_layer_factory(s.type);
    if (!make) {
      std::string known;
      for (const std::string& t : layer_type_names()) known += (known.empty() ? "" : ", ") + t;
      throw NetworkError(ctx.where + "unknown layer type [" + s.type + "] (huge2 knows: " + known + ")");
    }
    std::unique_ptr<Layer> layer;
    try {
      layer = make(s, ctx);
    } catch (const cfg::CfgError& e) {
      throw NetworkError(std::string(e.what()) + " (layer " + std::to_string(ctx.index) + ")");
    }
    if (layer->out().size() == 0) throw NetworkError(ctx.where + "output shape " + layer->out().str() + " is empty");
    check_tensor(ctx.where, "the output", layer->out(), n.batch_);
    n.layer_where_.push_back(s.where());
    ctx.earlier.push_back(layer->out());
    ctx.input = layer->out();
    n.layers_.push_back(std::move(layer));
  }
  if (n.layers_.empty()) throw NetworkError(c.file + ": the cfg has a [net] section but no layers");
  n.share_parameters();  // checks share_index owners now, with file:line
  for (const cfg::Section& s : c.sections)
    for (const std::string& w : s.value_warnings()) n.warnings_.push_back(w);
  for (const cfg::Section& s : c.sections)
    for (const cfg::Option* o : s.unused())
      n.unused_.push_back(s.file + ":" + std::to_string(o->line) + ": [" + s.type + "] unused key '" + o->key + "'");

  n.plan_ = plan_memory(n.layers_, n.batch_);
  n.reuse_ = opt.reuse_activations &&
             std::none_of(n.layers_.begin(), n.layers_.end(), [](const auto& l) { return l->keeps_state(); });
  n.last_reader_ = last_readers(n.layers_);
  std::vector<size_t> floats;
  for (const auto& l : n.layers_) floats.push_back(l->out().size() * size_t(n.batch_));
  ActivationSlots slots;
  if (n.reuse_) {
    std::vector<bool> in_place;
    for (const auto& l : n.layers_) in_place.push_back(l->runs_in_place());
    slots = plan_activation_slots(floats, n.last_reader_, in_place);
    n.plan_.activations_unshared = n.plan_.activations;
    n.plan_.activations = uint64_t(slots.total_floats()) * sizeof(float);
    n.plan_.activation_slots = int(slots.slot_floats.size());
  } else {
    for (size_t i = 0; i < floats.size(); ++i) slots.slot_of.push_back(int(i)), slots.slot_floats.push_back(floats[i]);
  }
  if (opt.shapes_only) return n;
  const uint64_t budget = opt.max_memory ? opt.max_memory : available_memory_bytes();
  if (budget && n.plan_.total() > budget) {
    const int i = n.plan_.largest_layer;
    const Layer& l = *n.layers_[i];
    throw NetworkError(c.file + ": the network needs " + format_bytes(n.plan_.total()) + " (activations " +
                       format_bytes(n.plan_.activations) + ", weights " + format_bytes(n.plan_.weights) +
                       ", workspace " + format_bytes(n.plan_.workspace) + ") at batch " + std::to_string(n.batch_) +
                       ", more than the " + format_bytes(budget) +
                       (opt.max_memory ? " of --max-memory" : " available (MemAvailable or the address-space limit)") + "; the largest is " +
                       n.layer_where_[i] + ": layer " + std::to_string(i) + " (" + l.out().str() + ", " +
                       format_bytes(n.plan_.largest_bytes) + ")");
  }
  for (auto& l : n.layers_) l->allocate();
  size_t ws = 0;
  for (const auto& l : n.layers_) ws = std::max(ws, l->workspace_bytes());
  // Shared buffers start as NaN: a layer that read any part of its output
  // before writing it would show in its result on the first pass, instead of
  // picking up another layer's values unseen.
  for (size_t f : slots.slot_floats) n.slots_.emplace_back(f, n.reuse_ ? std::nanf("") : 0.f);
  for (int s : slots.slot_of) n.out_.push_back(n.slots_[s].data());
  n.ends_at_.resize(n.layers_.size());
  for (size_t i = 0; i < n.layers_.size(); ++i)
    if (n.reuse_ && n.last_reader_[i] < n.layers_.size()) n.ends_at_[n.last_reader_[i]].push_back(int(i));
  n.workspace_.resize((ws + sizeof(float) - 1) / sizeof(float));
  n.pool_ = std::make_unique<ThreadPool>(n.threads_);
  n.allocated_ = true;
  return n;
}

void Network::require_allocated(const char* what) const {
  if (!allocated_) throw std::logic_error(std::string("Network::") + what + ": the network was built for its shapes only");
}

const float* Network::output_of(int i) const {
  if (i < 0 || i >= size()) throw std::out_of_range("Network::output_of: no layer " + std::to_string(i));
  if (!output_kept(i) && i != current_)
    throw std::logic_error("Network::output_of: layer " + std::to_string(i) +
                           "'s output shares a buffer with later layers (reuse_activations); read it in "
                           "forward()'s on_layer call");
  return out_[i];
}

int Network::first_non_finite_layer(const float* input) {
  require_allocated("first_non_finite_layer");
  if (!ran_) return -1;  // shared buffers start as NaN, but they are no one's output yet
  const auto bad = [&](int i) { return non_finite(out_[i], layers_[i]->out().size() * size_t(batch_)); };
  int first_kept = -1;
  for (int i = 0; i < size() && first_kept < 0; ++i)
    if (output_kept(i) && bad(i)) first_kept = i;
  if (!reuse_ || first_kept < 0 || !input) return first_kept;
  int found = -1;
  forward(input, [&](int i, double) {
    if (found < 0 && bad(i)) found = i;
  });
  return found;
}

void Network::load_weights(const std::string& path) {
  require_allocated("load_weights");
  uint64_t payload = 0;
  for (const auto& l : layers_) payload += uint64_t(l->parameter_count()) * sizeof(float);
  // From a pipe: the header (at most 20 bytes), the layers, and a few bytes
  // more so that a longer stream is told from an exact one.
  WeightReader r(path, payload + 24);
  r.expect_payload(payload);
  weights_note_.clear();
  int last = -1;  // the last layer with parameters loaded
  for (int i = 0; i < size(); ++i) {
    if (r.at_end() && last >= 0 && layers_[i]->parameter_count() > 0) {
      partial_weights(path, last, i);
      break;
    }
    r.begin_layer("layer " + std::to_string(i) + " [" + layers_[i]->type() + "]");
    layers_[i]->load(r);
    if (layers_[i]->parameter_count() > 0) last = i;
  }
  if (weights_note_.empty()) r.expect_end();
  seen_ = r.header().seen;
  share_parameters();
  // Loading rebuilds packed operators; their workspaces cannot grow, but check.
  size_t ws = 0;
  for (const auto& l : layers_) ws = std::max(ws, l->workspace_bytes());
  if (ws > workspace_bytes()) workspace_.resize((ws + sizeof(float) - 1) / sizeof(float));
}

void Network::save_weights(const std::string& path) const {
  require_allocated("save_weights");
  WeightsHeader h;
  h.seen = seen_;
  OutputFile out(path);  // the old file stays whole until the new one is complete
  WeightWriter w(out.release(), path, h);
  for (const auto& l : layers_) l->save(w);
  w.close();
  out.commit();
}

void Network::partial_weights(const std::string& path, int last, int first_missing) {
  for (int j = first_missing; j < size(); ++j) layers_[j]->randomize(kPartialSeed + 7919u * unsigned(j));
  weights_note_ = path + ": ends after layer " + std::to_string(last) + " [" + layers_[last]->type() +
                  "]: loaded layers 0.." + std::to_string(last) + "; layers " + std::to_string(first_missing) + ".." +
                  std::to_string(size() - 1) + " get seeded random values (a partial file, as `darknet partial` writes)";
}

void Network::randomize(unsigned seed) {
  require_allocated("randomize");
  for (int i = 0; i < size(); ++i) layers_[i]->randomize(seed + 7919u * unsigned(i));
  share_parameters();
}

void Network::share_parameters() {
  for (auto& l : layers_)
    if (l->shares_parameters_of() >= 0) l->take_parameters_from(*layers_[l->shares_parameters_of()]);
}

const float* Network::forward(const float* input, const std::function<void(int, double)>& on_layer) {
  require_allocated("forward");
  ran_ = true;
  visible_.assign(out_.begin(), out_.end());
  const float* x = input;
  for (int i = 0; i < size(); ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    ForwardArgs a{x, out_[i], workspace_.data(), workspace_bytes(), batch_, &visible_, pool_.get()};
    layers_[i]->forward(a);
    if (on_layer) {
      struct Current {  // output_of(i) is readable during the call, and only then
        int& c;
        ~Current() { c = -1; }
      } during{current_ = i};
      on_layer(i, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    x = out_[i];
    // An output whose last reader has run: its buffer goes to later layers,
    // so no layer may find it through ForwardArgs::outputs any more.
    for (int j : ends_at_[i]) visible_[j] = nullptr;
  }
  return x;
}

std::string Network::summary() const {
  std::ostringstream s;
  char line[256];
  std::snprintf(line, sizeof line, "layer %-9s %-16s %18s    %-18s %-10s %8s\n", "type", "filters/size",
                "input", "output", "algorithm", "BFLOPs");
  s << line;
  double total = 0;
  for (int i = 0; i < size(); ++i) {
    const Layer& l = *layers_[i];
    const double bf = l.flops() / 1e9;
    total += bf;
    const std::string algo = l.algorithm().empty() ? "-" : l.algorithm();
    std::snprintf(line, sizeof line, "%5d %-9s %-16s %18s -> %-18s %-10s %8.3f\n", i, l.type(), l.describe().c_str(),
                  l.in().str().c_str(), l.out().str().c_str(), algo.c_str(), bf);
    s << line;
  }
  std::snprintf(line, sizeof line, "total %.3f BFLOPs, batch %d, workspace %zu bytes\n", total, batch_,
                allocated_ ? workspace_bytes() : size_t(plan_.workspace));
  s << line;
  s << "memory: activations " << format_bytes(plan_.activations);
  if (plan_.activations < plan_.activations_unshared)
    s << " in " << plan_.activation_slots << " shared buffer" << (plan_.activation_slots > 1 ? "s" : "") << " ("
      << format_bytes(plan_.activations_unshared) << " one per layer)";
  s << ", weights " << format_bytes(plan_.weights)
    << ", workspace " << format_bytes(plan_.workspace) << ", total " << format_bytes(plan_.total()) << "\n";
  for (const auto& l : layers_)
    if (l->method().rfind("direct ", 0) == 0) {  // name the ISA once, as the first direct layer reports it
      const std::string m = l->method();
      s << "huge2 layers: direct micro-kernels, " << m.substr(7, m.find(',') - 7) << " (best on this CPU: "
        << isa_name(best_isa()) << "; HUGE2_ISA=avx512f|avx2|neon|scalar chooses)\n";
      break;
    }
  return s.str();
}

}  // namespace huge2
