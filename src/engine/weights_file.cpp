#include "weights_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "input_file.h"

namespace huge2 {
namespace {

std::string describe_errno() { return std::strerror(errno); }

std::FILE* open_or_throw(const std::string& path, const char* mode, const char* doing) {
  std::FILE* f = std::fopen(path.c_str(), mode);
  if (!f) throw WeightsError(path + ": cannot " + doing + " (" + describe_errno() + ")");
  return f;
}

}  // namespace

WeightReader::WeightReader(const std::string& path, uint64_t max_stream_bytes) : path_(path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A directory is refused with its reason (it "opened" and measured
    // 2^63-1 bytes); a pipe or device is read into memory up to the bound (an
    // endless stream stops there), as Darknet's fread takes it.
    try {
      stream_ = read_file_bounded(path, max_stream_bytes, "the weights of this cfg");
    } catch (const InputError& e) {
      throw WeightsError(e.what());
    }
    file_.reset(stream_.empty() ? nullptr : fmemopen(&stream_[0], stream_.size(), "rb"));
    if (!file_) throw WeightsError(path + ": too short for a Darknet weights header (0 bytes)");
  } else {
    file_.reset(open_or_throw(path, "rb", "open"));
  }
  read_header();
}

WeightReader::WeightReader(std::FILE* file, const std::string& path) : path_(path) {
  file_.reset(file);
  if (!file_) throw WeightsError(path + ": cannot open");
  read_header();
}

void WeightReader::read_header() {
  const std::string& path = path_;
  if (std::fseek(file_.get(), 0, SEEK_END) != 0) throw WeightsError(path + ": cannot seek");
  const long end = std::ftell(file_.get());
  if (end < 0) throw WeightsError(path + ": cannot tell its size");
  size_ = uint64_t(end);
  std::rewind(file_.get());
  int32_t v[3];
  if (size_ < sizeof v || std::fread(v, sizeof(int32_t), 3, file_.get()) != 3)
    throw WeightsError(path + ": too short for a Darknet weights header (" + std::to_string(size_) + " bytes)");
  header_.major = v[0], header_.minor = v[1], header_.revision = v[2];
  pos_ = sizeof v;
  // Darknet's versions are small numbers (0.1.0, 0.2.0, 0.2.5; old files set
  // major or minor above 1000 for transposed [connected] weights). Anything
  // else, text above all, is not a weights file: say so rather than read on.
  const auto plausible = [](int32_t x) { return x >= 0 && x <= 100000; };
  if (!plausible(header_.major) || !plausible(header_.minor) || !plausible(header_.revision)) {
    std::string text;
    for (size_t i = 0; i < sizeof v; ++i) {
      const unsigned char ch = reinterpret_cast<const unsigned char*>(v)[i];
      text += (ch >= 0x20 && ch < 0x7f) ? char(ch) : '.';
    }
    throw WeightsError(path + ": not a Darknet weights file: its header reads version " + std::to_string(v[0]) +
                       "." + std::to_string(v[1]) + "." + std::to_string(v[2]) + " (bytes '" + text +
                       "'), Darknet's are like 0.2.0");
  }
  if (header_.wide_seen()) {
    uint64_t seen = 0;
    if (std::fread(&seen, 8, 1, file_.get()) != 1) throw WeightsError(path + ": header truncated in 'seen'");
    header_.seen = seen, pos_ += 8;
  } else {
    uint32_t seen = 0;
    if (std::fread(&seen, 4, 1, file_.get()) != 1) throw WeightsError(path + ": header truncated in 'seen'");
    header_.seen = seen, pos_ += 4;
  }
}

void WeightReader::expect_payload(uint64_t bytes) const {
  // Only the narrow case is unambiguous: 4 bytes too many behind a 4-byte
  // 'seen' is a header that should have said 8. (4 bytes too few behind an
  // 8-byte 'seen' reads just like a truncated file: the layers say where.)
  if (header_.wide_seen() || size_ - pos_ != bytes + 4) return;
  throw WeightsError(path_ + ": the version header " + std::to_string(header_.major) + "." +
                     std::to_string(header_.minor) + "." + std::to_string(header_.revision) +
                     " says 'seen' takes 4 bytes, but the layers fit exactly with 8: the header is wrong "
                     "(Darknet writes 0.2.0 with an 8-byte 'seen')");
}

void WeightReader::read(float* dst, size_t n, const char* what) {
  const uint64_t need = uint64_t(n) * sizeof(float);
  if (size_ - pos_ < need)
    throw WeightsError(path_ + ": " + layer_ + ": file ends " + std::to_string(need - (size_ - pos_)) +
                       " bytes short of its " + what + " (" + std::to_string(n) + " floats at byte " +
                       std::to_string(pos_) + "): truncated, or it belongs to another cfg");
  if (n && std::fread(dst, sizeof(float), n, file_.get()) != n)
    throw WeightsError(path_ + ": " + layer_ + ": read error in " + what);
  pos_ += need;
}

void WeightReader::expect_end() {
  if (pos_ != size_)
    throw WeightsError(path_ + ": " + std::to_string(size_ - pos_) + " bytes left after the last layer (" +
                       std::to_string(pos_) + " of " + std::to_string(size_) +
                       " used): it belongs to another cfg");
}

WeightWriter::WeightWriter(const std::string& path, const WeightsHeader& h)
    : WeightWriter(open_or_throw(path, "wb", "create"), path, h) {}

WeightWriter::WeightWriter(std::FILE* file, const std::string& path, const WeightsHeader& h) : path_(path) {
  file_.reset(file);
  if (!file_) throw WeightsError(path + ": cannot create");
  const int32_t v[3] = {h.major, h.minor, h.revision};
  std::fwrite(v, sizeof(int32_t), 3, file_.get());
  if (h.wide_seen()) {
    const uint64_t seen = h.seen;
    std::fwrite(&seen, 8, 1, file_.get());
  } else {
    const uint32_t seen = uint32_t(h.seen);
    std::fwrite(&seen, 4, 1, file_.get());
  }
}

void WeightWriter::write(const float* src, size_t n) {
  if (!file_) throw WeightsError(path_ + ": already closed");
  if (n && std::fwrite(src, sizeof(float), n, file_.get()) != n)
    throw WeightsError(path_ + ": write failed (" + describe_errno() + ")");
}

void WeightWriter::close() {
  if (!file_) return;
  const bool ok = std::fflush(file_.get()) == 0 && !std::ferror(file_.get());
  std::FILE* f = file_.release();
  if (std::fclose(f) != 0 || !ok) throw WeightsError(path_ + ": write failed (" + describe_errno() + ")");
}

}  // namespace huge2
