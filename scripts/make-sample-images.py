#!/usr/bin/env python3
"""Draws the sample street scenes in data/ (sky, buildings, road, a car,
people-like blobs, a tree, sensor-like noise) and writes them as PNG.

Standard library only (zlib for the PNG stream), seeded, so the files are the
same on every run. Every shape is drawn here from plain geometry: the images
are original, no photograph or third-party artwork is involved.

Usage: python3 scripts/make-sample-images.py [OUT_DIR]   (default: data/)
"""
import os
import random
import struct
import sys
import zlib


class Canvas:
    def __init__(self, w, h, colour=(0, 0, 0)):
        self.w, self.h = w, h
        self.px = [bytearray(bytes(colour) * w) for _ in range(h)]

    def hline(self, y, x0, x1, colour):
        """Pixels x0 <= x < x1 of row y, clipped."""
        if y < 0 or y >= self.h:
            return
        x0, x1 = max(0, int(x0)), min(self.w, int(x1))
        if x1 > x0:
            self.px[y][3 * x0:3 * x1] = bytes(colour) * (x1 - x0)

    def rect(self, x0, y0, x1, y1, colour):
        for y in range(max(0, int(y0)), min(self.h, int(y1))):
            self.hline(y, x0, x1, colour)

    def polygon(self, pts, colour):
        """Even-odd scanline fill, sampling each row at its centre."""
        ys = [p[1] for p in pts]
        for y in range(max(0, int(min(ys))), min(self.h, int(max(ys)) + 1)):
            yc = y + 0.5
            xs = []
            for (ax, ay), (bx, by) in zip(pts, pts[1:] + pts[:1]):
                if (ay <= yc < by) or (by <= yc < ay):
                    xs.append(ax + (yc - ay) * (bx - ax) / (by - ay))
            xs.sort()
            for i in range(0, len(xs) - 1, 2):
                self.hline(y, round(xs[i]), round(xs[i + 1]), colour)

    def ellipse(self, cx, cy, rx, ry, colour):
        for y in range(max(0, int(cy - ry)), min(self.h, int(cy + ry) + 1)):
            t = (y + 0.5 - cy) / ry
            if abs(t) <= 1:
                half = rx * (1 - t * t) ** 0.5
                self.hline(y, round(cx - half), round(cx + half), colour)

    def vgradient(self, y0, y1, top, bottom):
        for y in range(max(0, y0), min(self.h, y1)):
            f = (y - y0) / max(1, y1 - y0 - 1)
            self.hline(y, 0, self.w, tuple(round(a + (b - a) * f) for a, b in zip(top, bottom)))

    def noise(self, rng, amplitude):
        """Adds the same uniform noise in [-amplitude, amplitude] to the three
        channels of each pixel (grain in brightness, not in colour)."""
        span = 2 * amplitude + 1
        for row in self.px:
            for x in range(self.w):
                d = int(rng.random() * span) - amplitude
                for i in range(3 * x, 3 * x + 3):
                    v = row[i] + d
                    row[i] = 0 if v < 0 else 255 if v > 255 else v

    def png(self):
        def chunk(kind, data):
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

        raw = bytearray()
        for row in self.px:
            # Filter "Sub" (1): each byte minus the same channel of the pixel to its
            # left, mod 256; with grey grain the three channels' differences agree.
            raw.append(1)
            raw.extend(row[:3])
            raw.extend((row[i] - row[i - 3]) & 0xFF for i in range(3, len(row)))
        ihdr = struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)  # 8-bit RGB
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) +
                chunk(b"IEND", b""))


def shade(colour, f):
    return tuple(max(0, min(255, round(c * f))) for c in colour)


def street(w, h, seed, dusk=False):
    rng = random.Random(seed)
    c = Canvas(w, h)
    horizon = int(h * 0.45)
    # Sky: a vertical gradient, a few flat clouds.
    if dusk:
        c.vgradient(0, horizon, (40, 50, 110), (235, 140, 90))
    else:
        c.vgradient(0, horizon, (90, 150, 220), (190, 215, 240))
    for _ in range(rng.randint(2, 4)):
        cx, cy = rng.uniform(0, w), rng.uniform(h * 0.05, horizon * 0.6)
        for k in range(3):
            c.ellipse(cx + k * w * 0.03, cy + rng.uniform(-4, 4), w * 0.05, h * 0.025,
                      (235, 225, 230) if dusk else (245, 248, 252))
    # Buildings along the horizon, with window grids.
    x = -rng.randint(0, 20)
    palette = [(150, 120, 100), (120, 120, 130), (175, 160, 140), (95, 90, 100), (160, 95, 80)]
    while x < w:
        bw = rng.randint(w // 10, w // 5)
        top = rng.randint(int(h * 0.08), int(horizon * 0.8))
        col = rng.choice(palette)
        c.rect(x, top, x + bw - 2, horizon + 4, col)
        win = (250, 220, 120) if dusk else shade(col, 0.55)
        for wy in range(top + 8, horizon - 10, 14):
            for wx in range(x + 6, x + bw - 12, 12):
                if rng.random() < 0.85:
                    c.rect(wx, wy, wx + 6, wy + 8, win if rng.random() < 0.7 else shade(col, 0.4))
        x += bw
    # Ground: pavement on both sides, the road as a trapezoid to a vanishing point.
    c.rect(0, horizon, w, h, (170, 165, 160))
    vx = w * rng.uniform(0.42, 0.58)
    road = [(vx - w * 0.04, horizon), (vx + w * 0.04, horizon), (w * 1.05, h), (-w * 0.05, h)]
    c.polygon(road, (85, 85, 90))
    # Kerbs and dashed centre line.
    c.polygon([(vx - w * 0.04, horizon), (vx - w * 0.035, horizon), (-w * 0.02, h), (-w * 0.05, h)], (210, 210, 205))
    c.polygon([(vx + w * 0.035, horizon), (vx + w * 0.04, horizon), (w * 1.05, h), (w * 1.02, h)], (210, 210, 205))
    steps = 8
    for i in range(steps):
        if i % 2:
            continue
        t0, t1 = (i / steps) ** 1.6, ((i + 1) / steps) ** 1.6
        y0, y1 = horizon + t0 * (h - horizon), horizon + t1 * (h - horizon)
        hw0, hw1 = 1 + t0 * w * 0.012, 1 + t1 * w * 0.012
        c.polygon([(vx - hw0, y0), (vx + hw0, y0), (vx + hw1, y1), (vx - hw1, y1)], (235, 235, 225))
    # A tree on the pavement.
    tx = w * rng.choice([0.1, 0.88])
    ty = horizon + (h - horizon) * 0.35
    c.rect(tx - 4, ty - h * 0.12, tx + 4, ty, (90, 60, 35))
    for _ in range(6):
        c.ellipse(tx + rng.uniform(-18, 18), ty - h * 0.16 + rng.uniform(-12, 12), w * 0.045, h * 0.06,
                  (rng.randint(40, 70), rng.randint(110, 150), rng.randint(30, 55)))
    # A car on the road: body, cabin, windows, wheels.
    cw = w * rng.uniform(0.22, 0.3)
    cx = vx + rng.uniform(-0.15, 0.05) * w
    cy = horizon + (h - horizon) * rng.uniform(0.55, 0.7)
    body = rng.choice([(180, 30, 35), (30, 70, 160), (230, 230, 235), (40, 40, 45)])
    ch = cw * 0.28
    c.polygon([(cx - cw * 0.32, cy - ch), (cx + cw * 0.22, cy - ch), (cx + cw * 0.36, cy - ch * 0.45),
               (cx - cw * 0.42, cy - ch * 0.45)], shade(body, 0.9))
    c.polygon([(cx - cw * 0.28, cy - ch * 0.92), (cx - cw * 0.05, cy - ch * 0.92), (cx - cw * 0.05, cy - ch * 0.5),
               (cx - cw * 0.36, cy - ch * 0.5)], (140, 170, 190))
    c.polygon([(cx, cy - ch * 0.92), (cx + cw * 0.2, cy - ch * 0.92), (cx + cw * 0.31, cy - ch * 0.5),
               (cx, cy - ch * 0.5)], (140, 170, 190))
    c.rect(cx - cw / 2, cy - ch * 0.5, cx + cw / 2, cy + ch * 0.15, body)
    c.rect(cx + cw * 0.44, cy - ch * 0.35, cx + cw / 2, cy - ch * 0.15, (250, 240, 180))  # head light
    for wxf in (-0.3, 0.3):
        c.ellipse(cx + cw * wxf, cy + ch * 0.15, cw * 0.09, cw * 0.09, (25, 25, 28))
        c.ellipse(cx + cw * wxf, cy + ch * 0.15, cw * 0.04, cw * 0.04, (150, 150, 155))
    # People-like blobs on the pavements: legs, body, head; bigger when nearer.
    for _ in range(rng.randint(3, 5)):
        side = rng.choice([-1, 1])
        t = rng.uniform(0.15, 0.9)
        py = horizon + t * (h - horizon)
        half_road = w * 0.04 + t * w * 0.55
        px = vx + side * (half_road + rng.uniform(8, 40) * (0.3 + t))
        s = (0.25 + t) * h * 0.1
        coat = (rng.randint(20, 220), rng.randint(20, 200), rng.randint(20, 220))
        c.rect(px - s * 0.16, py - s * 0.5, px - s * 0.03, py, (40, 40, 60))
        c.rect(px + s * 0.03, py - s * 0.5, px + s * 0.16, py, (40, 40, 60))
        c.ellipse(px, py - s * 0.85, s * 0.22, s * 0.42, coat)
        c.ellipse(px, py - s * 1.38, s * 0.13, s * 0.15, (225, 185, 150))
    c.noise(rng, 3)
    return c


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(os.path.join(here, "..", "data"))
    os.makedirs(out, exist_ok=True)
    scenes = [("street-day.png", 480, 320, 11, False),
              ("street-dusk.png", 400, 300, 23, True),
              ("street-wide.png", 512, 256, 37, False)]
    for name, w, h, seed, dusk in scenes:
        data = street(w, h, seed, dusk).png()
        path = os.path.join(out, name)
        with open(path, "wb") as f:
            f.write(data)
        print(f"{path}: {w} x {h}, {len(data)} bytes")


if __name__ == "__main__":
    main()
