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
# Usage: scripts/build-darknet.sh [BUILD_DIR]      (default: build; also `make darknet`)
# The source package is fetched once (apt-get source: needs a deb-src entry
# and dpkg-dev, see scripts/install-deps.sh) and cached in BUILD/darknet/source.
# Exits 77 ("skipped") with a message when it cannot be fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=$build/darknet
cache=$out/source
plugin=$build/src/plugin/libhuge2_darknet.so
say() { echo "build-darknet: $*"; }
skip() { say "SKIP: $*"; exit 77; }

[ -f /usr/lib/darknet/libdarknet.so ] || skip "the packaged libdarknet.so is not installed (apt-get install darknet)"
[ -f "$plugin" ] || { say "building the plugin ($plugin)"; cmake --build "$build" --target huge2_darknet >/dev/null; }

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

# 2. Darknet's example programs, the list its Makefile links (EXECOBJA), with
# OPENCV defined as in Debian's build (the library is an OpenCV build).
objs=$(sed -n 's/^EXECOBJA=//p' "$srcdir/Makefile")
[ -n "$objs" ] || skip "no EXECOBJA list in $srcdir/Makefile"
mkdir -p "$out/obj"
cflags=(-DOPENCV -I"$srcdir/include" -O2 -fPIC -Wno-unused-result -Wno-unknown-pragmas -w)
pids=()
for o in $objs; do
  c="$srcdir/examples/${o%.o}.c"
  if [ ! -f "$out/obj/$o" ] || [ "$c" -nt "$out/obj/$o" ]; then
    gcc "${cflags[@]}" -c "$c" -o "$out/obj/$o" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$(nproc 2>/dev/null || echo 2)" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p"; done

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
