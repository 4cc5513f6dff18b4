#!/usr/bin/env bash
# Darknet's own command line with huge2's layers inside: builds Darknet's
# example programs (examples/*.c of Debian's `darknet` source package, the
# same version as the installed libdarknet.so) into BUILD/darknet/darknet,
# dynamically linked against the packaged /usr/lib/darknet/libdarknet.so with
# huge2's plugin (BUILD/src/plugin/libhuge2_darknet.so) linked in ahead of it.
# Debian's /usr/bin/darknet is linked statically and cannot take the plugin;
# this one runs `darknet speed`, `darknet detector test`, `darknet lsd gan`,
# ... with cfgs that say huge2=1 (and dilation=) on huge2's operators, and
# without a display (the plugin saves what Darknet would show). Darknet's
# files are compiled as they come; nothing in them is edited.
#
# Usage: scripts/build-darknet.sh [--gpu] [BUILD_DIR]   (default: build; also `make darknet`)
# The source package is fetched once (apt-get source: needs a deb-src entry
# and dpkg-dev, see scripts/install-deps.sh) and cached in BUILD/darknet/source.
# Exits 77 ("skipped") with a message when it cannot be fetched.
#
# --gpu: the same source as a GPU=1 CUDNN=1 build (Darknet's library and
# examples, linked into BUILD/darknet-gpu/darknet as Debian links its
# program) against CUDA 12/13 and cuDNN 8/9, e.g. JetPack 6. The 2018 source
# does not compile there as it is; src/darknet_gpu/darknet_cuda_compat.h is
# force-included to put back what those releases removed, and the
# architectures are chosen here (CUDA_ARCHS, default "75 87": Turing and
# Jetson Orin) instead of Darknet's compute_30 default. huge2's plugin is not
# linked into that program (it is built for the CPU library's structures).
# Exits 77 without nvcc or cudnn.h. It compiles and links anywhere they are;
# running it needs a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
gpu=0
if [ "${1:-}" = "--gpu" ]; then gpu=1; shift; fi
build=${1:-build}
out=$build/darknet
cache=$out/source
plugin=$build/src/plugin/libhuge2_darknet.so
say() { echo "build-darknet: $*"; }
skip() { say "SKIP: $*"; exit 77; }

if [ $gpu = 1 ]; then
  cuda=${CUDA_HOME:-/usr/local/cuda}
  nvcc=$(command -v nvcc || echo "$cuda/bin/nvcc")
  [ -x "$nvcc" ] || skip "--gpu: no nvcc (CUDA toolkit) found (set CUDA_HOME)"
  cudnn_inc=${CUDNN_ROOT:+$CUDNN_ROOT/include}
  [ -f "${cudnn_inc:-$cuda/include}/cudnn.h" ] || [ -f /usr/include/cudnn.h ] || skip "--gpu: no cudnn.h (set CUDNN_ROOT)"
else
  [ -f /usr/lib/darknet/libdarknet.so ] || skip "the packaged libdarknet.so is not installed (apt-get install darknet)"
  if [ ! -f "$plugin" ]; then
    # A fresh clone has no build folder yet: configure one (Release, as `make`).
    if [ ! -f "$build/CMakeCache.txt" ]; then
      say "configuring $build (cmake)"
      cmake -S . -B "$build" >/dev/null
    fi
    say "building the plugin ($plugin)"
    cmake --build "$build" --target huge2_darknet -j"$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 2)" >/dev/null
  fi
fi

# 1. Darknet's source, the version of the installed library.
version=$(dpkg-query -W -f='${Version}' darknet 2>/dev/null) || skip "dpkg-query cannot see the darknet package"
srcdir=$(ls -d "$cache"/darknet-*/ 2>/dev/null | head -n 1 || true)
if [ -z "$srcdir" ] || [ ! -f "$cache/.version-$version" ]; then
  command -v dpkg-source >/dev/null || skip "dpkg-source missing: apt-get install dpkg-dev (scripts/install-deps.sh)"
  rm -rf "$cache" && mkdir -p "$cache"
  say "fetching Debian's darknet $version source package (apt-get source)"
  if ! (cd "$cache" && apt-get source -qq "darknet=$version" >"$PWD/apt-source.log" 2>&1 </dev/null); then
    tail -n 3 "$cache/apt-source.log" >&2 || true
    skip "apt-get source darknet=$version failed (no deb-src entry or no network; scripts/install-deps.sh adds the entry)"
  fi
  touch "$cache/.version-$version"
  srcdir=$(ls -d "$cache"/darknet-*/ | head -n 1)
fi
srcdir=${srcdir%/}

# Compiles in the background, at most nproc at a time.
pids=()
spawn() {
  "$@" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 2)" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
}
drain() { for p in "${pids[@]}"; do wait "$p"; done; pids=(); }

if [ $gpu = 1 ]; then
  out=$build/darknet-gpu
  archs=${CUDA_ARCHS:-75 87}
  obj=$out/obj-sm${archs// /-}  # one object folder per architecture list
  mkdir -p "$obj"
  compat=$PWD/src/darknet_gpu/darknet_cuda_compat.h
  incs=(-I"$srcdir/include" -I"$srcdir/src" -I"$cuda/include" ${cudnn_inc:+-I"$cudnn_inc"})
  defs=(-DGPU -DCUDNN -DOPENCV -include "$compat")
  arch=()
  for a in $archs; do arch+=(-gencode "arch=compute_$a,code=sm_$a"); done
  lib_objs="$(sed -n 's/^OBJ=//p' "$srcdir/Makefile") $(sed -n 's/^OBJ+=//p' "$srcdir/Makefile")"
  exe_objs=$(sed -n 's/^EXECOBJA=//p' "$srcdir/Makefile")
  opencv_cflags=$(pkg-config --cflags opencv4 2>/dev/null || true)
  all=()
  for o in $lib_objs $exe_objs; do
    base=${o%.o}
    src_file=$srcdir/examples/$base.c
    for f in "$srcdir/src/$base.cu" "$srcdir/src/$base.cpp" "$srcdir/src/$base.c"; do
      if [ -f "$f" ]; then src_file=$f; break; fi
    done
    all+=("$obj/$o")
    # Up to date: newer than its source and the compatibility header.
    if [ -f "$obj/$o" ] && [ "$obj/$o" -nt "$src_file" ] && [ "$obj/$o" -nt "$compat" ]; then continue; fi
    case "$src_file" in
      *.cu) spawn "$nvcc" "${arch[@]}" "${defs[@]}" "${incs[@]}" --compiler-options "-fPIC -w -O2" -c "$src_file" -o "$obj/$o" ;;
      *.cpp) spawn g++ -std=c++11 "${defs[@]}" "${incs[@]}" $opencv_cflags -fPIC -w -O2 -c "$src_file" -o "$obj/$o" ;;
      *) spawn gcc "${defs[@]}" "${incs[@]}" -fPIC -w -O2 -c "$src_file" -o "$obj/$o" ;;
    esac
  done
  drain
  cudalib=$cuda/lib64; [ -d "$cudalib" ] || cudalib=$cuda/lib
  g++ "${all[@]}" -o "$out/darknet" -L"$cudalib" ${CUDNN_ROOT:+-L"$CUDNN_ROOT/lib"} \
    -lcudnn -lcublas -lcurand -lcudart $(pkg-config --libs opencv4 2>/dev/null || true) -lm -pthread \
    -Wl,-rpath,"$cudalib"
  say "built $out/darknet (GPU=1 CUDNN=1, sm $archs, $("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/CUDA \1/p'))"
  exit 0
fi

# 2. Darknet's example programs, the list its Makefile links (EXECOBJA), with
# OPENCV defined as in Debian's build (the library is an OpenCV build).
objs=$(sed -n 's/^EXECOBJA=//p' "$srcdir/Makefile")
[ -n "$objs" ] || skip "no EXECOBJA list in $srcdir/Makefile"
mkdir -p "$out/obj"
cflags=(-DOPENCV -I"$srcdir/include" -O2 -fPIC -w)
for o in $objs; do
  c="$srcdir/examples/${o%.o}.c"
  if [ ! -f "$out/obj/$o" ] || [ "$c" -nt "$out/obj/$o" ]; then spawn gcc "${cflags[@]}" -c "$c" -o "$out/obj/$o"; fi
done
drain

# 3. Link: the plugin before libdarknet.so in the dynamic section, so its
# definitions of the interposed functions come first; --no-as-needed keeps
# it although no object file references it.
objpaths=()
for o in $objs; do objpaths+=("$out/obj/$o"); done
plugin_dir=$(cd "$(dirname "$plugin")" && pwd)
gcc "${objpaths[@]}" -o "$out/darknet" \
  -Wl,--no-as-needed "$plugin" -Wl,--as-needed \
  -L/usr/lib/darknet -ldarknet -lm -pthread \
  -Wl,-rpath,"$plugin_dir":/usr/lib/darknet
needed=$(readelf -d "$out/darknet" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
case "$needed" in
  *libhuge2_darknet.so*libdarknet.so*) ;;
  *) say "ERROR: $out/darknet does not load the plugin before libdarknet.so (NEEDED: $needed)"; exit 1 ;;
esac
say "built $out/darknet from $(basename "$srcdir") (NEEDED: $needed)"
