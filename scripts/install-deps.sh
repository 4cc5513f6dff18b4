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
  dpkg-dev                   # dpkg-source: `apt-get source darknet` for scripts/build-darknet.sh
)

# scripts/build-darknet.sh builds Darknet's own CLI from Debian's darknet
# source package (apt-get source), which needs a deb-src entry: add one that
# mirrors the configured deb entries when there is none.
add_deb_src() {
  if grep -qsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/*; then
    return 1
  fi
  local src=/etc/apt/sources.list.d/huge2-deb-src
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $sudo tee "$src.sources" >/dev/null
  elif grep -qs '^deb ' /etc/apt/sources.list; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list | $sudo tee "$src.list" >/dev/null
  else
    echo "install-deps: no deb entry to mirror as deb-src; scripts/build-darknet.sh will skip" >&2
    return 1
  fi
  echo "install-deps: added a deb-src entry ($src.*) for apt-get source darknet"
}

sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo="sudo"; fi
if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
  if add_deb_src; then $sudo apt-get update -qq || true; fi
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ] && [ -z "$sudo" ]; then
  echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
