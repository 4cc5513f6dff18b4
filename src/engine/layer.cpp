#include "layer.h"

namespace huge2 {

std::string Shape3::str() const {
  return std::to_string(w) + " x " + std::to_string(h) + " x " + std::to_string(c);
}

}  // namespace huge2
