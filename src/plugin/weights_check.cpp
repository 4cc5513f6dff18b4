#include "weights_check.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "input_file.h"
#include "weights_file.h"

namespace huge2::plugin {
namespace {

const char* type_name(LAYER_TYPE t) {
  switch (t) {
    case CONVOLUTIONAL: return "convolutional";
    case DECONVOLUTIONAL: return "deconvolutional";
    case CONNECTED: return "connected";
    case BATCHNORM: return "batchnorm";
    case MAXPOOL: return "maxpool";
    case ROUTE: return "route";
    case SHORTCUT: return "shortcut";
    case UPSAMPLE: return "upsample";
    default: return "layer";
  }
}

// Floats layer l's record holds in Darknet's reader (docs/darknet-compatibility.md, ".weights"),
// or -1 when unknown.
int64_t record_floats(const layer& l) {
  if (l.dontload) return 0;
  const bool scales = l.batch_normalize && !l.dontloadscales;
  switch (l.type) {
    case CONVOLUTIONAL:
    case DECONVOLUTIONAL: {
      if (l.binary || l.xnor) return -1;
      const int64_t n = l.numload ? l.numload : l.n;
      const int64_t groups = l.groups > 0 ? l.groups : 1;  // the plugin sets deconv groups to 1
      return n * (scales ? 4 : 1) + int64_t(l.c) / groups * n * l.size * l.size;
    }
    case CONNECTED: return int64_t(l.outputs) * (scales ? 4 : 1) + int64_t(l.inputs) * l.outputs;
    case BATCHNORM: return 3 * int64_t(l.c);
    case LOCAL: case RNN: case GRU: case LSTM: case CRNN: case XNOR: return -1;
    default: return 0;  // no parameters
  }
}

}  // namespace

int64_t expected_payload(const network& net, int start, int cutoff) {
  int64_t total = 0;
  for (int i = std::max(0, start); i < net.n && i < cutoff; ++i) {
    const int64_t f = record_floats(net.layers[i]);
    if (f < 0) return -1;
    total += f * int64_t(sizeof(float));
  }
  return total;
}

std::string check_weights_file(const network& net, const char* path, int start, int cutoff, std::string* note) {
  // A directory "opens" and measures 2^63-1 bytes: name the real reason.
  if (is_directory(path)) return std::string(path) + ": cannot read (Is a directory)";
  if (expected_payload(net, start, cutoff) < 0) return "";
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Close> f(std::fopen(path, "rb"));
  if (!f) return "";
  if (std::fseek(f.get(), 0, SEEK_END) != 0) return "";
  const long end = std::ftell(f.get());
  if (end < 0) return "";
  const int64_t size = end;
  std::rewind(f.get());
  const std::string file = std::string(path) + ": ";
  int32_t v[3] = {0, 0, 0};
  if (size < 16 || std::fread(v, sizeof(int32_t), 3, f.get()) != 3)
    return file + std::to_string(size) + " bytes, too short for a Darknet weights header (16 or 20 bytes)";
  const auto plausible = [](int32_t x) { return x >= 0 && x <= 100000; };
  if (!plausible(v[0]) || !plausible(v[1]) || !plausible(v[2]))
    return file + "not a Darknet weights file: its header reads version " + std::to_string(v[0]) + "." +
           std::to_string(v[1]) + "." + std::to_string(v[2]) + " (Darknet's are like 0.2.0)";
  WeightsHeader h;  // the engine's reading of the version, 'seen' among it
  h.major = v[0], h.minor = v[1], h.revision = v[2];
  const int64_t header = 12 + (h.wide_seen() ? 8 : 4);
  const int64_t payload = expected_payload(net, start, cutoff);
  if (size - header == payload) return "";
  if (!h.wide_seen() && size - header == payload + 4)
    return file + "the version header " + std::to_string(h.major) + "." + std::to_string(h.minor) + "." +
           std::to_string(h.revision) + " says 'seen' takes 4 bytes, but the layers fit exactly with 8: the header is wrong";
  // Walk the layers to the one where the file stops matching.
  int64_t at = header;
  int last = -1, loaded = 0;
  for (int i = std::max(0, start); i < net.n && i < cutoff; ++i) {
    const int64_t bytes = record_floats(net.layers[i]) * int64_t(sizeof(float));
    if (bytes == 0) continue;
    if (at == size && last >= 0) {
      // Ends on a layer boundary: a file written by `darknet partial`, which
      // Darknet loads by design (fread stops; later layers keep their
      // initial values). Refused only when no layer at all is in it.
      if (note)
        *note = file + "ends after layer " + std::to_string(last) + " [" + type_name(net.layers[last].type) +
                "]: loaded the weights of layers " + std::to_string(std::max(0, start)) + ".." + std::to_string(last) +
                " (" + std::to_string(loaded) + " with parameters); layer " + std::to_string(i) +
                " on keep their initial values (a partial file, as `darknet partial` writes)";
      return "";
    }
    if (at + bytes > size)
      return file + "ends at byte " + std::to_string(size) + ", inside layer " + std::to_string(i) + " [" +
             type_name(net.layers[i].type) + "] (its " + std::to_string(bytes / 4) + " floats take bytes " +
             std::to_string(at) + ".." + std::to_string(at + bytes) + "): truncated, or the weights of another cfg";
    at += bytes, last = i, ++loaded;
  }
  if (cutoff < net.n) return "";  // a partial load: the rest of the file is for later layers
  return file + std::to_string(size - at) + " bytes left after the last layer" +
         (last >= 0 ? " (layer " + std::to_string(last) + " [" + type_name(net.layers[last].type) + "] ends at byte " +
                          std::to_string(at) + ")"
                    : std::string(" (the network has no parameters)")) +
         ": the weights of another cfg";
}

}  // namespace huge2::plugin
