#include "targets.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "cfg.h"
#include "image_io.h"
#include "network.h"
#include "npy.h"

namespace huge2::fuzz {
namespace {

// The readers take paths: the bytes go to an anonymous in-memory file,
// named through /proc (no disk, nothing left behind).
class MemoryFile {
 public:
  MemoryFile(const uint8_t* data, size_t size) : fd_(memfd_create("huge2-fuzz", 0)) {
    if (fd_ < 0) throw std::runtime_error("memfd_create failed");
    for (size_t done = 0; done < size;) {
      const ssize_t n = write(fd_, data + done, size - done);
      if (n <= 0) throw std::runtime_error("memfd write failed");
      done += size_t(n);
    }
  }
  ~MemoryFile() { close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

// Keeps the cfg target to what one test input should cost: conv-like layers'
// weights (allocated when they are built) and strides are bounded before the
// build; activations are never allocated (shapes only), so widths, heights
// and batch stay free, and so does everything the overflow checks refuse.
// Strides are free: the transposed-layer planner derives its phases from the
// output, not the stride (it once grew with the stride: issue 11).
constexpr int64_t kMaxLayerWeights = int64_t(1) << 22;  // 16 MiB of floats
constexpr int kMaxStride = 1 << 30;

int64_t value_or(const cfg::Section& s, const char* key, int64_t fallback) {
  for (const cfg::Option& o : s.options)
    if (o.key == key) {
      char* end = nullptr;
      const long long v = std::strtoll(o.value.c_str(), &end, 10);
      return end == o.value.c_str() ? fallback : v;
    }
  return fallback;
}

bool within_budget(const cfg::Cfg& c) {
  if (c.sections.empty()) return true;
  // An upper bound on any layer's channel count, section by section.
  int64_t max_c = std::max<int64_t>(1, value_or(c.sections[0], "channels", 1));
  max_c = std::max(max_c, value_or(c.sections[0], "inputs", 1));
  for (size_t i = 1; i < c.sections.size(); ++i) {
    const cfg::Section& s = c.sections[i];
    const std::string& t = s.type;
    if (t == "convolutional" || t == "conv" || t == "deconvolutional" || t == "deconv") {
      const int64_t filters = value_or(s, "filters", 1), size = value_or(s, "size", 1);
      const int64_t stride = value_or(s, "stride", 1);
      if (filters > kMaxLayerWeights || size > 4096 || stride > kMaxStride) return false;
      // In double: the product of arbitrary values must not overflow here either.
      if (double(max_c) * double(std::max<int64_t>(filters, 1)) * double(size) * double(size) > double(kMaxLayerWeights))
        return false;
      max_c = std::max(max_c, filters);
    } else if (t == "route") {
      int64_t n = 1;
      for (const cfg::Option& o : s.options)
        if (o.key == "layers") n = 1 + std::count(o.value.begin(), o.value.end(), ',');
      max_c = std::min<int64_t>(max_c * std::max<int64_t>(n, 1), int64_t(1) << 31);
    } else if (t == "connected" || t == "conn") {
      max_c = std::max(max_c, value_or(s, "output", 1));
    }
  }
  return true;
}

}  // namespace

int cfg_target(const uint8_t* data, size_t size) {
  try {
    const cfg::Cfg c = cfg::parse_cfg_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz.cfg");
    if (!within_budget(c)) return 0;
    NetworkOptions opt;
    opt.shapes_only = true;
    const Network net = Network::from_cfg(c, opt);
    (void)net.summary();
  } catch (const std::exception&) {  // refused with a message: what bad input should get
  }
  return 0;
}

int weights_target(const uint8_t* data, size_t size) {
  // Every record kind: convolutional with and without batch-norm,
  // deconvolutional, connected with batch-norm, batchnorm.
  static const cfg::Cfg kCfg = cfg::parse_cfg_text(
      "[net]\nbatch=1\nwidth=4\nheight=4\nchannels=3\n"
      "[convolutional]\nfilters=2\nsize=3\npad=1\nbatch_normalize=1\nactivation=leaky\n"
      "[deconvolutional]\nfilters=2\nsize=2\nstride=2\nactivation=linear\n"
      "[batchnorm]\n"
      "[convolutional]\nfilters=1\nsize=1\nactivation=linear\n"
      "[connected]\noutput=3\nbatch_normalize=1\nactivation=linear\n",
      "fuzz-weights.cfg");
  static Network net = Network::from_cfg(kCfg);
  try {
    const MemoryFile f(data, size);
    net.load_weights(f.path());
    static std::vector<float> x(size_t(net.batch()) * net.input_shape().size(), 0.5f);
    net.forward(x.data());  // whatever was loaded, NaN included, must run
  } catch (const std::exception&) {
  }
  return 0;
}

int npy_target(const uint8_t* data, size_t size) {
  try {
    const MemoryFile f(data, size);
    const NpyArray a = read_npy(f.path());
    size_t count = 1;
    for (size_t d : a.shape) count *= d;
    if (count != a.data.size()) std::abort();  // the reader's own invariant
  } catch (const std::exception&) {
  }
  return 0;
}

int image_target(const uint8_t* data, size_t size) {
  try {
    const MemoryFile f(data, size);
    // Up to 2^20 pixels: a few hundred bytes of JPEG can claim 2^28, which
    // decodes correctly but takes seconds under the sanitizers.
    const Image im = load_image(f.path(), size % 2 ? 1 : 3, uint64_t(1) << 20);
    (void)resize_darknet(im, 7, 5);
  } catch (const std::exception&) {
  }
  return 0;
}

const Target* find_target(const std::string& name) {
  static const Target kTargets[] = {
      {"cfg", cfg_target}, {"weights", weights_target}, {"npy", npy_target}, {"image", image_target}};
  for (const Target& t : kTargets)
    if (name == t.name) return &t;
  return nullptr;
}

}  // namespace huge2::fuzz
