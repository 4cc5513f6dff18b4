#!/usr/bin/env bash
# Training speed inside Darknet's own CLI: `darknet rnn train` (one forward +
# backward + update per iteration, no image data set needed) of a decoder to
# 128x128 and back (tests/data/plugin/train-decoder128.cfg), its huge2 cfg
# ([net] huge2=1: the plugin runs every deconvolutional and convolutional
# layer) against the same cfg without huge2 keys (stock Darknet's layers), in
# the same darknet binary, at 1 thread (OMP_NUM_THREADS=1; Debian's Darknet
# is single-threaded anyway) and then 2 for huge2.
#
# Per iteration: the median of the per-iteration seconds Darknet prints
# (process CPU time: wall time at 1 thread), the first iteration left out;
# for 2 threads, wall time of ITERATIONS minus wall time of 2, per iteration.
# Also the average loss at the last iteration, stock and huge2 (equal within 1e-3).
#
# Usage: scripts/train-speed.sh [BUILD_DIR] [ITERATIONS]   (default build/, 12)
# Needs build/darknet/darknet (make darknet) and build/src/huge2.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
iterations=${2:-12}
darknet=$build/darknet/darknet
huge2=$build/src/huge2
[ -x "$darknet" ] || { echo "train-speed: $darknet not built (make darknet)" >&2; exit 1; }
[ -x "$huge2" ] || { echo "train-speed: $huge2 not built (make)" >&2; exit 1; }
[[ "$iterations" =~ ^[0-9]+$ ]] && [ "$iterations" -ge 3 ] || { echo "train-speed: ITERATIONS must be a whole number >= 3" >&2; exit 1; }
work=$build/train-speed
rm -rf "$work"
mkdir -p "$work"
cd "$work"
base=$OLDPWD/tests/data/plugin/train-decoder128.cfg
sed "s/^max_batches=.*/max_batches=$iterations/" "$base" > huge2.cfg
grep -v '^huge2' huge2.cfg > stock.cfg
sed "s/^max_batches=.*/max_batches=2/" huge2.cfg > huge2-2.cfg
head -c 4000 /dev/zero | tr '\0' 'a' > one-char.txt  # every batch the same: losses comparable
"$huge2" init-weights huge2.cfg start.weights --seed 1 > init.log 2>&1 || { cat init.log >&2; exit 1; }

# train CFG THREADS LOG: wall seconds on stdout.
train() {
  local t0 t1
  t0=$(date +%s.%N)
  OMP_NUM_THREADS=$2 "$darknet" rnn train "$1" start.weights -file one-char.txt > "$3" 2>&1 || {
    echo "train-speed: darknet rnn train $1 failed (see $work/$3):" >&2
    tail -5 "$3" >&2
    exit 1
  }
  t1=$(date +%s.%N)
  python3 -c "print($t1 - $t0)"
}
# Median per-iteration seconds (iterations after the first) and the running
# average loss at the last iteration (with one repeated character the loss
# itself reaches 0 within a few iterations; the average keeps the history).
summary() {
  python3 - "$1" <<'PY'
import re, statistics, sys
rows = [m for m in (re.match(r'\s*(\d+): [-\d.eE+naif]+, ([-\d.eE+naif]+) avg, [-\d.eE+]+ rate, ([\d.]+) seconds', l)
                    for l in open(sys.argv[1])) if m]
if len(rows) < 2:
    sys.exit("train-speed: fewer than 2 iterations in " + sys.argv[1])
print(statistics.median(float(r.group(3)) for r in rows[1:]), rows[-1].group(2))
PY
}

echo "darknet rnn train, $iterations iterations, batch 1: $(basename "$base")"
echo "started $(date +%T)"
wall_stock=$(train stock.cfg 1 stock.log); read -r s_stock loss_stock < <(summary stock.log)
echo "  stock 1 thread done $(date +%T)"
wall_h1=$(train huge2.cfg 1 huge2-1.log); read -r s_h1 loss_h1 < <(summary huge2-1.log)
wall_h2=$(train huge2.cfg 2 huge2-2t.log)
wall_h2short=$(train huge2-2.cfg 2 huge2-2t-short.log)
s_h2=$(python3 -c "print(($wall_h2 - $wall_h2short) / ($iterations - 2))")
python3 - "$s_stock" "$s_h1" "$s_h2" "$loss_stock" "$loss_h1" "$wall_stock" "$wall_h1" <<'PY'
import sys
s_stock, s_h1, s_h2 = (float(v) for v in sys.argv[1:4])
l_stock, l_h1 = sys.argv[4], sys.argv[5]
w_stock, w_h1 = (float(v) for v in sys.argv[6:8])
print(f"{'':24}{'s/iteration':>12}{'vs stock':>10}{'last avg loss':>14}{'wall (all)':>12}")
print(f"{'stock cfg, 1 thread':24}{s_stock:12.4f}{1.0:10.2f}{l_stock:>14}{w_stock:11.2f}s")
print(f"{'huge2=1, 1 thread':24}{s_h1:12.4f}{s_stock / s_h1:10.2f}{l_h1:>14}{w_h1:11.2f}s")
print(f"{'huge2=1, 2 threads':24}{s_h2:12.4f}{s_stock / s_h2:10.2f}{'':>14}{'':>12}")
rel = abs(float(l_h1) - float(l_stock)) / max(abs(float(l_stock)), 1e-12)
print(f"last average loss: huge2 vs stock relative difference {rel:.2e} ({'within' if rel <= 1e-3 else 'NOT within'} 1e-3)")
PY
echo "logs in $work"
