// NumPy .npy files of float32 (little-endian '<f4', C order): the tensor
// format of `huge2 run`. Version 1.0 and 2.0 headers are read; 1.0 is written.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace huge2 {

class NpyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct NpyArray {
  std::vector<size_t> shape;
  std::vector<float> data;
};

NpyArray read_npy(const std::string& path);  // NpyError naming the file and what is wrong
void write_npy(const std::string& path, const std::vector<size_t>& shape, const float* data);

}  // namespace huge2
