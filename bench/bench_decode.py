"""Hostile photos: a 49 MP RGBA PNG of ~200 KB, alone and in bursts, with the decode bounds and without them.

"Unbounded" is the path before the bounds, measured in the same run: no pixel budget for full decodes and a decode
gate wide enough for every thread. Each case runs in a fresh child process whose peak RSS (VmHWM) is reported.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw  # noqa: E402

TARGET_RATIO = 0.05  # the hostile PNG must cost at most 5 % of the unbounded time
TARGET_BURST_MB = 1500  # peak RSS of 7 concurrent requests of the largest PNG still accepted

CHILD = r"""
import json, sys, threading, time
sys.path[:0] = [sys.argv[2]]
from fieldaudit.evidence import decoding, pipeline
from fieldaudit.refusal import Refusal
case = json.loads(sys.argv[1])
data = open(case["file"], "rb").read()
decoding.configure(case["slots"])
times, refused = [], []
def request():
    for _ in range(case["files"]):
        started = time.perf_counter()
        try:
            pipeline.ingest(data, max_pixels_full=case["budget"])
        except Refusal as exc:
            refused.append(exc.status)
        times.append(time.perf_counter() - started)
started = time.perf_counter()
threads = [threading.Thread(target=request) for _ in range(case["requests"])]
for t in threads: t.start()
for t in threads: t.join()
wall = time.perf_counter() - started
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"wall": wall, "median": sorted(times)[len(times) // 2], "rss_mb": peak / 1024,
                  "refused": len(refused)}))
"""


def hostile_png(width: int, height: int) -> bytes:
    """An RGBA PNG that compresses to almost nothing: a few shapes on a flat, half-transparent field."""
    im = Image.new("RGBA", (width, height), (240, 240, 240, 128))
    draw = ImageDraw.Draw(im)
    for k in range(20):
        draw.ellipse((k * width // 25, k * height // 25, k * width // 25 + 300, k * height // 25 + 300),
                     fill=(k * 12, 30, 200, 255))
    out = io.BytesIO()
    im.save(out, "PNG", optimize=True)
    return out.getvalue()


def run(case: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(case), str(ROOT)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one run of the single-photo case instead of three")
    args = parser.parse_args()
    repeats, per_request = (1, 1) if args.quick else (3, 1)
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, size in (("49 MP", (7000, 7000)), ("24 MP", (6000, 4000))):
            files[name] = Path(tmp) / f"{name.split()[0]}.png"
            files[name].write_bytes(hostile_png(*size))
        unbounded = {"slots": 64, "budget": 10**12}
        bounded = {"slots": 2, "budget": 24_000_000}
        cases = [
            ("one 49 MP PNG", "49 MP", 1, 1, repeats),
            (f"7 requests × {per_request} 49 MP PNG", "49 MP", 7, per_request, 1),
            ("7 requests × 1 24 MP PNG (largest accepted)", "24 MP", 7, 1, 1),
        ]
        print(f"49 MP file: {files['49 MP'].stat().st_size / 1024:.0f} KB, "
              f"24 MP file: {files['24 MP'].stat().st_size / 1024:.0f} KB\n")
        print("| case | path | per photo (median) | wall | peak RSS | refused |")
        print("|---|---|---|---|---|---|")
        results = {}
        for label, name, requests, count, times in cases:
            for path, bounds in (("unbounded", unbounded), ("bounded", bounded)):
                runs = [run({"file": str(files[name]), "requests": requests, "files": count, **bounds})
                        for _ in range(times)]
                med = {k: statistics.median(r[k] for r in runs) for k in ("median", "wall", "rss_mb", "refused")}
                results[label, path] = med
                print(f"| {label} | {path} | {med['median'] * 1000:.0f} ms | {med['wall']:.1f} s "
                      f"| {med['rss_mb']:.0f} MB | {med['refused']:.0f} |", flush=True)
    one = results["one 49 MP PNG", "bounded"]["median"] / results["one 49 MP PNG", "unbounded"]["median"]
    burst = results["7 requests × 1 24 MP PNG (largest accepted)", "bounded"]["rss_mb"]
    burst_old = results["7 requests × 1 24 MP PNG (largest accepted)", "unbounded"]["rss_mb"]
    print(f"\nhostile PNG, bounded / unbounded time: {one:.3f}× (target ≤ {TARGET_RATIO}) "
          f"{'met' if one <= TARGET_RATIO else 'MISSED'}")
    print(f"7 concurrent 24 MP PNGs, peak RSS: {burst:.0f} MB vs {burst_old:.0f} MB unbounded "
          f"({burst / burst_old:.2f}×; target ≤ {TARGET_BURST_MB} MB) {'met' if burst <= TARGET_BURST_MB else 'MISSED'}")
    return 0 if one <= TARGET_RATIO and burst <= TARGET_BURST_MB else 1


if __name__ == "__main__":
    sys.exit(main())
