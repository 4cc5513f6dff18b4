// The cudnn algorithm: cuDNN's legacy convolution API (cudnn_cnn.h, still in
// cuDNN 9). Compiled without cuDNN, the factories throw.
#include <algorithm>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "backend.h"
#include "cuda_error.h"

#ifdef HUGE2_HAVE_CUDNN
#include <cudnn.h>
#endif

namespace huge2::cuda::detail {

#ifndef HUGE2_HAVE_CUDNN

std::unique_ptr<CudnnPlan> CudnnPlan::transposed(const DeconvShape&, size_t, bool, cudaStream_t) {
  throw CudaError("cudnn algorithm: this build has no cuDNN (configure with -DHUGE2_CUDNN=ON)");
}
std::unique_ptr<CudnnPlan> CudnnPlan::convolution(const ConvShape&, size_t, bool, cudaStream_t) {
  throw CudaError("cudnn algorithm: this build has no cuDNN (configure with -DHUGE2_CUDNN=ON)");
}

#else

namespace {

void check_cudnn(cudnnStatus_t s, const char* what) {
  if (s == CUDNN_STATUS_SUCCESS) return;
  throw CudaError(std::string(what) + ": " + cudnnGetErrorString(s));
}

cudnnHandle_t cudnn_handle(cudaStream_t stream) {
  // Per (thread, device), kept for the life of the process (see cublas_handle).
  static auto* mutex = new std::mutex;
  static auto* handles = new std::map<std::pair<std::thread::id, int>, cudnnHandle_t>;
  int dev = 0;
  check(cudaGetDevice(&dev), "cudaGetDevice");
  const auto key = std::make_pair(std::this_thread::get_id(), dev);
  cudnnHandle_t h = nullptr;
  {
    std::lock_guard<std::mutex> lock(*mutex);
    auto it = handles->find(key);
    if (it != handles->end()) {
      h = it->second;
    } else {
      check_cudnn(cudnnCreate(&h), "cudnnCreate");
      handles->emplace(key, h);
    }
  }
  check_cudnn(cudnnSetStream(h, stream), "cudnnSetStream");
  return h;
}

const char* fwd_algo_name(cudnnConvolutionFwdAlgo_t a) {
  switch (a) {
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM: return "FWD_IMPLICIT_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM: return "FWD_IMPLICIT_PRECOMP_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM: return "FWD_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT: return "FWD_DIRECT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT: return "FWD_FFT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING: return "FWD_FFT_TILING";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD: return "FWD_WINOGRAD";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED: return "FWD_WINOGRAD_NONFUSED";
    default: return "FWD_?";
  }
}

const char* bwd_algo_name(cudnnConvolutionBwdDataAlgo_t a) {
  switch (a) {
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_0: return "BWD_DATA_ALGO_0";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_1: return "BWD_DATA_ALGO_1";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT: return "BWD_DATA_FFT";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING: return "BWD_DATA_FFT_TILING";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD: return "BWD_DATA_WINOGRAD";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED: return "BWD_DATA_WINOGRAD_NONFUSED";
    default: return "BWD_DATA_?";
  }
}

// Descriptors shared by both plans, destroyed with the plan.
struct Descriptors {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;  // the operator's input and output
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  Descriptors() {
    check_cudnn(cudnnCreateTensorDescriptor(&x), "cudnnCreateTensorDescriptor");
    check_cudnn(cudnnCreateTensorDescriptor(&y), "cudnnCreateTensorDescriptor");
    check_cudnn(cudnnCreateFilterDescriptor(&w), "cudnnCreateFilterDescriptor");
    check_cudnn(cudnnCreateConvolutionDescriptor(&conv), "cudnnCreateConvolutionDescriptor");
  }
  ~Descriptors() {
    if (conv) cudnnDestroyConvolutionDescriptor(conv);
    if (w) cudnnDestroyFilterDescriptor(w);
    if (y) cudnnDestroyTensorDescriptor(y);
    if (x) cudnnDestroyTensorDescriptor(x);
  }
  Descriptors(const Descriptors&) = delete;
  Descriptors& operator=(const Descriptors&) = delete;
};

// The two cuDNN calls the plans run: the forward convolution, and its
// backward-data pass (a transposed convolution). Only the calls differ
// (names, types, argument order); the algorithm search and the plan are one.
struct Forward {
  using Perf = cudnnConvolutionFwdAlgoPerf_t;
  using Algo = cudnnConvolutionFwdAlgo_t;
  static constexpr const char* kWhat = "cudnn convolution";
  static constexpr const char* kMaxCount = "cudnnGetConvolutionForwardAlgorithmMaxCount";
  static constexpr const char* kFind = "cudnnFindConvolutionForwardAlgorithm";
  static constexpr const char* kHeuristic = "cudnnGetConvolutionForwardAlgorithm_v7";
  static constexpr const char* kRun = "cudnnConvolutionForward";
  static Algo default_algo() { return CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM; }
  static const char* name(Algo a) { return fwd_algo_name(a); }
  static cudnnStatus_t max_count(cudnnHandle_t h, int* n) { return cudnnGetConvolutionForwardAlgorithmMaxCount(h, n); }
  static cudnnStatus_t find(cudnnHandle_t h, const Descriptors& d, int n, int* found, Perf* perf) {
    return cudnnFindConvolutionForwardAlgorithm(h, d.x, d.w, d.conv, d.y, n, found, perf);
  }
  static cudnnStatus_t heuristic(cudnnHandle_t h, const Descriptors& d, int n, int* found, Perf* perf) {
    return cudnnGetConvolutionForwardAlgorithm_v7(h, d.x, d.w, d.conv, d.y, n, found, perf);
  }
  static cudnnStatus_t workspace(cudnnHandle_t h, const Descriptors& d, Algo a, size_t* bytes) {
    return cudnnGetConvolutionForwardWorkspaceSize(h, d.x, d.w, d.conv, d.y, a, bytes);
  }
  static cudnnStatus_t run(cudnnHandle_t h, const Descriptors& d, Algo a, const float* x, const float* w, float* y,
                           void* ws, size_t ws_bytes) {
    const float one = 1.f, zero = 0.f;
    return cudnnConvolutionForward(h, &one, d.x, x, d.w, w, d.conv, a, ws, ws_bytes, &zero, d.y, y);
  }
};

// cuDNN's "dy" is our input x, its "dx" our output y.
struct BackwardData {
  using Perf = cudnnConvolutionBwdDataAlgoPerf_t;
  using Algo = cudnnConvolutionBwdDataAlgo_t;
  static constexpr const char* kWhat = "cudnn transposed convolution";
  static constexpr const char* kMaxCount = "cudnnGetConvolutionBackwardDataAlgorithmMaxCount";
  static constexpr const char* kFind = "cudnnFindConvolutionBackwardDataAlgorithm";
  static constexpr const char* kHeuristic = "cudnnGetConvolutionBackwardDataAlgorithm_v7";
  static constexpr const char* kRun = "cudnnConvolutionBackwardData";
  static Algo default_algo() { return CUDNN_CONVOLUTION_BWD_DATA_ALGO_0; }
  static const char* name(Algo a) { return bwd_algo_name(a); }
  static cudnnStatus_t max_count(cudnnHandle_t h, int* n) {
    return cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, n);
  }
  static cudnnStatus_t find(cudnnHandle_t h, const Descriptors& d, int n, int* found, Perf* perf) {
    return cudnnFindConvolutionBackwardDataAlgorithm(h, d.w, d.x, d.conv, d.y, n, found, perf);
  }
  static cudnnStatus_t heuristic(cudnnHandle_t h, const Descriptors& d, int n, int* found, Perf* perf) {
    return cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w, d.x, d.conv, d.y, n, found, perf);
  }
  static cudnnStatus_t workspace(cudnnHandle_t h, const Descriptors& d, Algo a, size_t* bytes) {
    return cudnnGetConvolutionBackwardDataWorkspaceSize(h, d.w, d.x, d.conv, d.y, a, bytes);
  }
  static cudnnStatus_t run(cudnnHandle_t h, const Descriptors& d, Algo a, const float* x, const float* w, float* y,
                           void* ws, size_t ws_bytes) {
    const float one = 1.f, zero = 0.f;
    return cudnnConvolutionBackwardData(h, &one, d.w, w, d.x, x, d.conv, a, ws, ws_bytes, &zero, d.y, y);
  }
};

// The operator's input and output tensors (batch x in_c x in_h x in_w, batch
// x out_c x out_h x out_w), NCHW floats.
template <class Shape>
void set_tensors(const Descriptors& d, const Shape& s) {
  check_cudnn(cudnnSetTensor4dDescriptor(d.x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.batch, s.in_c, s.in_h, s.in_w),
              "cudnnSetTensor4dDescriptor (input)");
  check_cudnn(cudnnSetTensor4dDescriptor(d.y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.batch, s.out_c, s.out_h(),
                                         s.out_w()),
              "cudnnSetTensor4dDescriptor (output)");
}

// The transposed convolution x -> y is the backward-data pass of the forward
// convolution y -> x whose filter has K = in_c maps of C = out_c channels:
// exactly Darknet's [in_c][out_c][k][k].
void set_problem(const Descriptors& d, const DeconvShape& s) {
  set_tensors(d, s);
  check_cudnn(cudnnSetFilter4dDescriptor(d.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, s.in_c, s.out_c, s.ksize, s.ksize),
              "cudnnSetFilter4dDescriptor");
  check_cudnn(cudnnSetConvolution2dDescriptor(d.conv, s.pad, s.pad, s.stride, s.stride, 1, 1,
                                              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
              "cudnnSetConvolution2dDescriptor");
  check_cudnn(cudnnSetConvolutionMathType(d.conv, CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
  // The forward convolution of the output must give the input's shape:
  // ((in-1)*s + k - 2p + 2p - k)/s + 1 = in.
  int n = 0, c = 0, hh = 0, ww = 0;
  check_cudnn(cudnnGetConvolution2dForwardOutputDim(d.conv, d.y, d.w, &n, &c, &hh, &ww),
              "cudnnGetConvolution2dForwardOutputDim");
  if (n != s.batch || c != s.in_c || hh != s.in_h || ww != s.in_w)
    throw CudaError("cudnn transposed convolution: forward shape " + std::to_string(c) + "x" + std::to_string(hh) +
                    "x" + std::to_string(ww) + " does not match the input (" + s.describe() + ")");
}

void set_problem(const Descriptors& d, const ConvShape& s) {
  set_tensors(d, s);
  check_cudnn(cudnnSetFilter4dDescriptor(d.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, s.out_c, s.in_c, s.ksize, s.ksize),
              "cudnnSetFilter4dDescriptor");
  const int p = s.applied_pad();
  check_cudnn(cudnnSetConvolution2dDescriptor(d.conv, p, p, s.stride, s.stride, s.dilation, s.dilation,
                                              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
              "cudnnSetConvolution2dDescriptor");
  check_cudnn(cudnnSetConvolutionMathType(d.conv, CUDNN_FMA_MATH), "cudnnSetConvolutionMathType");
  int n = 0, c = 0, hh = 0, ww = 0;
  check_cudnn(cudnnGetConvolution2dForwardOutputDim(d.conv, d.x, d.w, &n, &c, &hh, &ww),
              "cudnnGetConvolution2dForwardOutputDim");
  if (n != s.batch || c != s.out_c || hh != s.out_h() || ww != s.out_w())
    throw CudaError("cudnn convolution: output shape " + std::to_string(c) + "x" + std::to_string(hh) + "x" +
                    std::to_string(ww) + " does not match Darknet's (" + s.describe() + ")");
}

// Picks the first (fastest, by measurement or by cuDNN's heuristics)
// successful algorithm whose workspace fits, preferring pure FP32
// (CUDNN_FMA_MATH) to default math, which lets cuDNN use TF32 on sm_80+
// (Find tries both math types). `workspace(algo, math, &bytes)` sets the
// math type on the descriptor and asks cuDNN for the algorithm's workspace.
template <class Perf, class Workspace>
bool pick(const std::vector<Perf>& perf, int n, size_t max_workspace, Workspace workspace, Perf* chosen,
          size_t* bytes, bool* tf32_possible) {
  for (cudnnMathType_t want : {CUDNN_FMA_MATH, CUDNN_DEFAULT_MATH})
    for (int i = 0; i < n; ++i) {
      if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].mathType != want) continue;
      size_t b = 0;
      if (!workspace(perf[i].algo, want, &b) || b > max_workspace) continue;
      *chosen = perf[i], *bytes = b, *tf32_possible = want != CUDNN_FMA_MATH;
      return true;
    }
  return false;
}

// A plan of either call: the descriptors of the problem and the algorithm
// chosen, by measurement (Find) or cuDNN's heuristic ranking (Get_v7).
template <class Api>
class Plan : public CudnnPlan {
 public:
  template <class Shape>
  Plan(const Shape& s, size_t max_workspace, bool exhaustive, cudaStream_t stream) {
    cudnnHandle_t h = cudnn_handle(stream);
    set_problem(d_, s);
    // Room for every result (Find tries both FMA and default math).
    int max_count = 0;
    check_cudnn(Api::max_count(h, &max_count), Api::kMaxCount);
    std::vector<typename Api::Perf> perf(2 * size_t(std::max(max_count, 1)));
    int found = 0;
    if (exhaustive)
      check_cudnn(Api::find(h, d_, int(perf.size()), &found, perf.data()), Api::kFind);
    else
      check_cudnn(Api::heuristic(h, d_, int(perf.size()), &found, perf.data()), Api::kHeuristic);
    auto workspace = [&](typename Api::Algo algo, cudnnMathType_t math, size_t* bytes) {
      return cudnnSetConvolutionMathType(d_.conv, math) == CUDNN_STATUS_SUCCESS &&
             Api::workspace(h, d_, algo, bytes) == CUDNN_STATUS_SUCCESS;
    };
    typename Api::Perf best{};
    if (!pick(perf, found, max_workspace, workspace, &best, &workspace_, &tf32_))
      throw CudaError(std::string(Api::kWhat) + ": no algorithm within " + std::to_string(max_workspace) +
                      " workspace bytes (" + s.describe() + ")");
    algo_ = best.algo;
    check_cudnn(cudnnSetConvolutionMathType(d_.conv, best.mathType), "cudnnSetConvolutionMathType");
  }
  size_t workspace_bytes() const override { return workspace_; }
  std::string describe() const override {
    return std::string("cuDNN ") + Api::name(algo_) + (tf32_ ? " (default math: TF32 possible)" : " (FP32 FMA)");
  }
  void run(const float* x, const float* w, float* y, void* ws, size_t ws_bytes, cudaStream_t stream) const override {
    check_cudnn(Api::run(cudnn_handle(stream), d_, algo_, x, w, y, ws, ws_bytes), Api::kRun);
  }

 private:
  Descriptors d_;
  typename Api::Algo algo_ = Api::default_algo();
  size_t workspace_ = 0;
  bool tf32_ = false;
};

}  // namespace

std::unique_ptr<CudnnPlan> CudnnPlan::transposed(const DeconvShape& s, size_t max_workspace, bool exhaustive,
                                                 cudaStream_t stream) {
  return std::make_unique<Plan<BackwardData>>(s, max_workspace, exhaustive, stream);
}

std::unique_ptr<CudnnPlan> CudnnPlan::convolution(const ConvShape& s, size_t max_workspace, bool exhaustive,
                                                  cudaStream_t stream) {
  return std::make_unique<Plan<Forward>>(s, max_workspace, exhaustive, stream);
}

#endif  // HUGE2_HAVE_CUDNN

}  // namespace huge2::cuda::detail
