#!/usr/bin/env bash
# The CUDA backend on a real GPU, in one go: the GPU tests, compute-sanitizer's
# four tools on them, and huge2-bench-gpu (every suite, batch 1 and 8, the
# automatic tile, and each GEMM tile). Logs go to $OUT (default out/gpu-check);
# a summary is printed last.
#
#   scripts/gpu-check.sh                 build (make GPU=1 CUDNN=1) then check
#   scripts/gpu-check.sh --prebuilt DIR  check binaries built elsewhere: DIR holds
#                                        huge2_gpu_tests and huge2-bench-gpu (a GPU
#                                        machine without the build's packages)
#   --quick                              the tests and the automatic-tile bench only
#
# Each step has a time limit (a hung kernel must not eat a lent GPU's minutes);
# a step that runs out is reported as TIMEOUT, not passed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out/gpu-check}
prebuilt="" quick=0
while [ $# -gt 0 ]; do
  case $1 in
    --prebuilt) prebuilt=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "usage: scripts/gpu-check.sh [--prebuilt DIR] [--quick]" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"

if [ -z "$prebuilt" ]; then
  make GPU=1 CUDNN=1 >"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
  tests=build/tests/cuda/huge2_gpu_tests bench=build/src/huge2-bench-gpu
else
  tests=$prebuilt/huge2_gpu_tests bench=$prebuilt/huge2-bench-gpu
fi

# The CUDA libraries: the toolkit's, then any a Python install carries (cuDNN
# often comes only as the nvidia-cudnn wheel).
libs=/usr/local/cuda/lib64:/usr/local/cuda/lib
py_libs=$(python3 - 2>/dev/null <<'EOF'
import glob, os
try:
    import nvidia
    print(":".join(sorted(glob.glob(os.path.join(list(nvidia.__path__)[0], "*", "lib")))))
except Exception:
    pass
EOF
)
export LD_LIBRARY_PATH=$libs${py_libs:+:$py_libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

summary=()
step() {  # name, seconds, command...
  local name=$1 limit=$2; shift 2
  local log=$out/$name.log t0=$SECONDS rc
  echo "== $name ($*)"
  timeout "$limit" "$@" >"$log" 2>&1
  rc=$?
  local verdict=ok
  [ $rc -eq 124 ] && verdict="TIMEOUT after ${limit}s"
  [ $rc -eq 77 ] && verdict="SKIPPED (no GPU)"
  [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 77 ] && verdict="FAILED (exit $rc)"
  summary+=("$(printf '%-28s %-22s %4ds' "$name" "$verdict" $((SECONDS - t0)))")
  tail -4 "$log"
}

gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader)
echo "$gpu"
ldd "$tests" | grep -E "cud|cublas"

step tests 150 "$tests" --durations yes
step bench 150 "$bench" --suite all --batch 1,8
if [ $quick -eq 0 ]; then
  cs="compute-sanitizer --error-exitcode 9 --print-limit 20"
  # memcheck on everything; the other tools on the hand-computed, error and
  # random cases (the big-layer test is too slow under racecheck).
  # (the error-path test's deliberate out-of-memory is an API error, not reported)
  step memcheck 100 $cs --tool memcheck --report-api-errors no "$tests"
  small='[deconv],[conv],[errors]'
  step racecheck 100 $cs --tool racecheck --racecheck-report all "$tests" "$small"
  step synccheck 30 $cs --tool synccheck "$tests" "$small"
  # Without cuDNN: its Find reads buffers it allocates itself before writing
  # them (seen inside cuDNN's and cuBLASLt's kernels, never huge2's).
  step initcheck 30 env HUGE2_GPU_TEST_ALGORITHMS=darknet,huge2 $cs --tool initcheck "$tests" "$small"
  step bench-tiles 150 bash -c "for t in 4 5 6 7 8 9; do echo \"-- tile \$t\"; \"$bench\" --suite all --batch 1,8 \
    --algorithms huge2 --repeats 10 --tile \$t; done"
  # Where the GEMM kernel's time goes, on the largest layer (one launch; the
  # GPU's clocks left as they are).
  step ncu 90 ncu --clock-control none --kernel-name regex:gemm_kernel --launch-count 1 --section SpeedOfLight \
    --section MemoryWorkloadAnalysis --section ComputeWorkloadAnalysis --section WarpStateStats --section Occupancy \
    --section LaunchStats --section InstructionStats "$bench" --suite seg --batch 8 --algorithms huge2 --repeats 1
fi

echo
echo "== summary ($out): $gpu"
printf '%s\n' "${summary[@]}"
