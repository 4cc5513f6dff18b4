#include "operators/operator_base.h"

#include <algorithm>
#include <string>

#include "core/errors.h"
#include "planning/direct_plan.h"
#include "stock/epilogue_pass.h"

namespace huge2 {
namespace {

int operator_threads(int threads) { return threads > 0 ? threads : default_threads(); }

// Throws ShapeError, naming `op`, for a null input or output, or a workspace
// smaller than `need` bytes.
void check_forward_buffers(const char* op, const void* x, const void* y, const void* ws, size_t ws_bytes,
                           size_t need) {
  if (!x) throw ShapeError(std::string(op) + ": input buffer is null");
  if (!y) throw ShapeError(std::string(op) + ": output buffer is null");
  if (need && (!ws || ws_bytes < need))
    throw ShapeError(std::string(op) + ": workspace of " + std::to_string(ws ? ws_bytes : 0) +
                     " bytes is smaller than the " + std::to_string(need) + " bytes needed");
}

}  // namespace

template <class Shape>
OperatorBase<Shape>::OperatorBase(const Shape& shape, Algorithm algo, const float* weights,
                                  const Epilogue& epilogue, int threads)
    : OperatorBase(shape, algo, weights, epilogue, threads, algo == Algorithm::huge2 ? active_isa() : Isa::scalar) {}

template <class Shape>
OperatorBase<Shape>::OperatorBase(const Shape& shape, Algorithm algo, const float* weights,
                                  const Epilogue& epilogue, int threads, Isa isa)
    : shape_(shape), algo_(algo), epilogue_(epilogue) {
  if (!weights) throw ShapeError(std::string(operator_name(shape_)) + ": weight buffer is null");
  build(weights, threads, isa);
}

template <class Shape>
OperatorBase<Shape>::OperatorBase(const Shape& shape, Algorithm algo, PlanOnly, int threads)
    : shape_(shape), algo_(algo), plan_only_(true) {
  build(nullptr, threads, algo == Algorithm::huge2 ? active_isa() : Isa::scalar);
}

template <class Shape>
void OperatorBase<Shape>::build(const float* weights, int threads, Isa isa) {
  isa_ = isa;
  threads_ = operator_threads(threads);
  if (algo_ == Algorithm::cudnn)
    throw ShapeError(std::string(operator_name(shape_)) + ": cudnn is a GPU algorithm (cuda/); the CPU runs reference, darknet or huge2");
  shape_.validate();
  epilogue_.check(shape_.out_c, operator_name(shape_));
  const Shape& s = shape_;
  if (!runs_direct_kernels(s, algo_)) {
    if (weights) weights_.copy(weights, s.weight_count());
    return;
  }
  WeightAt at;
  if (weights) at = [&](int ic, int n, int e) { return weights[darknet_weight_index(s, ic, n, e)]; };
  direct_ = std::make_unique<DirectPlan>(direct_problem(s), at, epilogue_, threads_, isa);
}

template <class Shape>
OperatorBase<Shape>::~OperatorBase() = default;
template <class Shape>
OperatorBase<Shape>::OperatorBase(OperatorBase&&) noexcept = default;
template <class Shape>
OperatorBase<Shape>& OperatorBase<Shape>::operator=(OperatorBase&&) noexcept = default;

template <class Shape>
bool OperatorBase<Shape>::holds_whole_kernel() const {
  return !plan_only_ && (!direct_ || direct_->covers(shape_.ksize * shape_.ksize));
}

template <class Shape>
void OperatorBase<Shape>::set_weights(const float* weights, const Epilogue& epilogue) {
  const char* op = operator_name(shape_);
  if (!weights) throw ShapeError(std::string(op) + ": weight buffer is null");
  epilogue.check(shape_.out_c, op);
  epilogue_ = epilogue;
  if (direct_) {
    const Shape& s = shape_;
    direct_->set_weights(darknet_weights(s, weights), epilogue_);
  } else {
    weights_.copy(weights, shape_.weight_count());
  }
  plan_only_ = false;
}

template <class Shape>
void OperatorBase<Shape>::borrow_weights(const float* weights, const Epilogue& epilogue) {
  if (direct_) return set_weights(weights, epilogue);
  const char* op = operator_name(shape_);
  if (!weights) throw ShapeError(std::string(op) + ": weight buffer is null");
  epilogue.check(shape_.out_c, op);
  epilogue_ = epilogue;
  weights_.borrow(weights);
  plan_only_ = false;
}

template <class Shape>
size_t OperatorBase<Shape>::packed_weight_bytes() const {
  return direct_ ? direct_->packed_weight_bytes() : weights_.owned_bytes();
}

template <class Shape>
bool OperatorBase<Shape>::unpack_weights(float* w) const {
  const Shape& s = shape_;
  if (plan_only_) return false;
  if (!direct_) return std::copy(given_weights(), given_weights() + shape_.weight_count(), w), true;
  return direct_->unpack(s.ksize * s.ksize,
                         [&](int ic, int n, int e, float v) { w[darknet_weight_index(s, ic, n, e)] = v; });
}

template <class Shape>
bool OperatorBase<Shape>::forward_direct(const float* x, float* y, float* ws, size_t ws_bytes, size_t need,
                                         ThreadPool* pool) const {
  const char* op = operator_name(shape_);
  check_forward_buffers(op, x, y, ws, ws_bytes, need);
  if (plan_only_) throw ShapeError(std::string(op) + ": built for its shape only, it has no weights to run");
  if (!direct_) {
    // The stock method runs on OpenMP's threads: give them the cores. (huge2
    // without direct kernels, a convolution with stride 5, 6, 7 or > 8, runs its panel
    // GEMM on the pool.)
    if (pool && algo_ != Algorithm::huge2) pool->park();
    return false;
  }
  direct_->run(x, y, ws, pool);
  return true;
}

template <class Shape>
void OperatorBase<Shape>::apply_epilogue(float* y, ThreadPool* pool) const {
  const Shape& s = shape_;
  const size_t spatial = size_t(s.out_h()) * s.out_w();
  if (algo_ != Algorithm::huge2) return apply_epilogue_pass(epilogue_, y, s.batch, s.out_c, spatial);
  if (epilogue_.is_identity()) return;
  // No OpenMP region inside huge2's own methods (its idle threads would spin
  // against the pool's); planes in ranges of at least 64 K floats per thread.
  const size_t planes = size_t(s.batch) * s.out_c, grain = std::max<size_t>(1, (size_t(1) << 16) / std::max<size_t>(1, spatial));
  parallel_for(pool, planes, [&](size_t q0, size_t q1) { epilogue_.apply(y, q0, q1, s.out_c, spatial); }, grain);
}

template class OperatorBase<DeconvShape>;
template class OperatorBase<ConvShape>;

}  // namespace huge2
