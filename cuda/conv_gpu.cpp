// ConvGpu: plain and dilated convolution on the GPU, three algorithms (huge2_cuda.h).
#include <sstream>

#include "backend.h"
#include "device_buffer.h"
#include "errors.h"
#include "huge2_cuda.h"
#include "kernels.h"

namespace huge2::cuda {

namespace {
constexpr const char* kOp = "convolution (GPU)";
}

struct ConvGpu::Impl {
  ConvShape s;
  GpuAlgorithm algo = GpuAlgorithm::darknet;
  bool fallback = false;                   // huge2 asked for, darknet runs
  DeviceBuffer<float> weights;             // huge2: packed [c][j][i][n]; else as given
  DeviceBuffer<detail::PhaseDesc> phases;  // huge2: the d*d sub-images
  detail::LaunchPlan plan;
  std::unique_ptr<detail::CudnnPlan> dnn;
  size_t workspace = 0;

  bool runs_darknet() const { return algo == GpuAlgorithm::darknet || fallback; }
  // A 1x1, stride-1, unpadded convolution is a plain GEMM on the input
  // (Darknet skips im2col there too; with padding it does not, unlike Darknet).
  bool direct_gemm() const { return s.ksize == 1 && s.stride == 1 && s.pad == 0; }
  size_t column_bytes() const {
    return direct_gemm() ? 0 : size_t(s.in_c) * s.ksize * s.ksize * s.out_h() * s.out_w() * sizeof(float);
  }
};

ConvGpu::ConvGpu(const ConvShape& shape, GpuAlgorithm algo, const float* weights, cudaStream_t stream,
                 const GpuOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  shape.validate();
  detail::require_device_pointer(weights, kOp, "weights");
  m.s = shape;
  m.algo = algo;
  const ConvShape& s = m.s;
  if (algo == GpuAlgorithm::huge2) {
    // Stride > 1 with the sub-images would need input steps that differ
    // between pixels (stride) and taps (dilation): run darknet instead.
    m.fallback = s.stride != 1;
    if (!m.fallback) {
      const auto phases = detail::conv_phases(s);
      m.plan = detail::plan_phase_launch(phases, s.batch, s.in_c, s.in_h, s.in_w, s.out_c, s.out_h(), s.out_w(),
                                         s.dilation, s.dilation, options.tile_config, detail::sm_count());
      m.fallback = m.plan.tile < 0;
      if (!m.fallback) {
        m.weights = DeviceBuffer<float>(s.weight_count());
        detail::launch_pack_conv(weights, m.weights.get(), s.in_c, s.out_c, s.ksize, stream);
        m.phases = DeviceBuffer<detail::PhaseDesc>(phases);
      }
    }
  }
  if (algo != GpuAlgorithm::huge2 || m.fallback) {
    m.weights = DeviceBuffer<float>(s.weight_count());
    check(cudaMemcpyAsync(m.weights.get(), weights, m.weights.bytes(), cudaMemcpyDeviceToDevice, stream),
          "cudaMemcpyAsync (weights)");
  }
  if (m.runs_darknet()) m.workspace = m.column_bytes();
  if (algo == GpuAlgorithm::cudnn) {
    m.dnn = detail::CudnnPlan::convolution(s, options.max_workspace_bytes, options.cudnn_exhaustive, stream);
    m.workspace = m.dnn->workspace_bytes();
  }
  check(cudaStreamSynchronize(stream), "cudaStreamSynchronize (convolution setup)");
}

ConvGpu::~ConvGpu() = default;
ConvGpu::ConvGpu(ConvGpu&&) noexcept = default;
ConvGpu& ConvGpu::operator=(ConvGpu&&) noexcept = default;

const ConvShape& ConvGpu::shape() const { return impl_->s; }
GpuAlgorithm ConvGpu::algorithm() const { return impl_->algo; }
size_t ConvGpu::workspace_bytes() const { return impl_->workspace; }
size_t ConvGpu::packed_weight_bytes() const { return impl_->weights.bytes(); }
bool ConvGpu::falls_back_to_darknet() const { return impl_->fallback; }

std::string ConvGpu::describe() const {
  const Impl& m = *impl_;
  std::ostringstream o;
  if (m.dnn) {
    o << m.dnn->describe();
  } else if (m.runs_darknet()) {
    if (m.fallback)
      o << (m.s.stride != 1 ? "darknet (huge2 falls back: stride > 1): "
                            : "darknet (huge2 falls back: kernel too large for shared memory): ");
    else
      o << "darknet: ";
    if (m.direct_gemm())
      o << "SGEMM on the input (1x1), per image";
    else
      o << "dilated im2col into a " << m.s.in_c * m.s.ksize * m.s.ksize << "x" << m.s.out_h() * m.s.out_w()
        << " column buffer + SGEMM, per image";
  } else {
    const auto& P = m.plan.params;
    const auto& t = detail::kTileInfos[m.plan.tile];
    o << "huge2: " << P.nphases << (P.nphases == 1 ? " image" : " sub-images") << ", tile " << t.tn()
      << " channels x " << P.tile_r << "x" << P.tile_c << " pixels, " << P.cc << " input channels per stage, grid "
      << m.plan.blocks_x << "x" << m.plan.blocks_y;
  }
  return o.str();
}

void ConvGpu::forward(const float* x, float* y, void* workspace, size_t workspace_bytes, cudaStream_t stream) const {
  const Impl& m = *impl_;
  const ConvShape& s = m.s;
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
    // Darknet's forward_convolutional_layer_gpu, image by image.
    const int pixels = s.out_h() * s.out_w(), kdim = s.in_c * s.ksize * s.ksize;
    const size_t in_image = size_t(s.in_c) * s.in_h * s.in_w, out_image = size_t(s.out_c) * pixels;
    const detail::Im2colParams ip{s.in_c, s.in_h, s.in_w, s.out_h(), s.out_w(), s.ksize, s.stride,
                                  s.applied_pad(), s.dilation};
    cublasHandle_t h = detail::cublas_handle(stream);
    const float one = 1.f, zero = 0.f;
    for (int b = 0; b < s.batch; ++b) {
      const float* col = x + b * in_image;
      if (!m.direct_gemm()) {
        detail::launch_im2col(ip, x + b * in_image, static_cast<float*>(workspace), stream);
        col = static_cast<const float*>(workspace);
      }
      // Row-major Y (out_c x pixels) = W (out_c x kdim) * col (kdim x pixels),
      // as column-major Y^T = col^T * W^T.
      detail::check_cublas(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, pixels, s.out_c, kdim, &one, col, pixels,
                                       m.weights.get(), kdim, &zero, y + b * out_image, pixels),
                           "cublasSgemm (convolution)");
    }
  } else {
    detail::launch_phase_kernel(m.plan, x, m.weights.get(), y, m.phases.get(), stream);
  }
}

}  // namespace huge2::cuda
