#include "onednn_peer.h"

#include <dnnl.hpp>

namespace huge2::peers {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

const char* layout_name(OneDnnLayout l) { return l == OneDnnLayout::nchw ? "nchw" : "any"; }

struct OneDnnPeer::Impl {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  dnnl::primitive prim;
  memory src, wei, dst, scratch;
  memory::dims dst_dims;
  std::string impl;

  // Allocates the primitive's own memories and reorders the caller's weights
  // and input into them once, so that run() is the primitive alone.
  void setup(const dnnl::primitive_desc_base& pd, dnnl::primitive p, const memory::desc& user_w, const float* w,
             const memory::dims& src_dims, const float* x) {
    prim = std::move(p);
    impl = pd.impl_info_str();
    wei = memory(pd.weights_desc(), eng);
    src = memory(pd.src_desc(), eng);
    dst = memory(pd.dst_desc(), eng);
    scratch = memory(pd.scratchpad_desc(), eng);
    // oneDNN's API takes non-const handles; reorders only read their source.
    memory user_wm(user_w, eng, const_cast<float*>(w));
    memory user_xm({src_dims, dt::f32, tag::nchw}, eng, const_cast<float*>(x));
    dnnl::reorder(user_wm, wei).execute(strm, user_wm, wei);
    dnnl::reorder(user_xm, src).execute(strm, user_xm, src);
    strm.wait();
  }
};

namespace {

// Plain tensors for "nchw", oneDNN's choice for "any".
memory::desc act_desc(const memory::dims& d, OneDnnLayout l) {
  return {d, dt::f32, l == OneDnnLayout::nchw ? tag::nchw : tag::any};
}

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);  // so scratchpad_bytes() is what it uses
  return a;
}

// A copy of m (a handle) as a plain NCHW tensor of `dims` (a reorder: a copy
// when m is already plain).
std::vector<float> to_nchw(memory m, const memory::dims& dims, const dnnl::engine& eng, dnnl::stream& strm) {
  size_t n = 1;
  for (auto d : dims) n *= size_t(d);
  std::vector<float> out(n);
  memory plain({dims, dt::f32, tag::nchw}, eng, out.data());
  dnnl::reorder(m, plain).execute(strm, m, plain);
  strm.wait();
  return out;
}

}  // namespace

OneDnnPeer::OneDnnPeer(const DeconvShape& s, OneDnnLayout layout, const float* weights, const float* input)
    : impl_(std::make_unique<Impl>()) {
  s.validate();
  const memory::dims src_d{s.batch, s.in_c, s.in_h, s.in_w};
  const memory::dims dst_d{s.batch, s.out_c, s.out_h(), s.out_w()};
  const memory::dims w_d{s.out_c, s.in_c, s.ksize, s.ksize};  // oneDNN's logical order {oc, ic, kh, kw}
  const memory::dim kk = memory::dim(s.ksize) * s.ksize;
  // Darknet's buffer is [ic][oc][kh][kw]: describe it with explicit strides
  // in oneDNN's logical order and let a reorder transpose it.
  const memory::desc darknet_w(w_d, dt::f32, memory::dims{kk, memory::dim(s.out_c) * kk, s.ksize, 1});
  dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct,
                                      act_desc(src_d, layout), {w_d, dt::f32, tag::any}, act_desc(dst_d, layout),
                                      {s.stride, s.stride}, {0, 0}, {s.pad, s.pad}, {s.pad, s.pad});
  dnnl::deconvolution_forward::primitive_desc pd(d, user_scratchpad(), impl_->eng);
  impl_->dst_dims = dst_d;
  impl_->setup(pd, dnnl::deconvolution_forward(pd), darknet_w, weights, src_d, input);
}

OneDnnPeer::OneDnnPeer(const ConvShape& s, OneDnnLayout layout, const float* weights, const float* input)
    : impl_(std::make_unique<Impl>()) {
  s.validate();
  const memory::dims src_d{s.batch, s.in_c, s.in_h, s.in_w};
  const memory::dims dst_d{s.batch, s.out_c, s.out_h(), s.out_w()};
  const memory::dims w_d{s.out_c, s.in_c, s.ksize, s.ksize};  // same order as Darknet's
  const memory::dim p = s.applied_pad(), dil = s.dilation - 1;  // oneDNN counts dilation from 0
  // Symmetric padding: oneDNN's size check floors like Darknet's formula.
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                    act_desc(src_d, layout), {w_d, dt::f32, tag::any}, act_desc(dst_d, layout),
                                    {s.stride, s.stride}, {dil, dil}, {p, p}, {p, p});
  dnnl::convolution_forward::primitive_desc pd(d, user_scratchpad(), impl_->eng);
  impl_->dst_dims = dst_d;
  impl_->setup(pd, dnnl::convolution_forward(pd), {w_d, dt::f32, tag::oihw}, weights, src_d, input);
}

OneDnnPeer::~OneDnnPeer() = default;

void OneDnnPeer::run() {
  Impl& m = *impl_;
  m.prim.execute(m.strm, {{DNNL_ARG_SRC, m.src},
                          {DNNL_ARG_WEIGHTS, m.wei},
                          {DNNL_ARG_DST, m.dst},
                          {DNNL_ARG_SCRATCHPAD, m.scratch}});
  m.strm.wait();
}

std::vector<float> OneDnnPeer::output_nchw() { return to_nchw(impl_->dst, impl_->dst_dims, impl_->eng, impl_->strm); }

size_t OneDnnPeer::scratchpad_bytes() const { return impl_->scratch.get_desc().get_size(); }

std::string OneDnnPeer::impl_name() const { return impl_->impl; }

struct OneDnnBackwardPeer::Impl {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
  dnnl::primitive data, weights;
  memory wei, diff_dst_d, diff_src, scratch_d;       // data gradient
  memory src, diff_dst_w, diff_wei, scratch_w;       // weight gradient
  memory::dims src_dims;
  memory::desc user_w;
  std::string data_impl, weights_impl;

  // A memory of `want`'s layout holding the user's buffer (a reorder of it).
  memory take(const memory::desc& want, const memory::desc& user, const float* p) {
    memory m(want, eng);
    memory u(user, eng, const_cast<float*>(p));  // reorders only read their source
    dnnl::reorder(u, m).execute(strm, u, m);
    return m;
  }
  void setup(const dnnl::primitive_desc_base& dpd, dnnl::primitive dp, const dnnl::primitive_desc_base& wpd,
             dnnl::primitive wp, const memory::desc& user_weights, const float* w, const memory::dims& x_dims,
             const float* x, const memory::dims& dy_dims, const float* dy) {
    data = std::move(dp), weights = std::move(wp);
    data_impl = dpd.impl_info_str(), weights_impl = wpd.impl_info_str();
    src_dims = x_dims, user_w = user_weights;
    const memory::desc x_user{x_dims, dt::f32, tag::nchw}, dy_user{dy_dims, dt::f32, tag::nchw};
    wei = take(dpd.weights_desc(), user_weights, w);
    diff_dst_d = take(dpd.diff_dst_desc(), dy_user, dy);
    diff_src = memory(dpd.diff_src_desc(), eng);
    scratch_d = memory(dpd.scratchpad_desc(), eng);
    src = take(wpd.src_desc(), x_user, x);
    diff_dst_w = take(wpd.diff_dst_desc(), dy_user, dy);
    diff_wei = memory(wpd.diff_weights_desc(), eng);
    scratch_w = memory(wpd.scratchpad_desc(), eng);
    strm.wait();
  }
};

OneDnnBackwardPeer::OneDnnBackwardPeer(const DeconvShape& s, OneDnnLayout layout, const float* weights,
                                       const float* x, const float* dy)
    : impl_(std::make_unique<Impl>()) {
  s.validate();
  Impl& m = *impl_;
  const memory::dims src_d{s.batch, s.in_c, s.in_h, s.in_w};
  const memory::dims dst_d{s.batch, s.out_c, s.out_h(), s.out_w()};
  const memory::dims w_d{s.out_c, s.in_c, s.ksize, s.ksize};
  const memory::dim kk = memory::dim(s.ksize) * s.ksize;
  const memory::desc darknet_w(w_d, dt::f32, memory::dims{kk, memory::dim(s.out_c) * kk, s.ksize, 1});
  const memory::dims st{s.stride, s.stride}, pl{s.pad, s.pad}, pr{s.pad, s.pad};
  const memory::desc any_w{w_d, dt::f32, tag::any};
  dnnl::deconvolution_forward::desc fd(dnnl::prop_kind::forward_training, dnnl::algorithm::deconvolution_direct,
                                       act_desc(src_d, layout), any_w, act_desc(dst_d, layout), st, {0, 0}, pl, pr);
  dnnl::deconvolution_forward::primitive_desc fpd(fd, m.eng);
  dnnl::deconvolution_backward_data::desc dd(dnnl::algorithm::deconvolution_direct, act_desc(src_d, layout), any_w,
                                             act_desc(dst_d, layout), st, {0, 0}, pl, pr);
  dnnl::deconvolution_backward_data::primitive_desc dpd(dd, user_scratchpad(), m.eng, fpd);
  dnnl::deconvolution_backward_weights::desc wd(dnnl::algorithm::deconvolution_direct, act_desc(src_d, layout),
                                                any_w, act_desc(dst_d, layout), st, {0, 0}, pl, pr);
  dnnl::deconvolution_backward_weights::primitive_desc wpd(wd, user_scratchpad(), m.eng, fpd);
  m.setup(dpd, dnnl::deconvolution_backward_data(dpd), wpd, dnnl::deconvolution_backward_weights(wpd), darknet_w,
          weights, src_d, x, dst_d, dy);
}

OneDnnBackwardPeer::OneDnnBackwardPeer(const ConvShape& s, OneDnnLayout layout, const float* weights,
                                       const float* x, const float* dy)
    : impl_(std::make_unique<Impl>()) {
  s.validate();
  Impl& m = *impl_;
  const memory::dims src_d{s.batch, s.in_c, s.in_h, s.in_w};
  const memory::dims dst_d{s.batch, s.out_c, s.out_h(), s.out_w()};
  const memory::dims w_d{s.out_c, s.in_c, s.ksize, s.ksize};
  const memory::dim p = s.applied_pad(), dil = s.dilation - 1;
  const memory::dims st{s.stride, s.stride}, dl{dil, dil}, pl{p, p}, pr{p, p};
  const memory::desc any_w{w_d, dt::f32, tag::any};
  dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                     act_desc(src_d, layout), any_w, act_desc(dst_d, layout), st, dl, pl, pr);
  dnnl::convolution_forward::primitive_desc fpd(fd, m.eng);
  dnnl::convolution_backward_data::desc dd(dnnl::algorithm::convolution_direct, act_desc(src_d, layout), any_w,
                                           act_desc(dst_d, layout), st, dl, pl, pr);
  dnnl::convolution_backward_data::primitive_desc dpd(dd, user_scratchpad(), m.eng, fpd);
  dnnl::convolution_backward_weights::desc wd(dnnl::algorithm::convolution_direct, act_desc(src_d, layout), any_w,
                                              act_desc(dst_d, layout), st, dl, pl, pr);
  dnnl::convolution_backward_weights::primitive_desc wpd(wd, user_scratchpad(), m.eng, fpd);
  m.setup(dpd, dnnl::convolution_backward_data(dpd), wpd, dnnl::convolution_backward_weights(wpd),
          {w_d, dt::f32, tag::oihw}, weights, src_d, x, dst_d, dy);
}

OneDnnBackwardPeer::~OneDnnBackwardPeer() = default;

void OneDnnBackwardPeer::run_data() {
  Impl& m = *impl_;
  m.data.execute(m.strm, {{DNNL_ARG_DIFF_DST, m.diff_dst_d},
                          {DNNL_ARG_WEIGHTS, m.wei},
                          {DNNL_ARG_DIFF_SRC, m.diff_src},
                          {DNNL_ARG_SCRATCHPAD, m.scratch_d}});
  m.strm.wait();
}

void OneDnnBackwardPeer::run_weights() {
  Impl& m = *impl_;
  m.weights.execute(m.strm, {{DNNL_ARG_SRC, m.src},
                             {DNNL_ARG_DIFF_DST, m.diff_dst_w},
                             {DNNL_ARG_DIFF_WEIGHTS, m.diff_wei},
                             {DNNL_ARG_SCRATCHPAD, m.scratch_w}});
  m.strm.wait();
}

std::vector<float> OneDnnBackwardPeer::diff_src_nchw() {
  return to_nchw(impl_->diff_src, impl_->src_dims, impl_->eng, impl_->strm);
}

std::vector<float> OneDnnBackwardPeer::diff_weights_user() {
  Impl& m = *impl_;
  std::vector<float> out(m.user_w.get_size() / sizeof(float));
  memory user(m.user_w, m.eng, out.data());
  dnnl::reorder(m.diff_wei, user).execute(m.strm, m.diff_wei, user);
  m.strm.wait();
  return out;
}

size_t OneDnnBackwardPeer::data_scratchpad_bytes() const { return impl_->scratch_d.get_desc().get_size(); }
size_t OneDnnBackwardPeer::weights_scratchpad_bytes() const { return impl_->scratch_w.get_desc().get_size(); }
std::string OneDnnBackwardPeer::data_impl_name() const { return impl_->data_impl; }
std::string OneDnnBackwardPeer::weights_impl_name() const { return impl_->weights_impl; }

}  // namespace huge2::peers
