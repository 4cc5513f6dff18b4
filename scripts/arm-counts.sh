#!/usr/bin/env bash
# EMULATED instruction counts on aarch64 (a proxy for work, not a timing):
# guest instructions per forward of each layer of huge2-bench's dcgan, seg and
# yolo suites, for huge2 (NEON kernels) and the stock method (im2col/col2im +
# arm64 OpenBLAS), under qemu-aarch64 with a counting TCG plugin, per CPU
# model (-cpu neoverse-n1 ~ Orin's A78AE, -cpu cortex-a57 ~ Nano; OpenBLAS
# picks its kernels from the model). Per forward = (3 forwards - 1 forward)/2,
# one thread, OMP_WAIT_POLICY=passive, so set-up and spinning are not counted.
# Then llvm-mca on the NEON inner loop (a model of the core, not a board).
#
# Usage: scripts/arm-counts.sh [SUITE...]      (dcgan dcgan5 seg seg128 yolo; default: dcgan seg yolo;
#                                              mca: llvm-mca only)
#   needs scripts/cross-aarch64.sh's tree and build (the huge2-traffic driver:
#   HUGE2_AARCH64_TARGETS=huge2-traffic scripts/cross-aarch64.sh -R none)
#   HUGE2_COUNT_CPUS  CPU models (default "neoverse-n1 cortex-a57")
set -euo pipefail
cd "$(dirname "$0")/.."
build=${HUGE2_AARCH64_BUILD:-build-aarch64}
sysroot=$(realpath -m "${HUGE2_AARCH64_SYSROOT:-/var/cache/huge2/aarch64-sysroot}")
cpus=${HUGE2_COUNT_CPUS:-neoverse-n1 cortex-a57}
driver=$build/src/huge2-traffic
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(dcgan seg yolo)
[ "${suites[*]}" != mca ] || suites=()  # "mca": the llvm-mca part alone
[ -x "$driver" ] || { echo "arm-counts: $driver not built (see the usage above)" >&2; exit 1; }
unset OPENBLAS_CORETYPE  # an x86 name here; arm64 OpenBLAS must detect the emulated core

# The plugin, built once against the installed qemu's own plugin header
# (scripts/arm-counts/qemu-plugin.sh).
plugin_dir=$build/arm-counts
plugin=$plugin_dir/libinsn-count.so
source scripts/arm-counts/qemu-plugin.sh
[ -f "$plugin" ] || build_qemu_plugin arm-counts "$plugin_dir" "$plugin" scripts/arm-counts/insn-count.c

log=$(mktemp)
trap 'rm -f "$log"' EXIT
count() {  # cpu, driver args (ALGO N last)
  local cpu=$1; shift
  OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive HUGE2_ISA=neon \
    qemu-aarch64 -L "$sysroot" -cpu "$cpu" -plugin "$plugin" -d plugin -D "$log" "$driver" "$@" >/dev/null
  awk '/^insns/ {print $2}' "$log"
}
per_forward() {  # cpu, algo, driver args without ALGO N
  local cpu=$1 algo=$2; shift 2
  local one three
  one=$(count "$cpu" "$@" "$algo" 1)
  three=$(count "$cpu" "$@" "$algo" 3)
  echo $(( (three - one) / 2 ))
}

if [ ${#suites[@]} -gt 0 ]; then
  echo "EMULATED instruction counts (qemu-aarch64 $(qemu-aarch64 --version | head -n1 | awk '{print $3}'), per forward,"
  echo "1 thread; a proxy for work, not a measurement on a board)"
  printf "%-12s %-38s %14s %14s %8s %8s %7s\n" cpu layer stock/fwd huge2/fwd stock/MAC huge2/MAC ratio
fi
layer() {  # label, MACs, driver args without ALGO N
  local label=$1 macs=$2; shift 2
  for cpu in $cpus; do
    local st h2
    st=$(per_forward "$cpu" darknet "$@")
    # Per model too: the NEON code is the same, but a layer huge2 leaves to
    # the stock method (an RGB output layer) runs the model's OpenBLAS.
    h2=$(per_forward "$cpu" huge2 "$@")
    python3 -c "import sys; c,l,s,h,m=sys.argv[1:]; s,h,m=int(s),int(h),int(m); \
print('%-12s %-38s %14d %14d %8.3f %8.3f %6.2fx' % (c,l,s,h,s/m,h/m,h/s))" "$cpu" "$label" "$st" "$h2" "$macs"
  done
}
deconv() {  # in_c out_c h w k s p
  layer "deconv$5/$6 $1->$2 ${3}x$4" $(( $1 * $2 * $3 * $4 * $5 * $5 )) deconv "$@"
}
dilated() {  # c h w d: "same" 3x3 convolution
  layer "conv3 d$4 $1->$1 ${2}x$3" $(( $1 * $1 * $2 * $3 * 9 )) conv "$1" "$1" "$2" "$3" 3 1 1 "$4"
}
# The suites' layers as huge2-bench has them (src/bench/suites.h), listed by
# the driver itself; seg128 is seg's 128-channel half (the 512-channel layers
# take ~10 min each emulated).
for suite in ${suites[@]+"${suites[@]}"}; do
  name=$suite filter=cat
  [ "$suite" = seg128 ] && name=seg filter="awk \$2==128"
  listing=$(qemu-aarch64 -L "$sysroot" "$driver" --suite "$name") ||
    { echo "arm-counts: unknown suite '$suite' (dcgan, dcgan5, seg, seg128, yolo)" >&2; exit 2; }
  while read -r kind args; do
    set -- $args
    if [ "$kind" = deconv ]; then deconv "$@"; else dilated "$1" "$3" "$4" "$8"; fi
  done < <(echo "$listing" | $filter)
done

# llvm-mca: the NEON inner loops as a model of each core (not a board). LLVM
# 14 (Debian's `llvm`) models neoverse-n1 with the Cortex-A57 tables; LLVM 17+
# (Debian 12: llvm-19) has N1's own, so take the newest llvm-mca there is.
mca=$(ls /usr/bin/llvm-mca-* 2>/dev/null | sort -t- -k3 -n | tail -n1)
mca=${mca:-$(command -v llvm-mca || true)}
[ -n "$mca" ] || { echo "arm-counts: no llvm-mca (apt-get install llvm-19 or llvm)" >&2; exit 1; }
asm=$plugin_dir/tile-neon.s
aarch64-linux-gnu-g++ -std=c++17 -O3 -fno-schedule-insns -S -Ilayers layers/ukernels/arm/tile-neon.cpp -o "$asm"
echo
echo "MODEL ($($mca --version | grep -o 'LLVM version [0-9.]*')): llvm-mca on the FMLA loop (2 input channels per trip)"
printf "%-12s %-22s %6s %6s %12s %10s\n" cpu "tile (vectors x pixels)" insns fmla cycles/iter "FMA share"
for k in "4 1 6 1" "2 1 12 1" "1 1 12 1" "4 1 6 2"; do
  set -- $k
  python3 scripts/arm-counts/inner-loop.py "$asm" $k > "$log" ||
    { echo "arm-counts: tile $k: no loop, or it touches the stack (a spill)" >&2; exit 1; }
  for cpu in $cpus; do
    # FMA pipes of 128 bits: two on N1 (and A78), one on A57.
    pipes=2; [ "$cpu" = cortex-a57 ] && pipes=1
    out=$("$mca" -mtriple=aarch64 -mcpu="$cpu" -iterations=300 "$log")
    python3 -c "import re,sys; o,cpu,k,pipes,n,f=sys.argv[1:]; it=int(re.search(r'Iterations:\s+(\d+)',o).group(1)); \
cy=int(re.search(r'Total Cycles:\s+(\d+)',o).group(1))/it; nb,r,c,xs=k.split(); \
print('%-12s %-22s %6s %6s %12.2f %9.1f%%' % (cpu, '%s x %s, input step %s' % (nb, int(r)*int(c), xs), n, f, cy, 100*int(f)/(cy*int(pipes))))" \
      "$out" "$cpu" "$k" "$pipes" "$(wc -l < "$log")" "$(grep -c fmla "$log")"
  done
done
