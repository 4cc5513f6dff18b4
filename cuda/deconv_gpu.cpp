// DeconvGpu: transposed convolution on the GPU, three algorithms (huge2_cuda.h).
#include <sstream>

#include "gpu_operator.h"
#include "kernels.h"

namespace huge2::cuda {
namespace {

constexpr const char* kOp = "transposed convolution (GPU)";

struct DeconvImpl final : GpuOperator::Impl {
  DeconvShape s;

  DeconvImpl(const DeconvShape& shape, Algorithm algo, const float* w, cudaStream_t stream,
             const GpuOptions& options)
      : Impl(kOp, algo), s(checked_shape(shape, w, kOp)) {
    if (algo == Algorithm::huge2) {
      // The GEMM kernel, unless a tiled phase kernel's shape is asked for
      // (measured slower on every layer of huge2-bench-gpu, the RGB layer
      // included); the GEMM kernel also takes what the tiled kernel cannot
      // fit in shared memory.
      const bool tiled = options.tile_config >= 0 && options.tile_config < kPhaseTileConfigs;
      if (tiled) {
        const auto phase_list = detail::deconv_phases(s);
        plan = detail::plan_phase_launch(phase_list, s.batch, s.in_c, s.in_h, s.in_w, s.out_c, s.out_h(), s.out_w(),
                                         1, s.stride, options.tile_config, detail::sm_count());
        if (plan.tile >= 0) {
          weights = DeviceBuffer<float>(detail::packed_deconv_floats(s, phase_list));
          for (const detail::PhaseDesc& q : phase_list)
            detail::launch_pack_deconv(w, weights.get(), s.in_c, s.out_c, s.ksize, s.stride, q, stream);
          phases = DeviceBuffer<detail::PhaseDesc>(phase_list);
        }
      }
      if (!tiled || plan.tile < 0)
        setup_gemm(detail::deconv_gemm_layout(s), s.batch, s.in_c, s.in_h, s.in_w, s.out_c, s.out_h(), s.out_w(), w,
                   options, stream);
    }
    finish_setup(w, s.weight_count(), options, stream, "transposed convolution setup");
  }

  // Darknet's column buffer for one image: (out_c*k*k) x (in_h*in_w) floats.
  size_t column_bytes() const override {
    return size_t(s.out_c) * s.ksize * s.ksize * s.in_h * s.in_w * sizeof(float);
  }

  std::unique_ptr<detail::CudnnPlan> cudnn_plan(const GpuOptions& options, cudaStream_t stream) const override {
    return detail::CudnnPlan::transposed(s, options.max_workspace_bytes, options.cudnn_exhaustive, stream);
  }

  std::string describe_darknet() const override {
    std::ostringstream o;
    o << "darknet: SGEMM W^T*X into a " << s.out_c * s.ksize * s.ksize << "x" << s.in_h * s.in_w
      << " column buffer + col2im gather, per image";
    return o.str();
  }

  std::string describe_phases(int n) const override { return std::to_string(n) + " phases"; }

  // Darknet's forward_deconvolutional_layer_gpu, image by image.
  void forward_darknet(const float* x, float* y, void* workspace, cudaStream_t stream) const override {
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
                                       weights.get(), rows, &zero, col, hw),
                           "cublasSgemm (transposed convolution columns)");
      detail::launch_col2im(cp, col, y + b * out_image, stream);
    }
  }
};

}  // namespace

DeconvGpu::DeconvGpu(const DeconvShape& shape, Algorithm algo, const float* weights, cudaStream_t stream,
                     const GpuOptions& options)
    : GpuOperator(std::make_unique<DeconvImpl>(shape, algo, weights, stream, options)) {}

const DeconvShape& DeconvGpu::shape() const { return static_cast<const DeconvImpl&>(*impl_).s; }

}  // namespace huge2::cuda
