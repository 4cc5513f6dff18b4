// The phase geometry of transposed and dilated convolutions, one axis at a
// time (rows and columns are independent): which outputs a phase holds,
// which kernel taps it uses, and which input each tap reads. The one place
// this is derived: the CPU direct kernels' problems (operators/
// deconvolution.cpp, convolution.cpp) and the CUDA backend's phase
// descriptors (cuda/phase_plan.cpp) are both built from it. Plain C++17,
// header-only, so that the CUDA sources can include it too.
#pragma once
#include <cstdint>

namespace huge2 {

// How many of first, first + step, first + 2*step, ... are below n (step >= 1).
inline int strided_count(int64_t n, int64_t first, int64_t step) {
  return first < n ? int((n - 1 - first) / step + 1) : 0;
}

// One axis of a stride phase of a transposed convolution (output size out,
// kernel k, stride s >= 1, padding p >= 0). By definition output o receives
// input i through kernel tap t when o + p = i*s + t, so the outputs of one
// residue o mod s use the taps of one residue t mod s: output out0 + s*u
// receives, through tap tap(j) = tap0 + s*j, input in0 + u - j.
struct TransposedAxisPhase {
  int out0 = 0;   // the phase's first output (< s)
  int count = 0;  // its outputs out0, out0 + s, ... below out (0 when out0 >= out)
  int tap0 = 0;   // its first kernel tap, (out0 + p) mod s
  int taps = 0;   // its taps tap0, tap0 + s, ... below k (0 when tap0 >= k: its outputs receive nothing)
  int in0 = 0;    // the input output out0 reads through tap0: (out0 + p - tap0) / s
  int64_t step = 1;

  int tap(int j) const { return int(tap0 + step * j); }
  int input(int u, int j) const { return in0 + u - j; }
};

// The phase whose first output is out0 (0 <= out0 < s). In 64 bits inside:
// a stride near INT_MAX (a 1x1 input can have one) must not wrap.
inline TransposedAxisPhase transposed_phase_at_output(int out, int k, int s, int p, int out0) {
  const int64_t st = s, t0 = (int64_t(out0) + p) % st;
  TransposedAxisPhase a;
  a.out0 = out0;
  a.count = strided_count(out, out0, st);
  a.tap0 = int(t0);
  a.taps = strided_count(k, t0, st);
  a.in0 = int((int64_t(out0) + p - t0) / st);
  a.step = st;
  return a;
}

// The phase whose first kernel tap is tap0 (0 <= tap0 < s): its first
// output is the residue (tap0 - p) mod s.
inline TransposedAxisPhase transposed_phase_at_tap(int out, int k, int s, int p, int tap0) {
  const int64_t st = s;
  return transposed_phase_at_output(out, k, s, p, int(((tap0 - int64_t(p)) % st + st) % st));
}

// A (dilated, strided) convolution: output o reads, through kernel tap j,
// input o*stride - P + d*j (P: the padding applied, pad * dilation). A
// dilation sub-image a (stride 1) is the outputs a, a + d, ... (counted by
// strided_count(out, a, d)); its first output reads dilated_input(a, j, ...).
inline int dilated_input(int o, int j, int stride, int dilation, int applied_pad) {
  return int(int64_t(o) * stride - applied_pad + int64_t(dilation) * j);
}

}  // namespace huge2
