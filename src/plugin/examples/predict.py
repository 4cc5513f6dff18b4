#!/usr/bin/env python3
"""predict.py: an ordinary Python program running a Darknet network through
ctypes and the packaged libdarknet.so. It knows nothing of huge2: run it with

    LD_PRELOAD=libhuge2_darknet.so python3 predict.py CFG WEIGHTS ...

to get huge2's layers, and without to get stock Darknet. Same options and
same input as the C example (predict.c): a deterministic standard-normal
vector (a DCGAN latent, or any input the network takes).
"""
import argparse
import ctypes
import math
import os
import statistics
import struct
import sys
import time

MASK = (1 << 64) - 1


def normal_input(n, seed):
    """The C example's generator: a 64-bit LCG and Box-Muller, in double."""
    s = (seed * 2862933555777941757 + 3037000493) & MASK
    out = []
    while len(out) < n:
        u = []
        for _ in range(2):
            s = (s * 6364136223846793005 + 1442695040888963407) & MASK
            u.append(((s >> 11) + 0.5) / 9007199254740992.0)
        r, t = math.sqrt(-2.0 * math.log(u[0])), 6.283185307179586 * u[1]
        out += [r * math.cos(t), r * math.sin(t)]
    return out[:n]


def load_darknet(path):
    lib = ctypes.CDLL(path)
    lib.load_network.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
    lib.load_network.restype = ctypes.c_void_p
    lib.set_batch_network.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.network_inputs.argtypes = [ctypes.c_void_p]
    lib.network_inputs.restype = ctypes.c_int
    lib.network_outputs.argtypes = [ctypes.c_void_p]
    lib.network_outputs.restype = ctypes.c_int
    lib.network_predict.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float)]
    lib.network_predict.restype = ctypes.POINTER(ctypes.c_float)
    lib.free_network.argtypes = [ctypes.c_void_p]
    return lib


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cfg")
    ap.add_argument("weights")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save", help="write the output as raw float32")
    ap.add_argument("--compare", help="print the largest difference from a --save file")
    ap.add_argument("--darknet", default=os.environ.get("DARKNET_LIB", "/usr/lib/darknet/libdarknet.so"),
                    help="the Darknet library (default: %(default)s)")
    a = ap.parse_args()
    for f in (a.cfg, a.weights):
        if not os.path.isfile(f):
            sys.exit("predict.py: no such file: " + f)

    dn = load_darknet(a.darknet)
    net = dn.load_network(a.cfg.encode(), a.weights.encode(), 0)
    dn.set_batch_network(net, 1)
    n_in, n_out = dn.network_inputs(net), dn.network_outputs(net)
    x = (ctypes.c_float * n_in)(*normal_input(n_in, a.seed))

    dn.network_predict(net, x)  # warm-up
    times = []
    for _ in range(max(1, a.repeats)):
        t0 = time.perf_counter()
        y = dn.network_predict(net, x)
        times.append((time.perf_counter() - t0) * 1e3)
    out = y[:n_out]
    print("%s: %d inputs -> %d outputs, network_predict median %.3f ms (min %.3f) over %d runs"
          % (a.cfg, n_in, n_out, statistics.median(times), min(times), len(times)))

    status = 0
    if a.save:
        with open(a.save, "wb") as f:
            f.write(struct.pack("%df" % n_out, *out))
        print("wrote " + a.save)
    if a.compare:
        with open(a.compare, "rb") as f:
            raw = f.read()
        if len(raw) != 4 * n_out:
            print("predict.py: %s does not hold %d floats" % (a.compare, n_out), file=sys.stderr)
            status = 1
        else:
            ref = struct.unpack("%df" % n_out, raw)
            diffs = [abs(p - q) if not math.isnan(p - q) else math.inf for p, q in zip(out, ref)]
            print("max |difference| vs %s: %.3g (mean %.3g)" % (a.compare, max(diffs), sum(diffs) / n_out))
    dn.free_network(net)
    return status


if __name__ == "__main__":
    sys.exit(main())
