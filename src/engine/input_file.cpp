#include "input_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "memory_budget.h"

namespace huge2 {
namespace {

struct Close {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

[[noreturn]] void too_large(const std::string& path, const char* what, uint64_t size, uint64_t max) {
  throw InputError(path + ": " + format_bytes(size) + " is more than the " + format_bytes(max) + " huge2 reads as " +
                   what);
}

[[noreturn]] void endless(const std::string& path, const char* what, uint64_t max) {
  throw InputError(path + ": no end after " + format_bytes(max) + ", the most huge2 reads as " + what +
                   " (an endless stream?)");
}

}  // namespace

bool is_directory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string read_file_bounded(const std::string& path, uint64_t max_bytes, const char* what) {
  const std::string cannot = path + ": cannot read (";
  std::unique_ptr<std::FILE, Close> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw InputError(cannot + std::strerror(errno) + ")");
  struct stat st;
  if (fstat(fileno(f.get()), &st) != 0) throw InputError(cannot + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) throw InputError(cannot + std::strerror(EISDIR) + ")");
  const bool regular = S_ISREG(st.st_mode);
  if (regular && uint64_t(st.st_size) > max_bytes) too_large(path, what, uint64_t(st.st_size), max_bytes);
  std::string text;
  if (regular) text.reserve(size_t(st.st_size));
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    if (text.size() + n > max_bytes) endless(path, what, max_bytes);  // a stream, or a file that grew
    text.append(buf, n);
  }
  if (std::ferror(f.get())) throw InputError(cannot + std::strerror(errno ? errno : EIO) + ")");
  return text;
}

}  // namespace huge2
