#include "core/algorithm.h"

#include <stdexcept>

namespace huge2 {

const char* algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::reference: return "reference";
    case Algorithm::darknet: return "darknet";
    case Algorithm::huge2: return "huge2";
  }
  return "?";
}

Algorithm parse_algorithm(const std::string& name) {
  if (name == "reference") return Algorithm::reference;
  if (name == "darknet") return Algorithm::darknet;
  if (name == "huge2") return Algorithm::huge2;
  throw std::invalid_argument("unknown algorithm '" + name + "' (expected reference, darknet or huge2)");
}

}  // namespace huge2
