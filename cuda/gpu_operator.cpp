// GpuOperator: what DeconvGpu and ConvGpu share (huge2_cuda.h, gpu_operator.h).
#include "gpu_operator.h"

#include <sstream>

#include "core/errors.h"
#include "kernels.h"

namespace huge2::cuda {

void GpuOperator::Impl::finish_setup(const float* w, size_t weight_count, const GpuOptions& options,
                                     cudaStream_t stream, const char* setup) {
  if (algo != Algorithm::huge2 || fallback) {
    weights = DeviceBuffer<float>(weight_count);
    check(cudaMemcpyAsync(weights.get(), w, weights.bytes(), cudaMemcpyDeviceToDevice, stream),
          "cudaMemcpyAsync (weights)");
  }
  if (runs_darknet()) workspace = column_bytes();
  if (algo == Algorithm::cudnn) {
    dnn = cudnn_plan(options, stream);
    workspace = dnn->workspace_bytes();
  }
  check(cudaStreamSynchronize(stream), (std::string("cudaStreamSynchronize (") + setup + ")").c_str());
}

GpuOperator::GpuOperator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GpuOperator::~GpuOperator() = default;
GpuOperator::GpuOperator(GpuOperator&&) noexcept = default;
GpuOperator& GpuOperator::operator=(GpuOperator&&) noexcept = default;

Algorithm GpuOperator::algorithm() const { return impl_->algo; }
size_t GpuOperator::workspace_bytes() const { return impl_->workspace; }
size_t GpuOperator::packed_weight_bytes() const { return impl_->weights.bytes(); }
bool GpuOperator::falls_back_to_darknet() const { return impl_->fallback; }

std::string GpuOperator::describe() const {
  const Impl& m = *impl_;
  if (m.dnn) return m.dnn->describe();
  if (m.runs_darknet()) return m.describe_darknet();
  const auto& P = m.plan.params;
  const auto& t = detail::kTileInfos[m.plan.tile];
  std::ostringstream o;
  o << "huge2: " << m.describe_phases(P.nphases) << ", tile " << t.tn() << " channels x " << P.tile_r << "x"
    << P.tile_c << " pixels, " << P.cc << " input channels per stage, grid " << m.plan.blocks_x << "x"
    << m.plan.blocks_y;
  return o.str();
}

void GpuOperator::forward(const float* x, float* y, void* workspace, size_t workspace_bytes,
                          cudaStream_t stream) const {
  const Impl& m = *impl_;
  detail::require_device_pointer(x, m.op, "input");
  detail::require_device_pointer(y, m.op, "output");
  if (m.workspace > 0) {
    if (workspace_bytes < m.workspace)
      throw ShapeError(std::string(m.op) + ": workspace of " + std::to_string(workspace_bytes) + " bytes, needs " +
                       std::to_string(m.workspace));
    detail::require_device_pointer(workspace, m.op, "workspace");
  }
  if (m.dnn) {
    m.dnn->run(x, m.weights.get(), y, workspace, workspace_bytes, stream);
  } else if (m.runs_darknet()) {
    m.forward_darknet(x, y, workspace, stream);
  } else {
    detail::launch_phase_kernel(m.plan, x, m.weights.get(), y, m.phases.get(), stream);
  }
}

}  // namespace huge2::cuda
