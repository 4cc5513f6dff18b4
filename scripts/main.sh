#!/usr/bin/env bash
# The main job: installs what is missing, builds (Release), then
#  1. runs the bundled DCGAN generator with seeded weights (huge2 generate),
#  2. compares stock and huge2 algorithms on whole networks (huge2 bench --compare)
#     for the DCGAN generator and a segmentation net, and their peak memory,
#  3. runs the README's plugin examples: a C program and a Python ctypes script
#     on the packaged libdarknet.so, stock and with libhuge2_darknet.so,
#  4. builds Darknet's own command line with huge2 inside (scripts/build-darknet.sh)
#     and prints `darknet speed` for the DCGAN generator and the ERFNet-like net,
#     stock and -huge2 cfgs,
#  5. runs the layer benchmark (huge2-bench) on the DCGAN, segmentation and YOLO suites,
#  6. counts data references per forward under cachegrind (scripts/memory-traffic.sh).
# Outputs land in build/main-job/. Arguments go to huge2-bench (step 5), e.g.
#   bash scripts/main.sh --threads 1 --repeats 3
set -euo pipefail
cd "$(dirname "$0")/.."
# No OMP_WAIT_POLICY: huge2's layers run on its own thread pool, whose
# workers sleep shortly after each layer whatever that variable says.
bash scripts/install-deps.sh
cmake -S . -B build -DHUGE2_BENCH=ON >/dev/null
cmake --build build -j"$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 2)"

bin=build/src
out=build/main-job
mkdir -p "$out"
step() { printf '\n==== %s\n' "$*"; }

step "seeded weights for the bundled cfgs (huge2 init-weights)"
$bin/huge2 init-weights cfg/dcgan64.cfg "$out/dcgan64.weights" --seed 1
$bin/huge2 init-weights cfg/erfnet-like.cfg "$out/erfnet-like.weights" --seed 1

if $bin/huge2 generate --help >/dev/null 2>&1; then
  step "DCGAN sampling: 16 images from seeded latents (huge2 generate)"
  $bin/huge2 generate cfg/dcgan64-huge2.cfg "$out/dcgan64.weights" --count 16 --output "$out/dcgan64-grid.png"
fi

step "whole DCGAN generator: stock vs huge2 algorithms (huge2 bench --compare)"
$bin/huge2 bench cfg/dcgan64.cfg "$out/dcgan64.weights" --compare --repeats 20
step "whole segmentation net (ERFNet-like, 512x512): stock vs huge2 (huge2 bench --compare)"
$bin/huge2 bench cfg/erfnet-like.cfg "$out/erfnet-like.weights" --compare --repeats 5

step "peak memory, one process per algorithm (huge2 bench --algorithm A)"
for cfg in dcgan64 erfnet-like; do
  for algo in darknet huge2; do
    printf '%-12s %-8s ' "$cfg" "$algo"
    $bin/huge2 bench "cfg/$cfg.cfg" "$out/$cfg.weights" --algorithm "$algo" --repeats 3 2>/dev/null | tail -n 1
  done
done

plugin=build/src/plugin
if [ -f $plugin/libhuge2_darknet.so ]; then
  step "inside libdarknet.so: the C and Python examples, Darknet's layers vs huge2's (LD_PRELOAD plugin)"
  pre="$PWD/$plugin/libhuge2_darknet.so"
  for threads in 1 2; do
    echo "-- OMP_NUM_THREADS=$threads (stock Darknet is single-threaded)"
    run() { OMP_NUM_THREADS=$threads HUGE2_PLUGIN_QUIET=1 LD_PRELOAD="$pre" "$@" 2>/dev/null | grep -v '^wrote'; }
    run $plugin/darknet-predict cfg/dcgan64.cfg "$out/dcgan64.weights" --repeats 20 --save "$out/dcgan64-stock.bin"
    run $plugin/darknet-predict cfg/dcgan64-huge2.cfg "$out/dcgan64.weights" --repeats 20 --compare "$out/dcgan64-stock.bin"
    if command -v python3 >/dev/null; then
      run python3 src/plugin/examples/predict.py cfg/dcgan64-huge2.cfg "$out/dcgan64.weights" --repeats 20 \
        --compare "$out/dcgan64-stock.bin"
    fi
  done
  echo "-- dilated: ERFNet-like through libdarknet.so, stock dilated im2col vs huge2 (both need the plugin)"
  run $plugin/darknet-predict cfg/erfnet-like.cfg "$out/erfnet-like.weights" --repeats 3 --save "$out/erfnet-stock.bin"
  run $plugin/darknet-predict cfg/erfnet-like-huge2.cfg "$out/erfnet-like.weights" --repeats 3 \
    --compare "$out/erfnet-stock.bin"
fi

step "Darknet's own command line with huge2 inside (scripts/build-darknet.sh): darknet speed, stock vs -huge2"
if bash scripts/build-darknet.sh build; then
  for pair in "dcgan64 20" "erfnet-like 3"; do
    name=${pair% *} passes=${pair#* }
    for cfg in "$name" "$name-huge2"; do
      printf '%-20s ' "$cfg"
      env -u DISPLAY build/darknet/darknet speed "cfg/$cfg.cfg" "$passes" 2>/dev/null | grep 'sec/eval' || echo "(failed)"
    done
  done
else
  echo "(skipped: build/darknet/darknet could not be built, see above)"
fi

step "layer benchmark: DCGAN, segmentation and real-model (YOLO/ReID) suites (huge2-bench)"
(cd "$out" && ../src/huge2-bench --suite dcgan --csv huge2-bench-dcgan.csv "$@")
(cd "$out" && ../src/huge2-bench --suite seg --csv huge2-bench-seg.csv "$@")
(cd "$out" && ../src/huge2-bench --suite yolo --csv huge2-bench-yolo.csv "$@")

step "data traffic per forward, stock method vs huge2's direct kernels (cachegrind; a few minutes)"
bash scripts/memory-traffic.sh build
