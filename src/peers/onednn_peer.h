// oneDNN (Debian libdnnl-dev 2.6) as a peer: the same transposed or dilated
// convolution as huge2's, built as a oneDNN primitive on the CPU engine.
// Two layouts are measured (docs/method.md): "nchw", the plain tensors a Darknet
// user would hand over, and "any", oneDNN's own choice (blocked), the ceiling.
// The weights and, for "any", the input are reordered once at construction so
// that run() times the primitive alone. oneDNN here uses OpenMP threading: the
// thread count is the one set (omp_set_num_threads) when the object is built
// and run; build it after huge2::set_num_threads, since some oneDNN kernels
// size their work split at creation time.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/shapes.h"

namespace huge2::peers {

enum class OneDnnLayout { nchw, any };
const char* layout_name(OneDnnLayout l);

class OneDnnPeer {
 public:
  // Transposed convolution; weights [in_c][out_c][k][k] (Darknet order),
  // input batch x in_c x in_h x in_w (NCHW). No bias.
  OneDnnPeer(const DeconvShape& s, OneDnnLayout layout, const float* weights, const float* input);
  // Convolution, padding pad * dilation; weights [out_c][in_c][k][k]. No bias.
  OneDnnPeer(const ConvShape& s, OneDnnLayout layout, const float* weights, const float* input);
  ~OneDnnPeer();
  OneDnnPeer(const OneDnnPeer&) = delete;
  OneDnnPeer& operator=(const OneDnnPeer&) = delete;

  // Executes the primitive once and waits for it.
  void run();
  // The last run()'s result as NCHW (reordered out of oneDNN's layout if needed).
  std::vector<float> output_nchw();
  // The primitive's scratchpad (user-managed, so this is exactly what it uses).
  size_t scratchpad_bytes() const;
  // oneDNN's implementation name, e.g. "jit:avx2" or "gemm:jit".
  std::string impl_name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The same layers' backward primitives (training): the data gradient
// (deconvolution_backward_data / convolution_backward_data) and the weight
// gradient (..._backward_weights, no bias), each hinted by its forward
// training primitive. Inputs are reordered into the primitives' layouts once
// at construction, so run_data() and run_weights() time the primitives alone.
class OneDnnBackwardPeer {
 public:
  // weights as the forward peer takes them; x the layer input, dy = dL/dy
  // (NCHW, batch x out_c x out_h x out_w).
  OneDnnBackwardPeer(const DeconvShape& s, OneDnnLayout layout, const float* weights, const float* x,
                     const float* dy);
  OneDnnBackwardPeer(const ConvShape& s, OneDnnLayout layout, const float* weights, const float* x, const float* dy);
  ~OneDnnBackwardPeer();
  OneDnnBackwardPeer(const OneDnnBackwardPeer&) = delete;
  OneDnnBackwardPeer& operator=(const OneDnnBackwardPeer&) = delete;

  void run_data();     // dL/dx
  void run_weights();  // dL/dw
  // The last results: dL/dx as NCHW; dL/dw in the weight order the
  // constructor took (Darknet's).
  std::vector<float> diff_src_nchw();
  std::vector<float> diff_weights_user();
  size_t data_scratchpad_bytes() const;
  size_t weights_scratchpad_bytes() const;
  std::string data_impl_name() const;
  std::string weights_impl_name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace huge2::peers
