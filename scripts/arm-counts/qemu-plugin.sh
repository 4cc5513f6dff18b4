# Sourced by arm-counts.sh and arm-cache.sh: build_qemu_plugin builds a TCG
# plugin for the installed qemu-aarch64. Debian ships no plugins, and their
# header (and QEMU's own contrib plugins) are in its qemu source package,
# downloaded once into DIR/src at the installed version.
#
# build_qemu_plugin CALLER DIR OUT SOURCE
#   CALLER  the script's name, for its error messages
#   DIR     where the source package goes (DIR/src)
#   OUT     the plugin (.so) to build
#   SOURCE  a C file of this repository, or a path inside QEMU's source tree
#           (e.g. contrib/plugins/cache.c), taken from the package
build_qemu_plugin() {
  local caller=$1 dir=$2 out=$3 source=$4 p version header_dir
  for p in dpkg-dev libglib2.0-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      { echo "$caller: needs $p (apt-get install $p; deb-src from scripts/install-deps.sh)" >&2; exit 1; }
  done
  mkdir -p "$dir/src"
  if ! ls "$dir"/src/qemu_*.orig.tar.xz >/dev/null 2>&1; then
    version=$(dpkg-query -W -f='${Version}' qemu-user)
    version=${version%+b[0-9]*}  # a binary-only rebuild (+bN) has its source's version
    (cd "$dir/src" && apt-get source --download-only -qq "qemu=$version" >/dev/null)
  fi
  if [ -f "$source" ]; then
    tar -xJf "$dir"/src/qemu_*.orig.tar.xz -C "$dir/src" --wildcards '*/include/qemu/qemu-plugin.h'
  else
    tar -xJf "$dir"/src/qemu_*.orig.tar.xz -C "$dir/src" --wildcards '*/include/qemu/qemu-plugin.h' "*/$source"
    source=$(find "$dir/src" -path "*/$source" | head -n1)
  fi
  header_dir=$(dirname "$(find "$dir/src" -name qemu-plugin.h | head -n1)")
  gcc -O2 -fPIC -shared $(pkg-config --cflags glib-2.0) -I"$header_dir" -o "$out" "$source" \
    $(pkg-config --libs glib-2.0)
}
