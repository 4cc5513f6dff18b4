// HUGE2_HD marks a function compiled for both the CPU and, under nvcc, the
// GPU: the formulas and index math that layers/ and cuda/ share.
#pragma once
#if defined(__CUDACC__)
#define HUGE2_HD __host__ __device__ __forceinline__
#else
#define HUGE2_HD inline
#endif
