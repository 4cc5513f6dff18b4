// What Deconvolution and Convolution share: construction (shape check,
// planning, packing), the plan-only form, the weights they hold (as given,
// or packed in the direct kernels' plan) and the start of forward().
// Operator/kernel split in the XNNPACK manner: the constructor checks the
// shape, plans the work and packs the weights for the chosen algorithm (once,
// like loading a model); forward() runs one batch into caller-owned output
// and workspace.
#pragma once
#include <memory>
#include <vector>

#include "core/algorithm.h"
#include "planning/problem.h"
#include "runtime/thread_pool.h"
#include "core/epilogue.h"
#include "runtime/isa.h"
#include "core/shapes.h"
#include "operators/given_weights.h"

namespace huge2 {

class DirectPlan;  // planning/direct_plan.h: private to the library

template <class Shape>
class OperatorBase {
 public:
  // weights: Darknet's layout for the operator (see each); the operator
  // copies or packs them. threads: how many threads forward() is planned
  // for (0 = default_threads()); forward() runs on the pool it is given.
  // isa: for huge2's kernels (direct, one window, panel GEMM); default active_isa().
  OperatorBase(const Shape& shape, Algorithm algo, const float* weights, const Epilogue& epilogue = {},
               int threads = 0);
  OperatorBase(const Shape& shape, Algorithm algo, const float* weights, const Epilogue& epilogue, int threads,
               Isa isa);

  ~OperatorBase();
  OperatorBase(OperatorBase&&) noexcept;
  OperatorBase& operator=(OperatorBase&&) noexcept;

  // For the shapes only (a network's summary and memory check, before any
  // weight exists): the same plan, workspace and method(), no weights;
  // forward() throws.
  struct PlanOnly {};
  OperatorBase(const Shape& shape, Algorithm algo, PlanOnly, int threads = 0);

  // New weights and epilogue (a reload) for the same plan: a plan-only
  // operator becomes a runnable one, a runnable one is repacked; neither is
  // planned again (the plan depends on the shape, not on the weights).
  void set_weights(const float* weights, const Epilogue& epilogue = {});
  // Like set_weights, but a method that reads the weights as given (the
  // stock method, the naive definition, huge2's one-window product) keeps
  // no copy: it reads `weights` at every forward, so the buffer must outlive
  // the operator (or the next set/borrow) and hold the weights whenever
  // forward() runs. For a training loop that updates its weights in place
  // (Darknet's, in the plugin): no 8 MB copy per step of a 128 -> 256 8x8
  // head. Packed methods pack, as set_weights does.
  void borrow_weights(const float* weights, const Epilogue& epilogue = {});
  // Whether the operator reads a caller's buffer (borrow_weights), and
  // whether it packs the weights (then borrowing is packing).
  bool borrows_weights() const { return weights_.borrowed(); }
  bool packs_weights() const { return direct_ != nullptr; }

  const Shape& shape() const { return shape_; }
  Algorithm algorithm() const { return algo_; }
  // Bytes of weights held by the operator in its packed layout.
  size_t packed_weight_bytes() const;
  // Writes the weights back in Darknet's order, from the packed copy; false
  // when the packed copy is not the whole kernel (a stride larger than the
  // output leaves kernel taps that touch no output). Lets a caller keep one
  // copy of the weights: the operator's.
  bool unpack_weights(float* weights) const;
  // Whether unpack_weights() can succeed.
  bool holds_whole_kernel() const;

 protected:
  // forward()'s start: the buffer checks (`need`: workspace_bytes()), then
  // the direct kernels when they run this operator; true when y is done.
  bool forward_direct(const float* x, float* y, float* workspace, size_t workspace_bytes, size_t need,
                      ThreadPool* pool) const;
  // The epilogue as one pass over y, for the methods whose kernels do not
  // fuse it: huge2's own (one window, panel GEMM) on `pool`, the stock
  // method and the reference on OpenMP, as the rest of the stock method.
  void apply_epilogue(float* y, ThreadPool* pool) const;

  Shape shape_;
  Algorithm algo_;
  Epilogue epilogue_;            // run as a pass by the non-direct methods
  const float* given_weights() const { return weights_.data(); }

  GivenWeights weights_;  // reference, darknet, huge2's panel GEMM and one window
  std::unique_ptr<DirectPlan> direct_;
  Isa isa_ = Isa::scalar;  // huge2's kernels: the direct plan's, the one window's and the panel GEMM's
  int threads_ = 1;        // planned for (the panel GEMM's per-thread panels)
  bool plan_only_ = false;

 private:
  void build(const float* weights, int threads, Isa isa);  // weights null: plan only
};

// What differs between the operators, for OperatorBase (defined with each
// operator): its name in messages, whether huge2 runs the direct kernels,
// its direct problem, and where weight (ic, n, e) lives in Darknet's layout.
const char* operator_name(const DeconvShape&);
const char* operator_name(const ConvShape&);
bool runs_direct_kernels(const DeconvShape& s, Algorithm algo);
bool runs_direct_kernels(const ConvShape& s, Algorithm algo);
DirectProblem direct_problem(const DeconvShape& s);
DirectProblem direct_problem(const ConvShape& s);
size_t darknet_weight_index(const DeconvShape& s, int ic, int n, int e);  // [in_c][out_c][k][k]
size_t darknet_weight_index(const ConvShape& s, int ic, int n, int e);    // [out_c][in_c][k][k]
// The same layouts as strides, for repacking without a call per weight.
WeightView darknet_weights(const DeconvShape& s, const float* w);
WeightView darknet_weights(const ConvShape& s, const float* w);

extern template class OperatorBase<DeconvShape>;
extern template class OperatorBase<ConvShape>;

}  // namespace huge2
