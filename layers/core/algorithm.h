// The three algorithms every upsampling operator offers.
#pragma once
#include <string>

namespace huge2 {

enum class Algorithm {
  reference,  // naive definition; tests only
  darknet,    // stock method: GEMM + col2im (transposed) or im2col + GEMM (convolution)
  huge2,      // untangled: stride phases (transposed) or dilation sub-images (dilated)
};

const char* algorithm_name(Algorithm a);
// Parses "reference", "darknet" or "huge2"; throws std::invalid_argument otherwise.
Algorithm parse_algorithm(const std::string& name);

}  // namespace huge2
