// What an untangled operator asks the planner for: its sub-problems
// ("phases") and their taps (planning/direct_plan.h says how they are cut
// into tiles). Apart from the plan so that the operators' public headers
// need neither the plan nor the micro-kernel ABI.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

namespace huge2 {

struct DirectPhase {
  int oy0 = 0, ox0 = 0;    // its first output pixel
  int rows = 0, cols = 0;  // pixel (u, v) lands at (oy0 + sy*u, ox0 + sx*v)
  std::vector<int> tap_y, tap_x, tap_entry;
  // The column phase each tap serves, in a phase row whose s column phases
  // run interleaved (DirectPlan's pixel tiles; ascending); empty otherwise.
  std::vector<int> tap_col;
};

struct DirectProblem {
  int batch = 1, in_c = 1, in_h = 1, in_w = 1, out_c = 1, out_h = 1, out_w = 1;
  int sy = 1, sx = 1;        // output step between a phase's pixels
  int ystep = 1, xstep = 1;  // input step between a phase's pixels (xstep 1 or 2)
  std::vector<DirectPhase> phases;
};

// Weight of input channel ic, output channel oc, kernel entry e. An empty
// function makes a plan for the shapes only (workspace, method), which
// cannot run.
using WeightAt = std::function<float(int ic, int oc, int e)>;

// Weights in an affine layout (Darknet's are): weight(ic, oc, e) =
// data[ic*ic_stride + oc*oc_stride + e*e_stride]. Repacking after every
// training step reads them this way, without a call per weight (through
// WeightAt that was ~45% of a `darknet rnn train` iteration of a small
// decoder).
struct WeightView {
  const float* data = nullptr;
  ptrdiff_t ic_stride = 0, oc_stride = 0, e_stride = 1;
  float operator()(int ic, int oc, int e) const { return data[ic * ic_stride + oc * oc_stride + e * e_stride]; }
};

}  // namespace huge2
