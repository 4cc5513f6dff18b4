// DeconvGpu: transposed convolution on the GPU, three algorithms (huge2_cuda.h).
#include <sstream>

#include "backend.h"
#include "device_buffer.h"
#include "errors.h"
#include "huge2_cuda.h"
#include "kernels.h"

namespace huge2::cuda {

namespace {
constexpr const char* kOp = "transposed convolution (GPU)";
}

struct DeconvGpu::Impl {
  DeconvShape s;
  GpuAlgorithm algo = GpuAlgorithm::darknet;
  bool fallback = false;                      // huge2 asked for, darknet runs
  DeviceBuffer<float> weights;                // huge2: packed per phase; else as given
  DeviceBuffer<detail::PhaseDesc> phases;     // huge2
  detail::LaunchPlan plan;                    // huge2
  std::unique_ptr<detail::CudnnPlan> dnn;     // cudnn
  size_t workspace = 0;

  bool runs_darknet() const { return algo == GpuAlgorithm::darknet || fallback; }
  // Darknet's column buffer for one image: (out_c*k*k) x (in_h*in_w) floats.
  size_t column_bytes() const { return size_t(s.out_c) * s.ksize * s.ksize * s.in_h * s.in_w * sizeof(float); }
};

DeconvGpu::DeconvGpu(const DeconvShape& shape, GpuAlgorithm algo, const float* weights, cudaStream_t stream,
                     const GpuOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  shape.validate();
  detail::require_device_pointer(weights, kOp, "weights");
  m.s = shape;
  m.algo = algo;
  const DeconvShape& s = m.s;
  if (algo == GpuAlgorithm::huge2) {
    const auto phases = detail::deconv_phases(s);
    m.plan = detail::plan_phase_launch(phases, s.batch, s.in_c, s.in_h, s.in_w, s.out_c, s.out_h(), s.out_w(), 1,
                                       s.stride, options.tile_config, detail::sm_count());
    m.fallback = m.plan.tile < 0;
    if (!m.fallback) {
      m.weights = DeviceBuffer<float>(detail::packed_deconv_floats(s, phases));
      for (const detail::PhaseDesc& q : phases)
        detail::launch_pack_deconv(weights, m.weights.get(), s.in_c, s.out_c, s.ksize, s.stride, q, stream);
      m.phases = DeviceBuffer<detail::PhaseDesc>(phases);
    }
  }
  if (algo != GpuAlgorithm::huge2 || m.fallback) {
    m.weights = DeviceBuffer<float>(s.weight_count());
    check(cudaMemcpyAsync(m.weights.get(), weights, m.weights.bytes(), cudaMemcpyDeviceToDevice, stream),
          "cudaMemcpyAsync (weights)");
  }
  if (m.runs_darknet()) m.workspace = m.column_bytes();
  if (algo == GpuAlgorithm::cudnn) {
    m.dnn = detail::CudnnPlan::transposed(s, options.max_workspace_bytes, options.cudnn_exhaustive, stream);
    m.workspace = m.dnn->workspace_bytes();
  }
  check(cudaStreamSynchronize(stream), "cudaStreamSynchronize (transposed convolution setup)");
}

DeconvGpu::~DeconvGpu() = default;
DeconvGpu::DeconvGpu(DeconvGpu&&) noexcept = default;
DeconvGpu& DeconvGpu::operator=(DeconvGpu&&) noexcept = default;

const DeconvShape& DeconvGpu::shape() const { return impl_->s; }
GpuAlgorithm DeconvGpu::algorithm() const { return impl_->algo; }
size_t DeconvGpu::workspace_bytes() const { return impl_->workspace; }
size_t DeconvGpu::packed_weight_bytes() const { return impl_->weights.bytes(); }
bool DeconvGpu::falls_back_to_darknet() const { return impl_->fallback; }

std::string DeconvGpu::describe() const {
  const Impl& m = *impl_;
  std::ostringstream o;
  if (m.dnn) {
    o << m.dnn->describe();
  } else if (m.runs_darknet()) {
    o << (m.fallback ? "darknet (huge2 falls back: sub-kernel too large for shared memory): " : "darknet: ")
      << "SGEMM W^T*X into a " << m.s.out_c * m.s.ksize * m.s.ksize << "x" << m.s.in_h * m.s.in_w
      << " column buffer + col2im gather, per image";
  } else {
    const auto& P = m.plan.params;
    const auto& t = detail::kTileInfos[m.plan.tile];
    o << "huge2: " << P.nphases << " phases, tile " << t.tn() << " channels x " << P.tile_r << "x" << P.tile_c
      << " pixels, " << P.cc << " input channels per stage, grid " << m.plan.blocks_x << "x" << m.plan.blocks_y;
  }
  return o.str();
}

void DeconvGpu::forward(const float* x, float* y, void* workspace, size_t workspace_bytes, cudaStream_t stream) const {
  const Impl& m = *impl_;
  const DeconvShape& s = m.s;
  detail::require_device_pointer(x, kOp, "input");
  detail::require_device_pointer(y, kOp, "output");
  if (m.workspace > 0) {
    if (workspace_bytes < m.workspace)
      throw ShapeError(std::string(kOp) + ": workspace of " + std::to_string(workspace_bytes) + " bytes, needs " +
                       std::to_string(m.workspace));
    detail::require_device_pointer(workspace, kOp, "workspace");
  }
  if (m.dnn) {
    m.dnn->run(x, m.weights.get(), y, workspace, workspace_bytes, stream);
  } else if (m.runs_darknet()) {
    // Darknet's forward_deconvolutional_layer_gpu, image by image.
    float* col = static_cast<float*>(workspace);
    const int hw = s.in_h * s.in_w, rows = s.out_c * s.ksize * s.ksize;
    const detail::Col2imParams cp{s.out_c, s.in_h, s.in_w, s.out_h(), s.out_w(), s.ksize, s.stride, s.pad};
    const size_t in_image = size_t(s.in_c) * hw, out_image = size_t(s.out_c) * s.out_h() * s.out_w();
    cublasHandle_t h = detail::cublas_handle(stream);
    const float one = 1.f, zero = 0.f;
    for (int b = 0; b < s.batch; ++b) {
      // Row-major col (rows x hw) = W^T (rows x in_c) * X (in_c x hw), as
      // column-major col^T (hw x rows) = X^T * W.
      detail::check_cublas(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, hw, rows, s.in_c, &one, x + b * in_image, hw,
                                       m.weights.get(), rows, &zero, col, hw),
                           "cublasSgemm (transposed convolution columns)");
      detail::launch_col2im(cp, col, y + b * out_image, stream);
    }
  } else {
    detail::launch_phase_kernel(m.plan, x, m.weights.get(), y, m.phases.get(), stream);
  }
}

}  // namespace huge2::cuda
