// Reading a whole input file with a bound (issue 21): `summary /dev/zero`
// grew past 7 GB and a 3 GB sparse "image" was read whole before any check.
// One rule for the cfg, image, names and weights readers: a directory is
// refused with its reason; a regular file larger than the bound is refused by
// its size, unread; a pipe or device is read up to the bound and refused
// beyond it (an endless stream such as /dev/zero stops there).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace huge2 {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The whole of `path`, at most max_bytes; InputError naming the file, `what`
// it was read as ("cfg", "image") and the reason otherwise.
std::string read_file_bounded(const std::string& path, uint64_t max_bytes, const char* what);

// Whether path is a directory; errno-free check for readers that open
// files themselves (fopen of a directory succeeds on Linux).
bool is_directory(const std::string& path);

}  // namespace huge2
