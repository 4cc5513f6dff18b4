#!/usr/bin/env bash
# `bash scripts/build-darknet.sh` as a new user runs it: in a fresh clone with
# no build folder. Exit 77 (skipped) where the source tree is no git clone or
# Debian's darknet source package cannot be fetched (the script's own 77).
# Usage: fresh_clone_build.sh SOURCE_DIR WORK_DIR
set -uo pipefail
src=$1 work=$2
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || { echo "SKIP: $src is not a git clone"; exit 77; }
rm -rf "$work" && mkdir -p "$work" || exit 1
git clone --quiet "$src" "$work/huge2" || { echo "FAIL: git clone $src"; exit 1; }
cd "$work/huge2" || exit 1
bash scripts/build-darknet.sh
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "FAIL: scripts/build-darknet.sh exited $rc in a fresh clone"; exit 1; }
# The program runs and is Darknet's: with no verb it prints its usage.
out=$(build/darknet/darknet 2>&1)
case "$out" in
  *"usage: "*) echo "fresh clone: build/darknet/darknet built and runs" ;;
  *) echo "FAIL: build/darknet/darknet printed: $out"; exit 1 ;;
esac
rm -rf "$work"
