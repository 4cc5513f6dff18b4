#!/usr/bin/env python3
"""Writes the malformed inputs of the robustness tests (tests/CMakeLists.txt,
robust.*). Standard library only; run from this directory. The files are
committed; this script says how each was made."""
import struct


def npy(name, shape_text, data, descr="'<f4'"):
    header = "{'descr': %s, 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    total = 10 + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    with open(name, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data)


floats = lambda n, v=0.25: struct.pack("<%df" % n, *([v] * n))

npy("x.npy", "(1, 4, 8, 8)", floats(256))                     # valid: tiny.cfg's input
npy("zero-dim.npy", "(0, 4, 8, 8)", b"")                       # empty batch
npy("negative-dim.npy", "(-1, 4, 8, 8)", floats(256))          # numpy never writes this
npy("structured.npy", "(1,)", floats(2), descr="[('a', '<f4'), ('b', '<f4')]")
npy("trailing.npy", "(1, 4, 8, 8)", floats(256) + b"1234")      # 4 bytes after the data
npy("huge-dim.npy", "(1, 4, 2147483648, 8)", floats(256))      # claims 256 GiB
npy("nan.npy", "(1, 4, 8, 8)", floats(255) + struct.pack("<f", float("nan")))

# tiny.cfg's weights (2 biases + 4*2*4*4 weights) in Darknet's 0.2.0 format,
# and the same floats behind a 0.1.0 header (4-byte 'seen'): 4 bytes too many.
params = floats(2 + 4 * 2 * 4 * 4, 0.01)
with open("tiny.weights", "wb") as f:
    f.write(struct.pack("<iiiQ", 0, 2, 0, 0) + params)
with open("wrong-version.weights", "wb") as f:
    f.write(struct.pack("<iiiI", 0, 1, 0, 0) + struct.pack("<I", 0) + params)
with open("nan.weights", "wb") as f:
    f.write(struct.pack("<iiiQ", 0, 2, 0, 0) + struct.pack("<f", float("inf")) + params[4:])

# A PNG header claiming 100000 x 100000 pixels (the rest is cut).
with open("huge.png", "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 100000, 100000) +
            b"\x08\x02\x00\x00\x00" + b"\x00" * 4)

# The plugin's checks: an empty file and tiny.weights with 8 bytes too many.
open("empty.weights", "wb").close()
with open("tiny-long.weights", "wb") as f:
    f.write(struct.pack("<iiiQ", 0, 2, 0, 0) + params + b"\0" * 8)

# Issue 21: a valid 1920 x 12 grey PNG. Letterboxed into 416 x 416 it scales
# to 0 rows; Darknet's detector test takes it (the network sees plain grey).
import zlib


def png(name, w, h):
    raw = b"".join(b"\x00" + bytes([128] * (w * 3)) for _ in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    with open(name, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


png("wide-1920x12.png", 1920, 12)

# Issue 21: 4096 x 4096 pixels in a few KB, 432 MiB decoded: refused under
# --max-memory 100M by its header, before decoding.
png("big-4096.png", 4096, 4096)
