// Which instruction set the hand-written micro-kernels run with.
//
// Chosen once per operator, at construction: the best the CPU offers, or the
// one named by the environment variable HUGE2_ISA (avx512f | avx2 | neon | scalar),
// so that every path can be exercised (and compared) on one machine. One
// binary runs on any x86-64: only the ukernels/*-<isa>.cpp files are
// compiled with ISA flags, and they are entered only after this check.
// On aarch64 the choice is neon (Advanced SIMD, when the kernel reports it)
// or scalar.
#pragma once
#include <string>

namespace huge2 {

enum class Isa { scalar, avx2, avx512f, neon };

const char* isa_name(Isa isa);
// True when this CPU (and this build) can run kernels of that ISA.
bool isa_supported(Isa isa);
// The best supported ISA.
Isa best_isa();
// HUGE2_ISA if set (std::invalid_argument when it names an unknown ISA or
// one this CPU lacks), otherwise best_isa().
Isa active_isa();
// Parses avx512f | avx2 | neon | scalar; throws std::invalid_argument otherwise.
Isa parse_isa(const std::string& name);

}  // namespace huge2
