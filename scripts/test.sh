#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs the whole test
# suite through CTest twice: a Release build and an ASan+UBSan build.
# Usage: scripts/test.sh [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

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
if [ "${1:-}" != "--no-sanitize" ]; then
  # Leaks inside the system libraries (OpenBLAS thread buffers, libdarknet)
  # are theirs; huge2's own leaks are still reported.
  export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DHUGE2_SANITIZE=ON
fi
