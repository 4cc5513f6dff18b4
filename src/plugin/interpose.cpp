// libhuge2_darknet.so: loaded ahead of the packaged libdarknet.so (LD_PRELOAD),
// it replaces a handful of the library's functions. libdarknet calls them
// through its PLT, so the first definition in the process wins: these. Each
// calls the original (dlsym RTLD_NEXT) and then adjusts the result:
//   parse_network_cfg      remembers the file name for error messages
//   parse_net_options      reads [net] huge2=0/1
//   parse_deconvolutional  groups = 1 (the packaged library leaves 0 and its
//                          weight loader divides by it: SIGFPE); huge2=1
//                          layers get huge2's forward
//   parse_convolutional    dilation=d (ignored by the 2018 library): fixes the
//                          output size, runs huge2 or stock dilated im2col;
//                          a plain one with huge2 (key or [net]) runs huge2
//   parse_route            refuses layer indexes outside 0..index-1 (Darknet
//   parse_shortcut         reads whatever lies there), naming file:line
//   load_weights_upto      checks the file's size against the layers first
//                          (Darknet ignores short and long files); the weights
//                          changed: re-pack at the next forward
//   resize_network         (random=1) resizes [deconvolutional] layers too,
//                          stock and huge2 alike: the library's loop has no
//                          case for them and stops the program
//   resize_convolutional_layer  a managed layer is planned again for the new
//                          size, dilated output kept
//   free_layer             forgets the layer
// Layers without the keys keep every byte Darknet gave them (but groups).
#include <dlfcn.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "darknet_abi.h"
#include "exit_failure.h"
#include "huge2_keys.h"
#include "managed_layers.h"
#include "parse_context.h"
#include "weights_check.h"

#define HUGE2_EXPORT extern "C" __attribute__((visibility("default")))

namespace huge2::plugin {
namespace {

// The same function in the library behind the plugin (libdarknet.so).
template <class Fn>
Fn next_definition(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (!f) {
    std::fprintf(stderr,
                 "huge2 plugin: %s not found behind the plugin (%s): load libdarknet.so after "
                 "libhuge2_darknet.so\n",
                 name, dlerror());
    exit_failure();
  }
  return reinterpret_cast<Fn>(f);
}

// Darknet allocated output, delta and the batch-norm copies for the
// undilated size it computed; dilation shrinks (or keeps) them.
void resize_outputs(layer& l, int out_h, int out_w) {
  if (out_h == l.out_h && out_w == l.out_w) return;
  l.out_h = out_h, l.out_w = out_w;
  l.outputs = out_h * out_w * l.out_c;
  const size_t count = size_t(l.batch) * l.outputs;
  auto replace = [count](float*& p) {
    if (!p) return;
    std::free(p);  // Darknet's calloc, same C library
    p = static_cast<float*>(std::calloc(count ? count : 1, sizeof(float)));
    if (!p) {
      std::fprintf(stderr, "huge2 plugin: out of memory\n");
      exit_failure();
    }
  };
  replace(l.output);
  replace(l.delta);
  replace(l.x);
  replace(l.x_norm);
}

// Gives layer `index` to m: huge2's forward and backward, an update that
// re-packs the weights, and m's workspace size, from which the network's
// shared workspace is sized (for a deconvolution mostly less than the stock
// column buffer, a little more where phases run side by side on several
// threads; the backward pass keeps a workspace of its own).
// Reports the layer and counts it in the parse's total.
void hand_over(layer& l, int index, std::unique_ptr<ManagedLayer> m, int ParseContext::*count, const std::string& extra = "") {
  l.workspace_size = m->workspace_bytes();
  l.forward = forward_managed;
  l.backward = backward_managed;
  l.update = update_managed;
  if (plugin_verbose()) std::fprintf(stderr, "huge2 plugin: layer %d %s%s\n", index, m->describe().c_str(), extra.c_str());
  if (ParseContext* ctx = current_parse()) ++(ctx->*count);
  Registry::instance().add(l.weights, std::move(m));
}

// Darknet's atoi on each comma-separated element, but refusing what atoi
// would silently read as 0, and indexes that do not name an earlier layer.
void check_layer_indexes(const SectionOptions& opts, const char* key, const char* value, int index) {
  if (!value) opts.fatal(key, std::string("needs '") + key + "'");
  const std::string v = value;
  size_t start = 0;
  for (;;) {
    const size_t comma = v.find(',', start);
    const std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    char* end = nullptr;
    errno = 0;
    const long x = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno == ERANGE)
      opts.fatal(key, std::string(key) + "=" + v + ": '" + item + "' is not an integer");
    const long named = x < 0 ? index + x : x;
    if (named < 0 || named >= index)
      opts.fatal(key, std::string(key) + "=" + v + ": " + item + " names layer " + std::to_string(named) +
                          ", which is not an earlier layer (this is layer " + std::to_string(index) + ")");
    if (comma == std::string::npos) return;
    start = comma + 1;
  }
}

// The deconvolutional layers of the resize_network call running on this
// thread (Darknet's detector trainer resizes one network per GPU in an OpenMP
// loop), by weights pointer: they pose as [convolutional] for the library's
// loop, and resize_convolutional_layer sends them to the deconvolutional
// resize. RAII: the types are restored when the call returns, also for
// layers the loop never reached (it stops after an [avgpool]).
class DeconvsPosingAsConv {
 public:
  explicit DeconvsPosingAsConv(network* net) : net_(net), outer_(current_) {
    for (int i = 0; i < net->n; ++i)
      if (net->layers[i].type == DECONVOLUTIONAL) {
        net->layers[i].type = CONVOLUTIONAL;
        weights_.push_back(net->layers[i].weights);
      }
    current_ = this;
  }
  ~DeconvsPosingAsConv() {
    current_ = outer_;
    for (int i = 0; i < net_->n; ++i)
      if (posing(net_->layers[i].weights)) net_->layers[i].type = DECONVOLUTIONAL;
  }
  DeconvsPosingAsConv(const DeconvsPosingAsConv&) = delete;
  DeconvsPosingAsConv& operator=(const DeconvsPosingAsConv&) = delete;

  // Whether the layer with these weights is a deconvolutional layer posing.
  static bool is_posing(const float* weights) { return current_ && current_->posing(weights); }

 private:
  bool posing(const float* weights) const {
    return weights && std::find(weights_.begin(), weights_.end(), weights) != weights_.end();
  }

  network* net_;
  DeconvsPosingAsConv* outer_;
  std::vector<const float*> weights_;
  static thread_local DeconvsPosingAsConv* current_;
};
thread_local DeconvsPosingAsConv* DeconvsPosingAsConv::current_ = nullptr;

bool huge2_wanted(const std::optional<bool>& key) {
  const ParseContext* ctx = current_parse();
  return keys::wants_huge2(key, ctx && ctx->net_huge2);
}

}  // namespace
}  // namespace huge2::plugin

using namespace huge2;
using namespace huge2::plugin;

HUGE2_EXPORT network* parse_network_cfg(char* filename) {
  static const auto real = next_definition<ParseNetworkCfgFn>("parse_network_cfg");
  ParseScope scope(filename);
  network* net = real(filename);
  const ParseContext& ctx = scope.context();
  if (net && plugin_verbose() && ctx.deconv_layers + ctx.dilated_layers + ctx.plain_conv_layers > 0) {
    size_t ws = 0;
    for (int i = 0; i < net->n; ++i) ws = std::max(ws, net->layers[i].workspace_size);
    std::fprintf(stderr,
                 "huge2 plugin: %s: %d deconvolutional and %d dilated convolutional layers run by huge2's "
                 "operators, and %d plain convolutional; network workspace %zu B\n",
                 filename, ctx.deconv_layers, ctx.dilated_layers, ctx.plain_conv_layers, ws);
  }
  return net;
}

HUGE2_EXPORT void parse_net_options(list* options, network* net) {
  static const auto real = next_definition<ParseNetOptionsFn>("parse_net_options");
  real(options, net);
  const std::optional<bool> key = SectionOptions(options, "net", -1).huge2();
  if (ParseContext* ctx = current_parse()) ctx->net_huge2 = key.value_or(false);
}

HUGE2_EXPORT layer parse_deconvolutional(list* options, size_params params) {
  static const auto real = next_definition<ParseLayerFn>("parse_deconvolutional");
  layer l = real(options, params);
  l.groups = 1;  // the packaged library's weight loader divides by it (docs/darknet-compatibility.md)
  const SectionOptions opts(options, "deconvolutional", params.index);
  if (!huge2_wanted(opts.huge2())) return l;

  std::unique_ptr<ManagedDeconv> m;
  try {
    m = std::make_unique<ManagedDeconv>(l, params.index, Algorithm::huge2);
  } catch (const std::exception& e) {
    opts.fatal("huge2", e.what());
  }
  hand_over(l, params.index, std::move(m), &ParseContext::deconv_layers);
  return l;
}

HUGE2_EXPORT layer parse_convolutional(list* options, size_params params) {
  static const auto real = next_definition<ParseLayerFn>("parse_convolutional");
  layer l = real(options, params);
  const SectionOptions opts(options, "convolutional", params.index);
  const int dilation = keys::effective_dilation(l.size, opts.int_at_least("dilation", 1, 1));
  const std::optional<bool> key = opts.huge2();
  // A plain convolution is huge2's when asked (its direct kernels, the d = 1
  // case, as in huge2's engine) and Darknet's own, untouched, otherwise.
  const bool wanted = huge2_wanted(key);
  if (dilation == 1 && !wanted) return l;
  if (l.binary || l.xnor) {
    if (dilation == 1 && !key.value_or(false)) return l;  // [net] huge2=1 leaves them to Darknet
    opts.fatal(dilation > 1 ? "dilation" : "huge2",
               std::string(dilation > 1 ? "dilation" : "huge2=1") + " with binary or xnor weights is not supported");
  }

  const Algorithm algo = wanted ? Algorithm::huge2 : Algorithm::darknet;
  const int stock_h = l.out_h, stock_w = l.out_w;
  std::unique_ptr<ManagedConv> m;
  try {
    const ConvShape s = ManagedConv::shape_of(l, dilation);
    resize_outputs(l, s.out_h(), s.out_w());
    m = std::make_unique<ManagedConv>(l, params.index, algo, dilation);
  } catch (const std::exception& e) {
    opts.fatal("dilation", e.what());
  }
  std::string extra;
  if (stock_h != l.out_h || stock_w != l.out_w)
    extra = " (Darknet's undilated size was " + std::to_string(stock_w) + "x" + std::to_string(stock_h) + ")";
  hand_over(l, params.index, std::move(m), dilation > 1 ? &ParseContext::dilated_layers : &ParseContext::plain_conv_layers,
            extra);
  return l;
}

HUGE2_EXPORT layer parse_route(list* options, size_params params, network* net) {
  static const auto real = next_definition<ParseIndexedLayerFn>("parse_route");
  const SectionOptions opts(options, "route", params.index);
  check_layer_indexes(opts, "layers", opts.find("layers"), params.index);
  return real(options, params, net);
}

HUGE2_EXPORT layer parse_shortcut(list* options, size_params params, network* net) {
  static const auto real = next_definition<ParseIndexedLayerFn>("parse_shortcut");
  const SectionOptions opts(options, "shortcut", params.index);
  check_layer_indexes(opts, "from", opts.find("from"), params.index);
  return real(options, params, net);
}

HUGE2_EXPORT void load_weights_upto(network* net, char* filename, int start, int cutoff) {
  static const auto real = next_definition<LoadWeightsUptoFn>("load_weights_upto");
  if (net && filename) {
    std::string note;
    const std::string why = check_weights_file(*net, filename, start, cutoff, &note);
    if (!note.empty()) std::fprintf(stderr, "huge2 plugin: %s\n", note.c_str());
    if (!why.empty()) {
      // Darknet has no error channel: a clear stop beats computing garbage.
      std::fprintf(stderr, "huge2 plugin: %s\n", why.c_str());
      exit_failure();
    }
  }
  // Networks built without parse_deconvolutional (by hand) get the fix too.
  for (int i = std::max(0, start); net && i < std::min(cutoff, net->n); ++i)
    if (net->layers[i].type == DECONVOLUTIONAL && net->layers[i].groups == 0) net->layers[i].groups = 1;
  real(net, filename, start, cutoff);
  Registry::instance().mark_stale(net, start, cutoff);
}

HUGE2_EXPORT int resize_network(network* net, int w, int h) {
  static const auto real = next_definition<ResizeNetworkFn>("resize_network");
  if (!net) return real(net, w, h);
  DeconvsPosingAsConv posing(net);
  return real(net, w, h);
}

HUGE2_EXPORT void resize_convolutional_layer(layer* l, int w, int h) {
  static const auto real = next_definition<ResizeLayerFn>("resize_convolutional_layer");
  ManagedLayer* m = Registry::instance().find(l->weights);
  if (DeconvsPosingAsConv::is_posing(l->weights)) {
    l->type = DECONVOLUTIONAL;  // resize_network stores the layer back with this type
    // Darknet's own: the transposed size, the buffers (and, built with GPU,
    // their device copies), the stock workspace size.
    resize_deconvolutional_layer(l, h, w);
    if (m) m->resize(*l);
    return;
  }
  real(l, w, h);  // new input size, output size (undilated) and buffers
  if (!m) return;
  if (auto* conv = dynamic_cast<ManagedConv*>(m)) {
    try {
      const ConvShape s = ManagedConv::shape_of(*l, conv->dilation());
      resize_outputs(*l, s.out_h(), s.out_w());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "huge2 plugin: resizing a dilated [convolutional] to %dx%d: %s\n", w, h, e.what());
      exit_failure();
    }
  }
  m->resize(*l);
}

HUGE2_EXPORT void free_layer(layer l) {
  static const auto real = next_definition<FreeLayerFn>("free_layer");
  Registry::instance().erase(l.weights);
  real(l);
}
