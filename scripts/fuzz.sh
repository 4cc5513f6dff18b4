#!/usr/bin/env bash
# Fuzzing with libFuzzer (README "Fuzzing"): builds the four targets of
# tests/fuzz with clang -fsanitize=fuzzer,address,undefined into build-fuzz/
# and runs each for SECONDS (default 60) on a working copy of its seed corpus
# (tests/fuzz/corpus/TARGET; new coverage lands in build-fuzz/corpus/TARGET).
# A crash, hang (> 10 s), sanitizer report or allocation over 4 GiB stops the
# target and leaves the input in build-fuzz/artifacts/: add it to the corpus
# once fixed. Prints the inputs each target ran and the total.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: cfg weights npy image)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(cfg weights npy image)
jobs=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 2)  # nproc answers OMP_NUM_THREADS

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang)" >&2; exit 2; }
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHUGE2_FUZZ=ON -DHUGE2_SANITIZE=ON -DHUGE2_TESTS=OFF -DHUGE2_BENCH=OFF -DHUGE2_CUDA=OFF -DHUGE2_DARKNET=OFF \
  -DHUGE2_ONEDNN=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target $(printf 'huge2_fuzz_%s ' "${targets[@]}")

mkdir -p build-fuzz/artifacts
export ASAN_OPTIONS="allocator_may_return_null=0:detect_leaks=1:${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1  # one input at a time: threads only add noise
total=0 failed=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  log="build-fuzz/fuzz-$t.log"
  echo "== fuzz $t: ${seconds} s (log: $log)"
  # -close_fd_mask=2: the image codecs print every corrupt input to stderr;
  # libFuzzer's own reports still come through.
  set +e
  "build-fuzz/tests/fuzz/huge2_fuzz_$t" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=4096 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t-" -close_fd_mask=2 >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  runs=${runs:-0}
  total=$((total + runs))
  if [ $rc -ne 0 ]; then
    failed=$((failed + 1))
    echo "fuzz $t: FAILED (exit $rc) after $runs inputs; see $log and build-fuzz/artifacts/" >&2
    grep -m5 -E "ERROR|SUMMARY|Test unit written" "$log" >&2 || true
  else
    echo "fuzz $t: $runs inputs, no crash, hang or sanitizer report"
  fi
done
echo "fuzz: $total inputs in all, $failed target(s) failed"
[ $failed -eq 0 ]
