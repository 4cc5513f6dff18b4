// ConvGpu: plain and dilated convolution on the GPU, three algorithms (huge2_cuda.h).
#include <sstream>

#include "gpu_operator.h"
#include "kernels.h"

namespace huge2::cuda {
namespace {

constexpr const char* kOp = "convolution (GPU)";

struct ConvImpl final : GpuOperator::Impl {
  ConvShape s;

  ConvImpl(const ConvShape& shape, Algorithm algo, const float* w, cudaStream_t stream, const GpuOptions& options)
      : Impl(kOp, algo), s(checked_shape(shape, w, kOp)) {
    if (algo == Algorithm::huge2) {
      // The GEMM kernel (any stride and dilation), unless a tiled phase
      // kernel's shape is asked for (measured slower on every layer of
      // huge2-bench-gpu); the tiled kernel's sub-images need stride 1 and a
      // kernel that fits its shared memory, else the GEMM kernel runs.
      const bool tiled = s.stride == 1 && options.tile_config >= 0 && options.tile_config < kPhaseTileConfigs;
      if (tiled) {
        const auto phase_list = detail::conv_phases(s);  // the d*d sub-images
        plan = detail::plan_phase_launch(phase_list, s.batch, s.in_c, s.in_h, s.in_w, s.out_c, s.out_h(), s.out_w(),
                                         s.dilation, s.dilation, options.tile_config, detail::sm_count());
        if (plan.tile >= 0) {
          weights = DeviceBuffer<float>(s.weight_count());  // packed [c][j][i][n]
          detail::launch_pack_conv(w, weights.get(), s.in_c, s.out_c, s.ksize, stream);
          phases = DeviceBuffer<detail::PhaseDesc>(phase_list);
        }
      }
      if (!tiled || plan.tile < 0)
        setup_gemm(detail::conv_gemm_layout(s), s.batch, s.in_c, s.in_h, s.in_w, s.out_c, s.out_h(), s.out_w(), w,
                   options, stream);
    }
    finish_setup(w, s.weight_count(), options, stream, "convolution setup");
  }

  // A 1x1, stride-1, unpadded convolution is a plain GEMM on the input
  // (Darknet skips im2col there too; with padding it does not, unlike Darknet).
  bool direct_gemm() const { return s.ksize == 1 && s.stride == 1 && s.pad == 0; }
  size_t column_bytes() const override {
    return direct_gemm() ? 0 : size_t(s.in_c) * s.ksize * s.ksize * s.out_h() * s.out_w() * sizeof(float);
  }

  std::unique_ptr<detail::CudnnPlan> cudnn_plan(const GpuOptions& options, cudaStream_t stream) const override {
    return detail::CudnnPlan::convolution(s, options.max_workspace_bytes, options.cudnn_exhaustive, stream);
  }

  std::string describe_darknet() const override {
    std::ostringstream o;
    o << "darknet: ";
    if (direct_gemm())
      o << "SGEMM on the input (1x1), per image";
    else
      o << "dilated im2col into a " << s.in_c * s.ksize * s.ksize << "x" << s.out_h() * s.out_w()
        << " column buffer + SGEMM, per image";
    return o.str();
  }

  std::string describe_phases(int n) const override {
    return std::to_string(n) + (n == 1 ? " image" : " sub-images");
  }

  // Darknet's forward_convolutional_layer_gpu, image by image.
  void forward_darknet(const float* x, float* y, void* workspace, cudaStream_t stream) const override {
    const int pixels = s.out_h() * s.out_w(), kdim = s.in_c * s.ksize * s.ksize;
    const size_t in_image = size_t(s.in_c) * s.in_h * s.in_w, out_image = size_t(s.out_c) * pixels;
    const detail::Im2colParams ip{s.in_c, s.in_h, s.in_w, s.out_h(), s.out_w(), s.ksize, s.stride,
                                  s.applied_pad(), s.dilation};
    cublasHandle_t h = detail::cublas_handle(stream);
    const float one = 1.f, zero = 0.f;
    for (int b = 0; b < s.batch; ++b) {
      const float* col = x + b * in_image;
      if (!direct_gemm()) {
        detail::launch_im2col(ip, x + b * in_image, static_cast<float*>(workspace), stream);
        col = static_cast<const float*>(workspace);
      }
      // Row-major Y (out_c x pixels) = W (out_c x kdim) * col (kdim x pixels),
      // as column-major Y^T = col^T * W^T.
      detail::check_cublas(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, pixels, s.out_c, kdim, &one, col, pixels,
                                       weights.get(), kdim, &zero, y + b * out_image, pixels),
                           "cublasSgemm (convolution)");
    }
  }
};

}  // namespace

ConvGpu::ConvGpu(const ConvShape& shape, Algorithm algo, const float* weights, cudaStream_t stream,
                 const GpuOptions& options)
    : GpuOperator(std::make_unique<ConvImpl>(shape, algo, weights, stream, options)) {}

const ConvShape& ConvGpu::shape() const { return static_cast<const ConvImpl&>(*impl_).s; }

}  // namespace huge2::cuda
