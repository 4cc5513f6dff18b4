#!/usr/bin/env bash
# EMULATED data-cache misses on aarch64 (a cache MODEL, not a board): L1D and
# L2 misses per forward of memory-traffic.sh's layers, stock method against
# huge2 (NEON kernels), under qemu-aarch64 with QEMU's own cache plugin
# (contrib/plugins/cache.c from Debian's qemu source package: LRU, 64-byte
# lines, one core). Per forward = (3 forwards - 1 forward)/2, one thread,
# OMP_WAIT_POLICY=passive, so set-up is not counted. The models:
#   nano: -cpu cortex-a57, L1D 32 KB 2-way, L2 2 MB 16-way (Jetson Nano's A57)
#   orin: -cpu neoverse-n1, L1D 64 KB 4-way, L2 256 KB 8-way (Orin's A78AE per core)
# The plugin sees every load and store the emulated code makes, with the
# model's geometry; it knows no prefetcher, no L3 and no timing.
#
# Usage: scripts/arm-cache.sh                 (~10 min; the d8 layer takes most)
#   needs scripts/cross-aarch64.sh's tree and build (the huge2-traffic driver:
#   HUGE2_AARCH64_TARGETS=huge2-traffic scripts/cross-aarch64.sh -R none)
#   HUGE2_CACHE_MODELS  models (default "nano orin")
set -euo pipefail
cd "$(dirname "$0")/.."
build=${HUGE2_AARCH64_BUILD:-build-aarch64}
sysroot=$(realpath -m "${HUGE2_AARCH64_SYSROOT:-/var/cache/huge2/aarch64-sysroot}")
models=${HUGE2_CACHE_MODELS:-nano orin}
driver=$build/src/huge2-traffic
for model in $models; do
  case $model in nano | orin) ;; *) echo "arm-cache: unknown model '$model' (nano, orin)" >&2; exit 2 ;; esac
done
[ -x "$driver" ] || { echo "arm-cache: $driver not built (see the usage above)" >&2; exit 1; }
unset OPENBLAS_CORETYPE  # an x86 name here; arm64 OpenBLAS must detect the emulated core

# The plugin, built once from the installed qemu's own source, beside
# arm-counts.sh's counter (scripts/arm-counts/qemu-plugin.sh).
plugin_dir=$build/arm-counts
plugin=$plugin_dir/libcache.so
source scripts/arm-counts/qemu-plugin.sh
[ -f "$plugin" ] || build_qemu_plugin arm-cache "$plugin_dir" "$plugin" contrib/plugins/cache.c

log=$(mktemp)
trap 'rm -f "$log"' EXIT
count() {  # model, driver args (ALGO N last): "accesses L1D-misses L2-misses"
  local model=$1 cpu geometry; shift
  case $model in
    nano) cpu=cortex-a57 geometry=dcachesize=32768,dassoc=2,l2cachesize=2097152,l2assoc=16 ;;
    orin) cpu=neoverse-n1 geometry=dcachesize=65536,dassoc=4,l2cachesize=262144,l2assoc=8 ;;
  esac
  OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive HUGE2_ISA=neon \
    qemu-aarch64 -L "$sysroot" -cpu "$cpu" -plugin "$plugin,$geometry,dblksize=64,l2blksize=64,limit=0" \
    -d plugin -D "$log" "$driver" "$@" >/dev/null
  # The plugin's per-core line: core, data accesses, data misses, rate,
  # insn accesses, insn misses, rate, l2 accesses, l2 misses, rate.
  awk '$1 == "0" {print $2, $3, $9}' "$log"
}

echo "EMULATED data caches (qemu-aarch64 $(qemu-aarch64 --version | head -n1 | awk '{print $3}') + its cache plugin, a model"
echo "of the caches' geometry, not a board), per forward, 1 thread"
printf "%-44s %-5s %-8s %14s %12s %12s %8s\n" layer model algo "data accesses" "L1D misses" "L2 misses" "L1D vs stock"
measure() {  # label, driver args without ALGO N
  local label=$1; shift
  for model in $models; do
    local stock=""
    for algo in darknet huge2; do
      read -r a1 m1 l1 < <(count "$model" "$@" "$algo" 1)
      read -r a3 m3 l3 < <(count "$model" "$@" "$algo" 3)
      local acc=$(( (a3 - a1) / 2 )) miss=$(( (m3 - m1) / 2 )) l2=$(( (l3 - l1) / 2 ))
      [ -z "$stock" ] && stock=$miss
      printf "%-44s %-5s %-8s %14d %12d %12d %7.2fx\n" "$label" "$model" "$algo" "$acc" "$miss" "$l2" \
        "$(python3 -c "print($miss / max(1, $stock))")"
    done
  done
}
measure "deconv 4x4/2 p1 256->128 16x16 (DCGAN)" deconv 256 128 16 16 4 2 1
measure "conv 3x3 d8 128->128 64x128 (seg)" conv 128 128 64 128 3 1 1 8
measure "deconv 2x2/2 p0 128->128 26x26 (YOLO neck)" deconv 128 128 26 26 2 2 0
