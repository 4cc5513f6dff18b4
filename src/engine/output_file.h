// Output files, one rule for every verb (issue 21): the bytes go to a
// temporary file in the target's directory and are renamed over the target
// only once complete and flushed, so a failure (full disk, an error halfway,
// a kill) never leaves a truncated file and never destroys what was there;
// and an output that is one of the inputs is refused before any work.
#pragma once
#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace huge2 {

class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputFile {
 public:
  // Creates the temporary file next to `path`; OutputError with the reason
  // (errno) when it cannot.
  explicit OutputFile(std::string path);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();  // removes the temporary file unless committed

  // Appends n bytes; OutputError "PATH: write failed (reason)".
  void write(const void* data, size_t n);
  // Hands the open stream to a writer that closes it itself (WeightWriter);
  // commit() then only renames.
  std::FILE* release();
  // Flushes and closes the stream (if still held), then renames the
  // temporary file over the target; OutputError with the reason.
  void commit();
  const std::string& path() const { return path_; }

 private:
  [[noreturn]] void fail(const char* doing, int err) const;
  std::string path_, target_, temp_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

// Writes the whole of data to path through an OutputFile.
void write_file_atomically(const std::string& path, const void* data, size_t n);

// OutputError when `output` names the same file (device and inode) as one of
// `inputs`, e.g. `init-weights X.cfg X.cfg`; inputs that do not exist (yet)
// and an output that does not exist are fine. `option` names the output in
// the message ("--output", "OUT.weights").
void refuse_output_over_inputs(const std::string& output, const std::string& option,
                               const std::vector<std::string>& inputs);

}  // namespace huge2
