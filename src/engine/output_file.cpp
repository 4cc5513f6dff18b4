#include "output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace huge2 {
namespace {

std::string directory_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A symbolic link is followed, so the file it names is replaced and the link
// stays a link.
std::string resolved_target(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : path;
}

}  // namespace

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  const std::string target = resolved_target(path_);
  struct stat st;
  if (stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail("write", EISDIR);
  if (stat(target.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // A device or pipe (/dev/null, a FIFO) cannot be replaced by a rename and
    // holds nothing to lose: write to it directly.
    file_ = std::fopen(target.c_str(), "wb");
    if (!file_) fail("create", errno);
    return;
  }
  // Hidden, in the same directory: rename() is atomic only within one file system.
  temp_ = directory_of(target) + "/." + base_name(target) + ".huge2-XXXXXX";
  const int fd = mkstemp(&temp_[0]);
  if (fd < 0) {
    const int err = errno;
    temp_.clear();
    fail("create", err);
  }
  // mkstemp creates mode 0600; give the file the mode a plain create would.
  const mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  file_ = fdopen(fd, "wb");
  if (!file_) {
    const int err = errno;
    close(fd);
    fail("create", err);
  }
  target_ = target;  // messages keep path_, the name the user gave
}

OutputFile::~OutputFile() {
  if (file_) std::fclose(file_);
  if (!committed_ && !temp_.empty()) unlink(temp_.c_str());
}

void OutputFile::fail(const char* doing, int err) const {
  throw OutputError(path_ + ": cannot " + doing + " (" + std::strerror(err) + ")");
}

void OutputFile::write(const void* data, size_t n) {
  if (!file_) throw OutputError(path_ + ": write after close");
  if (n && std::fwrite(data, 1, n, file_) != n) fail("write", errno ? errno : EIO);
}

std::FILE* OutputFile::release() {
  std::FILE* f = file_;
  file_ = nullptr;
  return f;
}

void OutputFile::commit() {
  if (file_) {
    errno = 0;
    const bool flushed = std::fflush(file_) == 0 && !std::ferror(file_);
    int err = errno;
    if (std::fclose(file_) != 0 && !err) err = errno;
    file_ = nullptr;
    if (!flushed || err) fail("write", err ? err : EIO);
  }
  if (temp_.empty()) return;  // written in place (a device or pipe)
  if (std::rename(temp_.c_str(), target_.c_str()) != 0) fail("write", errno);
  committed_ = true;
}

void write_file_atomically(const std::string& path, const void* data, size_t n) {
  OutputFile f(path);
  f.write(data, n);
  f.commit();
}

void refuse_output_over_inputs(const std::string& output, const std::string& option,
                               const std::vector<std::string>& inputs) {
  struct stat out;
  if (stat(output.c_str(), &out) != 0) return;
  for (const std::string& in : inputs) {
    struct stat st;
    if (stat(in.c_str(), &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino)
      throw OutputError(option + " " + output + " is the same file as the input " + in +
                        ": refused, writing it would destroy the input");
  }
}

}  // namespace huge2
