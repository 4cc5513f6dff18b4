/* Force-included (gcc/nvcc -include) when scripts/build-darknet.sh --gpu
 * compiles Debian's 2018 Darknet source with GPU=1 CUDNN=1 against CUDA 12/13
 * and cuDNN 8/9 (JetPack 6 class), so that Darknet's own files build
 * unchanged. What those releases removed, put back on their successors:
 *  - cudaThreadSynchronize (gone in CUDA 13): cudaDeviceSynchronize.
 *  - cudnnGetConvolution{Forward,BackwardData,BackwardFilter}Algorithm and
 *    their preference enums (gone in cuDNN 8): the _v7 heuristics, which list
 *    the algorithms best first; the first one that works within the
 *    workspace limit the preference names is taken.
 * Written for huge2 from the CUDA and cuDNN documentation, not from Darknet. */
#ifndef HUGE2_DARKNET_CUDA_COMPAT_H
#define HUGE2_DARKNET_CUDA_COMPAT_H

#ifdef GPU
#include <cuda_runtime.h>
#if CUDART_VERSION >= 13000
#define cudaThreadSynchronize cudaDeviceSynchronize
#endif

#ifdef CUDNN
#include <cudnn.h>
#if CUDNN_MAJOR >= 8

typedef enum {
  CUDNN_CONVOLUTION_FWD_NO_WORKSPACE = 0,
  CUDNN_CONVOLUTION_FWD_PREFER_FASTEST = 1,
  CUDNN_CONVOLUTION_FWD_SPECIFY_WORKSPACE_LIMIT = 2
} cudnnConvolutionFwdPreference_t;
typedef enum {
  CUDNN_CONVOLUTION_BWD_DATA_NO_WORKSPACE = 0,
  CUDNN_CONVOLUTION_BWD_DATA_PREFER_FASTEST = 1,
  CUDNN_CONVOLUTION_BWD_DATA_SPECIFY_WORKSPACE_LIMIT = 2
} cudnnConvolutionBwdDataPreference_t;
typedef enum {
  CUDNN_CONVOLUTION_BWD_FILTER_NO_WORKSPACE = 0,
  CUDNN_CONVOLUTION_BWD_FILTER_PREFER_FASTEST = 1,
  CUDNN_CONVOLUTION_BWD_FILTER_SPECIFY_WORKSPACE_LIMIT = 2
} cudnnConvolutionBwdFilterPreference_t;

/* Whether an algorithm needing `memory` bytes suits preference p (0 none,
 * 1 fastest, 2 within limit). */
static inline int huge2_compat_fits(int p, size_t memory, size_t limit) {
  return p == 1 || (p == 0 && memory == 0) || (p == 2 && memory <= limit);
}

#define HUGE2_COMPAT_PICK(ALGO_T, PERF_T, COUNT, V7_CALL, FALLBACK)        \
  PERF_T perf[COUNT];                                                       \
  int found = 0, i;                                                         \
  cudnnStatus_t status = V7_CALL;                                           \
  if (status != CUDNN_STATUS_SUCCESS) return status;                        \
  for (i = 0; i < found; ++i)                                               \
    if (perf[i].status == CUDNN_STATUS_SUCCESS &&                           \
        huge2_compat_fits((int)preference, perf[i].memory, memoryLimit)) { \
      *algo = perf[i].algo;                                                 \
      return CUDNN_STATUS_SUCCESS;                                          \
    }                                                                       \
  *algo = FALLBACK;                                                         \
  return CUDNN_STATUS_SUCCESS;

static inline cudnnStatus_t cudnnGetConvolutionForwardAlgorithm(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const cudnnFilterDescriptor_t wDesc,
    const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t yDesc,
    cudnnConvolutionFwdPreference_t preference, size_t memoryLimit, cudnnConvolutionFwdAlgo_t* algo) {
  HUGE2_COMPAT_PICK(cudnnConvolutionFwdAlgo_t, cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                    cudnnGetConvolutionForwardAlgorithm_v7(handle, xDesc, wDesc, convDesc, yDesc,
                                                           CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf),
                    CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM)
}

static inline cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm(
    cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc, const cudnnTensorDescriptor_t dyDesc,
    const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t dxDesc,
    cudnnConvolutionBwdDataPreference_t preference, size_t memoryLimit, cudnnConvolutionBwdDataAlgo_t* algo) {
  HUGE2_COMPAT_PICK(cudnnConvolutionBwdDataAlgo_t, cudnnConvolutionBwdDataAlgoPerf_t,
                    CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                    cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, wDesc, dyDesc, convDesc, dxDesc,
                                                                CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &found, perf),
                    CUDNN_CONVOLUTION_BWD_DATA_ALGO_0)
}

static inline cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithm(
    cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const cudnnTensorDescriptor_t dyDesc,
    const cudnnConvolutionDescriptor_t convDesc, const cudnnFilterDescriptor_t dwDesc,
    cudnnConvolutionBwdFilterPreference_t preference, size_t memoryLimit, cudnnConvolutionBwdFilterAlgo_t* algo) {
  HUGE2_COMPAT_PICK(cudnnConvolutionBwdFilterAlgo_t, cudnnConvolutionBwdFilterAlgoPerf_t,
                    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                    cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, xDesc, dyDesc, convDesc, dwDesc,
                                                                  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &found,
                                                                  perf),
                    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0)
}

#undef HUGE2_COMPAT_PICK
#endif /* CUDNN_MAJOR >= 8 */
#endif /* CUDNN */
#endif /* GPU */
#endif
