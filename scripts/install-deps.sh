#!/usr/bin/env bash
# Installs the Debian packages huge2 needs, skipping those already present.
# Idempotent; needs root (or sudo). Usage: scripts/install-deps.sh
set -euo pipefail

packages=(
  cmake make g++ pkg-config  # build
  libopenblas-dev            # the SGEMM every algorithm shares
  libopenblas-openmp-dev     # ... in its OpenMP flavour: one thread pool with huge2's loops
  catch2                     # tests (v2)
  darknet                    # stock Darknet: reference and baseline (/usr/lib/darknet)
  libdnnl-dev                # oneDNN: benchmark peer only
  libxnnpack-dev             # XNNPACK: benchmark peer only ...
  libpthreadpool-dev         # ... whose header needs this one (the package does not pull it in)
  valgrind                   # scripts/memory-traffic.sh (cachegrind)
  libopencv-dev              # images for run/generate/segment (OpenCV codecs)
  python3                    # the plugin's Python ctypes example and its test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
