// Internal: the state every GPU operator holds and the steps they share
// (checks, weight copies, workspace, the cuDNN plan, forward's dispatch).
// deconv_gpu.cpp and conv_gpu.cpp derive their Impl with the shape and what
// differs: the huge2 planning, darknet's method, the descriptions.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>

#include "backend.h"
#include "device_buffer.h"
#include "huge2_cuda.h"
#include "gemm_plan.h"
#include "phase_plan.h"

namespace huge2::cuda {

struct GpuOperator::Impl {
  Impl(const char* op, Algorithm algo) : op(op), algo(algo) {
    if (algo == Algorithm::reference)
      throw std::invalid_argument(std::string(op) + ": the reference algorithm runs on the CPU only");
  }
  virtual ~Impl() = default;

  const char* op;                           // the operator's name in messages
  Algorithm algo;
  DeviceBuffer<float> weights;              // huge2: packed; else as given
  DeviceBuffer<detail::PhaseDesc> phases;   // huge2
  detail::LaunchPlan plan;                  // huge2, tiled phase kernel
  detail::GemmPlan gemm;                    // huge2, GEMM kernel (gemm.tile >= 0)
  DeviceBuffer<detail::GemmTap> gemm_taps;
  DeviceBuffer<detail::GemmPhase> gemm_phases;
  std::string gemm_describe;                // "4 phases as implicit GEMMs"
  std::unique_ptr<detail::CudnnPlan> dnn;   // cudnn
  size_t workspace = 0;

  bool runs_darknet() const { return algo == Algorithm::darknet; }
  bool runs_gemm() const { return algo == Algorithm::huge2 && gemm.tile >= 0; }

  // huge2 with the GEMM kernel: plans `layout`, uploads its tables and packs
  // the weights (device pointer w) on `stream`.
  void setup_gemm(const detail::GemmLayout& layout, int batch, int in_c, int in_h, int in_w, int out_c, int out_h,
                  int out_w, const float* w, const GpuOptions& options, cudaStream_t stream);

  // Construction's common end, once the operator has planned huge2 (and
  // packed its weights when the phase kernel runs): the weights as given for
  // the other methods, the workspace, the cuDNN plan, the stream synchronised.
  // `setup`: what the synchronisation's error message names.
  void finish_setup(const float* weights, size_t weight_count, const GpuOptions& options, cudaStream_t stream,
                    const char* setup);

  // Darknet's method: its column buffer for one image (bytes), its forward.
  virtual size_t column_bytes() const = 0;
  virtual void forward_darknet(const float* x, float* y, void* workspace, cudaStream_t stream) const = 0;
  virtual std::string describe_darknet() const = 0;
  // What the phase kernel's phases are, for describe(): "4 phases", "1 image".
  virtual std::string describe_phases(int n) const = 0;
  virtual std::unique_ptr<detail::CudnnPlan> cudnn_plan(const GpuOptions& options, cudaStream_t stream) const = 0;
};

// The checks before an operator allocates anything: the shape (ShapeError
// naming the field), then the weights pointer. Returns the shape.
template <class Shape>
const Shape& checked_shape(const Shape& shape, const float* weights, const char* op) {
  shape.validate();
  detail::require_device_pointer(weights, op, "weights");
  return shape;
}

}  // namespace huge2::cuda
