// Darknet .weights files: a header (major, minor, revision as int32, then
// `seen` as 8 bytes when major*10+minor >= 2, else 4), then each layer's
// arrays in cfg order with no per-layer metadata. Reading refuses short and
// long files and names the layer where they stop matching the cfg.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace huge2 {

class WeightsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WeightsHeader {
  int32_t major = 0, minor = 2, revision = 0;
  uint64_t seen = 0;
  bool wide_seen() const { return major * 10 + minor >= 2 && major < 1000 && minor < 1000; }
  // [connected] weights are stored transposed in files with major or minor > 1000.
  bool transposed_connected() const { return major > 1000 || minor > 1000; }
};

class WeightReader {
 public:
  // Reads the header; WeightsError if it cannot. A pipe or device (not a
  // regular file) is read whole first, at most max_stream_bytes.
  explicit WeightReader(const std::string& path, uint64_t max_stream_bytes = uint64_t(1) << 30);
  // Reads from an open stream (e.g. fmemopen), owned from here on; `name` stands for the path in messages.
  WeightReader(std::FILE* file, const std::string& name);
  const WeightsHeader& header() const { return header_; }
  // Before the first layer: the cfg's parameters take `bytes`. When the file
  // would match exactly with an 8-byte 'seen' but its version says 4, blames
  // the version header (WeightsError) rather than a layer.
  void expect_payload(uint64_t bytes) const;
  // Before each layer: names it in messages ("layer 3 [deconvolutional]").
  void begin_layer(const std::string& name) { layer_ = name; }
  // Reads n floats of `what` (e.g. "biases") into dst, or throws WeightsError.
  void read(float* dst, size_t n, const char* what);
  // After the last layer: throws if bytes remain (cfg and weights disagree).
  void expect_end();
  const std::string& path() const { return path_; }
  bool at_end() const { return pos_ == size_; }

 private:
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  void read_header();
  std::string stream_;  // a stream's bytes, read by file_ (fmemopen); declared first, destroyed last
  std::unique_ptr<std::FILE, Close> file_;
  std::string path_, layer_;
  WeightsHeader header_;
  uint64_t size_ = 0, pos_ = 0;
};

class WeightWriter {
 public:
  // Writes the header (Darknet's own: 0.2.0, 8-byte seen).
  WeightWriter(const std::string& path, const WeightsHeader& header = {});
  // Writes to an open stream (e.g. open_memstream), owned from here on.
  WeightWriter(std::FILE* file, const std::string& name, const WeightsHeader& header = {});
  void write(const float* src, size_t n);
  void close();  // flushes; WeightsError on failure (also checked on destruction, silently)

 private:
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Close> file_;
  std::string path_;
};

}  // namespace huge2
