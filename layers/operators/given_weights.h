// Weights in the caller's (Darknet's) layout, for the methods that read them
// as given (the stock method, the naive definition, huge2's panel GEMM and
// one-window product): the operator's own copy, or a borrowed buffer that
// it reads in place (borrow_weights(): a training loop's weights, updated in
// place, so a step costs no copy).
#pragma once
#include <cstddef>
#include <vector>

namespace huge2 {

class GivenWeights {
 public:
  // Copies n floats (a borrowed buffer is forgotten).
  void copy(const float* w, size_t n) {
    owned_.assign(w, w + n);
    borrowed_ = nullptr;
  }
  // Reads w in place from now on; the copy is freed.
  void borrow(const float* w) {
    std::vector<float>().swap(owned_);
    borrowed_ = w;
  }
  const float* data() const { return borrowed_ ? borrowed_ : owned_.data(); }
  bool borrowed() const { return borrowed_ != nullptr; }
  size_t owned_bytes() const { return owned_.size() * sizeof(float); }

 private:
  std::vector<float> owned_;
  const float* borrowed_ = nullptr;
};

}  // namespace huge2
