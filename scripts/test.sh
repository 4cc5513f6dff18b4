#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the whole test
# suite through CTest: a Release build, the ARM stage (aarch64 cross build
# under qemu-aarch64, below) and an ASan+UBSan build.
# Usage: scripts/test.sh [--no-sanitize] [--no-arm]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 2)  # nproc answers OMP_NUM_THREADS
sanitize=1 arm=1
for a in "$@"; do
  case $a in
    --no-sanitize) sanitize=0 ;;
    --no-arm) arm=0 ;;
    *) echo "usage: scripts/test.sh [--no-sanitize] [--no-arm]" >&2; exit 2 ;;
  esac
done

bash scripts/install-deps.sh

run_suite() {  # build-dir, extra cmake args...
  local dir=$1; shift
  echo "== huge2: building $dir $*"
  cmake -S . -B "$dir" -DHUGE2_BENCH=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  echo "== huge2: testing $dir"
  (cd "$dir" && ctest --output-on-failure -j"$jobs")
}

run_suite build

# Jetson-class ARM: cross-build for aarch64 (scripts/cross-aarch64.sh; its
# arm64 tree is cached in /var/cache/huge2, outside the clone) and run under
# qemu-aarch64 with the NEON kernels (HUGE2_ISA=neon): the kernel tests, the
# operator tests, the gradients (NEON's weight-gradient GEMM tiles and its
# data gradients: ~14 s emulated) and every bundled network (huge2 against
# the stock method).
# Only the four test programs are built, and the rest of the suite is left to
# the native runs: emulation is 10-50x slower. Not kernels.scalar (~115 s
# emulated): kernels.neon runs the aarch64 build of the scalar kernels as its
# reference on every draw, and the native kernels.scalar tests them against
# the definition. One OpenMP thread per process, sleeping when idle: CTest
# already runs two processes at a time on the two cores, and spinning
# emulated threads would take them from each other. On an idle 2-core VM:
# build ~205 s; tests 351 s with kernels.scalar and every cfg in two halves,
# ~200 s without them (tests/engine/CMakeLists.txt).
# --no-arm skips it.
if [ $arm = 1 ]; then
  arm_start=$SECONDS
  HUGE2_AARCH64_TARGETS="huge2_kernel_tests huge2_operator_tests huge2_gradient_tests huge2_engine_tests" \
    HUGE2_ISA=neon \
    OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive \
    bash scripts/cross-aarch64.sh \
    -R '^(kernels\.neon|gradients\.neon|(conv|deconv|shapes): .*|network\.bundled-cfgs\.part[0-8])$'
  echo "== huge2: ARM stage (aarch64 build + qemu tests) took $((SECONDS - arm_start)) s"
fi

if [ $sanitize = 1 ]; then
  # Leaks inside the system libraries (OpenBLAS thread buffers, libdarknet)
  # are theirs; huge2's own leaks are still reported.
  export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # Without a GPU the sanitizer build leaves the CUDA backend out: its GPU
  # tests could only skip, and the Release build above has compiled the same
  # code (nvcc and its host side: ~40 s of CPU under the sanitizers on the
  # 2-core CI VM). The GPU emulation tests build either way. (Always said,
  # so that a build folder kept from a machine without a GPU builds it again.)
  cuda=AUTO
  nvidia-smi -L 2>/dev/null | grep -q '^GPU ' || cuda=OFF
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DHUGE2_SANITIZE=ON -DHUGE2_CUDA=$cuda
fi
