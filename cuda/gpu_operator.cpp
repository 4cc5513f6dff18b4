// GpuOperator: what DeconvGpu and ConvGpu share (huge2_cuda.h, gpu_operator.h).
#include "gpu_operator.h"

#include <sstream>

#include "core/errors.h"
#include "kernels.h"

namespace huge2::cuda {

static_assert(kTileConfigs == kPhaseTileConfigs + detail::kGemmTiles, "tile_config numbers every kernel's tiles");

void GpuOperator::Impl::setup_gemm(const detail::GemmLayout& layout, int batch, int in_c, int in_h, int in_w,
                                   int out_c, int out_h, int out_w, const float* w, const GpuOptions& options,
                                   cudaStream_t stream) {
  const int forced = options.tile_config >= kPhaseTileConfigs ? options.tile_config - kPhaseTileConfigs : -1;
  gemm = detail::plan_gemm(layout, batch, in_c, in_h, in_w, out_c, out_h, out_w, forced, options.k_splits,
                           detail::sm_count());
  gemm_taps = DeviceBuffer<detail::GemmTap>(layout.taps);
  gemm_phases = DeviceBuffer<detail::GemmPhase>(layout.phases);
  weights = DeviceBuffer<float>(layout.packed_floats);
  detail::launch_pack_gemm(w, weights.get(), gemm_taps.get(), layout, out_c, stream);
  gemm_describe = describe_phases(int(layout.phases.size())) + " as implicit GEMMs";
}

void GpuOperator::Impl::finish_setup(const float* w, size_t weight_count, const GpuOptions& options,
                                     cudaStream_t stream, const char* setup) {
  if (algo != Algorithm::huge2) {
    weights = DeviceBuffer<float>(weight_count);
    check(cudaMemcpyAsync(weights.get(), w, weights.bytes(), cudaMemcpyDeviceToDevice, stream),
          "cudaMemcpyAsync (weights)");
  }
  if (runs_darknet()) workspace = column_bytes();
  if (runs_gemm()) workspace = gemm.workspace_bytes;
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

std::string GpuOperator::describe() const {
  const Impl& m = *impl_;
  if (m.dnn) return m.dnn->describe();
  if (m.runs_darknet()) return m.describe_darknet();
  std::ostringstream o;
  if (m.runs_gemm()) {
    const auto& t = detail::kGemmTileInfos[m.gemm.tile];
    o << "huge2: " << m.gemm_describe << ", tile " << t.bm << " channels x " << t.bn << " pixels (" << t.tm << "x"
      << t.tn << " per thread, " << t.bk << " K per stage), grid " << m.gemm.grid.x << "x" << m.gemm.grid.y << "x"
      << m.gemm.grid.z;
    if (m.gemm.params.splits > 1) o << ", K split in " << m.gemm.params.splits << " (workspace)";
    return o.str();
  }
  const auto& P = m.plan.params;
  const auto& t = detail::kTileInfos[m.plan.tile];
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
  } else if (m.runs_gemm()) {
    detail::launch_gemm_kernel(m.gemm, x, m.weights.get(), m.gemm_taps.get(), m.gemm_phases.get(), y,
                               static_cast<float*>(workspace), stream);
  } else {
    detail::launch_phase_kernel(m.plan, x, m.weights.get(), y, m.phases.get(), stream);
  }
}

}  // namespace huge2::cuda
