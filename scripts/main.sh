#!/usr/bin/env bash
# The main job: installs what is missing, builds (Release), and runs the layer
# benchmark on the DCGAN and segmentation suites, printing the comparison
# table (and writing huge2-bench.csv). Extra arguments go to huge2-bench.
# Usage: scripts/main.sh [huge2-bench options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DHUGE2_BENCH=ON >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)"
exec ./build/src/huge2-bench "$@"
