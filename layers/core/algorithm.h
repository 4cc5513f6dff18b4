// The algorithms an upsampling operator offers, on the CPU (layers/) and the
// GPU (cuda/): one enum for both, each backend refusing what it lacks.
#pragma once
#include <string>

namespace huge2 {

enum class Algorithm {
  reference,  // naive definition; tests only (CPU)
  darknet,    // stock method: GEMM + col2im (transposed) or im2col + GEMM (convolution)
  huge2,      // untangled: stride phases (transposed) or dilation sub-images (dilated)
  cudnn,      // NVIDIA's cuDNN (GPU only, in builds with it)
};

const char* algorithm_name(Algorithm a);
// Parses "reference", "darknet", "huge2" or "cudnn"; throws std::invalid_argument otherwise.
Algorithm parse_algorithm(const std::string& name);

}  // namespace huge2
