#include "xnnpack_peer.h"

#include <xnnpack.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace huge2::peers {
namespace {

const char* status_name(xnn_status st) {
  switch (st) {
    case xnn_status_success: return "success";
    case xnn_status_uninitialized: return "uninitialized";
    case xnn_status_invalid_parameter: return "invalid_parameter";
    case xnn_status_invalid_state: return "invalid_state";
    case xnn_status_unsupported_parameter: return "unsupported_parameter";
    case xnn_status_unsupported_hardware: return "unsupported_hardware";
    case xnn_status_out_of_memory: return "out_of_memory";
  }
  return "unknown";
}

void check(xnn_status st, const char* call) {
  if (st != xnn_status_success)
    throw std::runtime_error(std::string("XNNPACK peer: ") + call + " failed: xnn_status_" + status_name(st) + " (" +
                             std::to_string(int(st)) + ")");
}

// xnn_initialize is reference-counted by contract (one xnn_deinitialize per
// successful call), so each peer holds one for its lifetime.
struct Library {
  Library() { check(xnn_initialize(nullptr), "xnn_initialize"); }
  ~Library() { xnn_deinitialize(); }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
};

struct PoolDeleter {
  void operator()(pthreadpool* p) const { pthreadpool_destroy(p); }
};
struct OperatorDeleter {
  void operator()(xnn_operator* op) const { xnn_delete_operator(op); }
};

// NCHW -> NHWC for `batch` images of c x hw; `extra` zero floats are left
// after the data because XNNPACK may read XNN_EXTRA_BYTES past the end.
std::vector<float> to_nhwc(const float* x, int batch, int c, size_t hw, size_t extra) {
  std::vector<float> y(size_t(batch) * c * hw + extra, 0.0f);
  for (int b = 0; b < batch; ++b) {
    const float* xb = x + size_t(b) * c * hw;
    float* yb = y.data() + size_t(b) * c * hw;
    for (int ch = 0; ch < c; ++ch)
      for (size_t p = 0; p < hw; ++p) yb[p * c + ch] = xb[size_t(ch) * hw + p];
  }
  return y;
}

// Darknet weights to XNNPACK's [out_c][k][k][in_c] for either operator:
// element (o, i, ky, kx) sits at w[o * o_stride + i * i_stride + ky * k + kx].
std::vector<float> to_ohwi(const float* w, int out_c, int in_c, int k, size_t o_stride, size_t i_stride) {
  std::vector<float> y(size_t(out_c) * k * k * in_c);
  for (int o = 0; o < out_c; ++o)
    for (int i = 0; i < in_c; ++i)
      for (int t = 0; t < k * k; ++t) y[(size_t(o) * k * k + t) * in_c + i] = w[o * o_stride + i * i_stride + t];
  return y;
}

constexpr size_t kExtraFloats = (XNN_EXTRA_BYTES + sizeof(float) - 1) / sizeof(float);

}  // namespace

struct XnnpackPeer::Impl {
  Library lib;  // first member: outlives the operator below
  std::unique_ptr<pthreadpool, PoolDeleter> pool;
  std::unique_ptr<xnn_operator, OperatorDeleter> op;
  std::vector<float> src, dst;  // NHWC
  int batch = 0, out_c = 0, out_h = 0, out_w = 0;
  std::string name;

  explicit Impl(int threads) {
    if (threads > 1) {
      pool.reset(pthreadpool_create(size_t(threads)));
      if (!pool) throw std::runtime_error("XNNPACK peer: pthreadpool_create(" + std::to_string(threads) + ") failed");
    }
  }

  // The NHWC copy of the input and the output buffer, for either shape.
  template <class Shape>
  void set_tensors(const Shape& s, const float* input) {
    batch = s.batch, out_c = s.out_c, out_h = s.out_h(), out_w = s.out_w();
    src = to_nhwc(input, s.batch, s.in_c, size_t(s.in_h) * s.in_w, kExtraFloats);
    dst.assign(s.output_count(), 0.0f);
  }
};

XnnpackPeer::XnnpackPeer(const DeconvShape& s, const float* weights, const float* input, int threads)
    : impl_(std::make_unique<Impl>(threads)) {
  s.validate();
  Impl& m = *impl_;
  m.set_tensors(s, input);
  const int k = s.ksize;
  // Darknet [ic][oc][k][k]: o strides k*k, i strides oc*k*k.
  const std::vector<float> w = to_ohwi(weights, s.out_c, s.in_c, k, size_t(k) * k, size_t(s.out_c) * k * k);
  // Darknet's out = (in-1)*stride + k - 2*pad is XNNPACK's output padding
  // `pad` on all four sides with no adjustment. The kernel is packed (copied)
  // here, so `w` may go when this returns.
  xnn_operator_t op = nullptr;
  check(xnn_create_deconvolution2d_nhwc_f32(s.pad, s.pad, s.pad, s.pad, k, k, s.stride, s.stride, 1, 1,
                                            /*groups=*/1, s.in_c, s.out_c, s.in_c, s.out_c, w.data(),
                                            /*bias=*/nullptr, -INFINITY, INFINITY, /*flags=*/0, &op),
        "xnn_create_deconvolution2d_nhwc_f32");
  m.op.reset(op);
  check(xnn_setup_deconvolution2d_nhwc_f32(op, s.batch, s.in_h, s.in_w, 0, 0, m.src.data(), m.dst.data(),
                                           m.pool.get()),
        "xnn_setup_deconvolution2d_nhwc_f32");
  // Which path XNNPACK takes, by the rule in its deconvolution-nhwc.c (the
  // operator is opaque): stride <= k (and no dilation) splits the layer into
  // stride^2 subconvolutions, run as plain GEMMs when k == stride and pad 0.
  std::string path = "igemm";
  if (s.stride > 1 && s.stride <= k) path = (k == s.stride && s.pad == 0) ? "subconvolution, gemm" : "subconvolution";
  m.name = "xnnpack deconvolution2d_nhwc_f32 (" + path + ")";
}

XnnpackPeer::XnnpackPeer(const ConvShape& s, const float* weights, const float* input, int threads)
    : impl_(std::make_unique<Impl>(threads)) {
  s.validate();
  Impl& m = *impl_;
  m.set_tensors(s, input);
  const int k = s.ksize;
  const uint32_t p = uint32_t(s.applied_pad());
  // Darknet [oc][ic][k][k]: o strides ic*k*k, i strides k*k.
  const std::vector<float> w = to_ohwi(weights, s.out_c, s.in_c, k, size_t(s.in_c) * k * k, size_t(k) * k);
  // XNNPACK floors (padded - effective_k) / stride + 1 like Darknet.
  xnn_operator_t op = nullptr;
  check(xnn_create_convolution2d_nhwc_f32(p, p, p, p, k, k, s.stride, s.stride, s.dilation, s.dilation,
                                          /*groups=*/1, s.in_c, s.out_c, s.in_c, s.out_c, w.data(),
                                          /*bias=*/nullptr, -INFINITY, INFINITY, /*flags=*/0, &op),
        "xnn_create_convolution2d_nhwc_f32");
  m.op.reset(op);
  check(xnn_setup_convolution2d_nhwc_f32(op, s.batch, s.in_h, s.in_w, m.src.data(), m.dst.data(), m.pool.get()),
        "xnn_setup_convolution2d_nhwc_f32");
  // The path by the rule in XNNPACK's convolution-nhwc.c: 1x1, stride 1,
  // no padding is one GEMM (a per-channel multiply-add for 1 -> 1 channel);
  // 1 -> 1 channel otherwise goes to a depthwise kernel when XNNPACK has
  // one for k x k; everything else is an indirect GEMM.
  const bool pointwise = k == 1 && s.stride == 1 && p == 0;
  const bool one_channel = s.in_c == 1 && s.out_c == 1;
  std::string path = "igemm";
  if (pointwise) path = one_channel ? "vmulcaddc" : "gemm";
  else if (one_channel) path = "dwconv or igemm";
  m.name = "xnnpack convolution2d_nhwc_f32 (" + path + ")";
}

XnnpackPeer::~XnnpackPeer() = default;

void XnnpackPeer::run() { check(xnn_run_operator(impl_->op.get(), impl_->pool.get()), "xnn_run_operator"); }

std::vector<float> XnnpackPeer::output_nchw() const {
  const Impl& m = *impl_;
  const size_t hw = size_t(m.out_h) * m.out_w;
  std::vector<float> out(m.dst.size());
  for (int b = 0; b < m.batch; ++b) {
    const float* src = m.dst.data() + size_t(b) * m.out_c * hw;
    float* dst = out.data() + size_t(b) * m.out_c * hw;
    for (size_t p = 0; p < hw; ++p)
      for (int c = 0; c < m.out_c; ++c) dst[size_t(c) * hw + p] = src[p * m.out_c + c];
  }
  return out;
}

std::string XnnpackPeer::impl_name() const { return impl_->name; }

size_t XnnpackPeer::workspace_bytes() const { return 0; }  // not exposed by XNNPACK: see the header

}  // namespace huge2::peers
