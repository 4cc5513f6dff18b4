// Errors raised by the kernel library. Kernels never abort the process:
// an impossible geometry or a missing buffer throws huge2::ShapeError
// with a message that names the offending field and its value.
#pragma once
#include <stdexcept>
#include <string>

namespace huge2 {

class ShapeError : public std::invalid_argument {
 public:
  explicit ShapeError(const std::string& what) : std::invalid_argument(what) {}
};

}  // namespace huge2
