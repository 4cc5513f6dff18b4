#!/usr/bin/env bash
# Jetson-class ARM CPUs without the board: cross-builds huge2 for aarch64 with
# Debian's cross compiler against an arm64 Debian tree, and runs the whole CPU
# test suite through CTest under qemu-aarch64 (user-mode emulation).
# Installs what is missing first (idempotent; needs root or sudo). Ends with
# CTest's summary; the exit status is non-zero when anything fails.
# Usage: scripts/cross-aarch64.sh [--no-install] [ctest options]
#   e.g. -E 'every bundled cfg' leaves out the slowest test (~7 of the ~8
#   minutes of emulated tests on 2 idle cores; ~25 s natively)
#   HUGE2_AARCH64_BUILD    build directory (default build-aarch64)
#   HUGE2_AARCH64_SYSROOT  arm64 tree (default /var/cache/huge2/aarch64-sysroot:
#                          ~1.2 GB, outside the clone so that fresh CI clones
#                          on this machine reuse it; made when missing, remade
#                          when the package list below changes)
#   HUGE2_AARCH64_TARGETS  build only these targets (default: all)
#   OMP_NUM_THREADS        threads per emulated test process (default 2)
#
# Why a tree and not arm64 multiarch packages on the host: Debian 12's
# OpenCV codecs (libgdal32 behind them) and darknet are not Multi-Arch:
# same, so their arm64 builds cannot sit beside the amd64 ones the native
# build uses. mmdebstrap extracts the arm64 packages (no scripts run) into
# a directory instead; the host's dpkg state is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${HUGE2_AARCH64_BUILD:-build-aarch64}
sysroot=$(realpath -m "${HUGE2_AARCH64_SYSROOT:-/var/cache/huge2/aarch64-sysroot}")
# Not plain nproc: it answers OMP_NUM_THREADS, and scripts/test.sh calls
# this script with OMP_NUM_THREADS=1 (for the tests' own threads), which made
# the cross build and the qemu tests run one at a time.
jobs=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 2)
start=$SECONDS
# This machine exports an x86 core name (Haswell); arm64 OpenBLAS does not know
# it and falls back to its generic kernels. Let it detect the (emulated) core.
unset OPENBLAS_CORETYPE

# arm64 packages of the tree: the runtime and what huge2 links (OpenBLAS in
# its OpenMP flavour, OpenCV codecs for the engine), Catch2 for the tests,
# and the stock Darknet library for the comparisons.
tree_packages=(libc6-dev libstdc++-12-dev libgomp1 libopenblas-dev libopenblas-openmp-dev
               libopencv-dev catch2 darknet)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

install=1
if [ "${1:-}" = "--no-install" ]; then install=0; shift; fi

if [ $install = 1 ]; then
  # qemu-user-binfmt is not needed: CMake calls qemu-aarch64 explicitly.
  host=(cmake make pkg-config g++-aarch64-linux-gnu qemu-user mmdebstrap)
  missing=()
  for p in "${host[@]}"; do installed "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "cross-aarch64: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi

  stamp="$sysroot/.huge2-packages"
  want="${tree_packages[*]}; blas: openblas-openmp"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    # Same release as the host, so the cross g++ matches the tree's libstdc++.
    suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    echo "cross-aarch64: extracting arm64 $suite into $sysroot: $want"
    $sudo rm -rf "$sysroot"
    $sudo mkdir -p "$(dirname "$sysroot")"
    list=$(IFS=,; echo "${tree_packages[*]}")
    $sudo mmdebstrap --quiet --mode=root --variant=extract --arch=arm64 --include="$list" \
      "$suite" "$sysroot"
    # Extracting runs no maintainer scripts, so the update-alternatives links
    # for BLAS/LAPACK (libblas.so.3, liblapack.so.3, libopenblas.so.0 that
    # OpenCV and darknet load) are missing: point them at the OpenMP flavour,
    # the one huge2 links, so a process holds a single OpenBLAS.
    arch_lib="$sysroot/usr/lib/aarch64-linux-gnu"
    for f in libblas.so.3 liblapack.so.3 libopenblas.so.0 libblas.so liblapack.so libopenblas.so \
             pkgconfig/blas.pc pkgconfig/lapack.pc pkgconfig/openblas.pc; do
      if [ -e "$arch_lib/openblas-openmp/$f" ] && [ ! -e "$arch_lib/$f" ]; then
        up=""; case $f in */*) up="../";; esac
        $sudo ln -s "${up}openblas-openmp/$f" "$arch_lib/$f"
      fi
    done
    echo "$want" | $sudo tee "$stamp" >/dev/null
  fi
fi
[ -d "$sysroot/usr/lib/aarch64-linux-gnu" ] ||
  { echo "cross-aarch64: no arm64 tree at $sysroot (run without --no-install)" >&2; exit 1; }

echo "== huge2: configuring $build (aarch64-linux-gnu, tree $sysroot)"
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/aarch64-linux-gnu.cmake" \
  -DHUGE2_AARCH64_SYSROOT="$sysroot" \
  -DHUGE2_BENCH=ON -DHUGE2_ONEDNN=OFF -DHUGE2_CUDA=OFF >/dev/null
echo "== huge2: building $build"
targets=()
for t in ${HUGE2_AARCH64_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j"$jobs" "${targets[@]}"
# Catch's test discovery counts a binary that cannot even start (exit 127
# from the loader) as one without tests; catch that here, and drop the binary
# so that the next build lists its tests again. The probe is one test binary
# this build has: the operator tests, else the first other one; none when
# HUGE2_AARCH64_TARGETS names no test (huge2-traffic alone, for
# scripts/arm-counts.sh: a loader error then shows when that runs).
probe="$build/tests/layers/huge2_operator_tests"
if [ ! -x "$probe" ]; then
  probe=$(find "$build/tests" -type f -name 'huge2_*tests' -perm -u+x 2>/dev/null | sort | head -n1)
fi
if [ -n "$probe" ] && ! qemu-aarch64 -L "$sysroot" "$probe" --help >/dev/null; then
  rm -f "$probe"
  echo "cross-aarch64: the aarch64 test binary $probe does not run under qemu-aarch64 -L $sysroot" >&2
  exit 1
fi
echo "== huge2: ready in $((SECONDS - start)) s; $(aarch64-linux-gnu-g++ --version | head -n1); $(qemu-aarch64 --version | head -n1)"

# Emulated threads are slow: keep OpenMP (which also drives the OpenMP
# OpenBLAS) to the cores there are.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
echo "== huge2: testing $build under qemu-aarch64 (OMP_NUM_THREADS=$OMP_NUM_THREADS)"
cd "$build"
exec ctest --output-on-failure -j"$jobs" "$@"
