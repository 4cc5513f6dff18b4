#!/usr/bin/env bash
# Data traffic per forward of a layer, per algorithm, under valgrind's
# cachegrind: data references (loads + stores) and D1 misses of 3 forwards
# minus those of 1 forward, halved, so that set-up (weight packing, buffers)
# is not counted. Single-threaded; valgrind hides AVX-512, so huge2 runs its
# AVX2 kernels here and OpenBLAS its Haswell ones.
# Usage: scripts/memory-traffic.sh [BUILD_DIR]   (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
driver=$build/src/huge2-traffic
command -v valgrind >/dev/null || { echo "memory-traffic: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
[ -x "$driver" ] || { echo "memory-traffic: $driver not built (cmake --build $build --target huge2-traffic)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Dr and Dw summed, and D1mr + D1mw, from cachegrind's summary line.
count() {  # out-file, args...
  local out=$1; shift
  OMP_NUM_THREADS=1 valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file="$out" "$driver" "$@" \
    >/dev/null 2>"$out.log" || { cat "$out.log" >&2; exit 1; }
  # cg_annotate's columns follow the events line: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
  python3 - "$out" <<'PY'
import sys
events, summary = None, None
for line in open(sys.argv[1]):
    if line.startswith('events:'): events = line.split()[1:]
    if line.startswith('summary:'): summary = [int(v) for v in line.split()[1:]]
e = dict(zip(events, summary))
print(e['Dr'] + e['Dw'], e['D1mr'] + e['D1mw'])
PY
}

printf "%-44s %-8s %16s %14s %8s\n" "layer" "algo" "data refs/fwd" "D1 misses/fwd" "vs stock"
measure() {  # label, driver args without ALGO N
  local label=$1; shift
  local stock_refs=""
  for algo in darknet huge2; do
    read -r r1 m1 < <(count "$tmp/1" "$@" "$algo" 1)
    read -r r3 m3 < <(count "$tmp/3" "$@" "$algo" 3)
    local refs=$(( (r3 - r1) / 2 )) misses=$(( (m3 - m1) / 2 ))
    [ -z "$stock_refs" ] && stock_refs=$refs
    printf "%-44s %-8s %16d %14d %7.2fx\n" "$label" "$algo" "$refs" "$misses" \
      "$(python3 -c "print($refs / $stock_refs)")"
  done
}
measure "deconv 4x4/2 p1 256->128 16x16 (DCGAN)" deconv 256 128 16 16 4 2 1
measure "conv 3x3 d8 128->128 64x128 (seg)" conv 128 128 64 128 3 1 1 8
measure "deconv 2x2/2 p0 128->128 26x26 (YOLO neck)" deconv 128 128 26 26 2 2 0
