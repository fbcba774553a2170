"""Photo ingest benchmark: fieldaudit's pipeline against a naive full-decode pipeline, in time and peak RSS."""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as `python bench/bench_photos.py` from a checkout, installed or not

from PIL import ExifTags, Image, ImageDraw, ImageOps  # noqa: E402

from camera import camera_base

from fieldaudit.evidence.pipeline import ingest  # noqa: E402

TARGET_RATIO = 0.5  # 12 MP ingest median must be at most half the naive median
TARGET_RSS_MB = 150  # peak RSS added by one 12 MP ingest

# Measured in a child process that only imports, reads the file and (maybe) processes it: Pillow allocates
# outside Python's allocator, so tracemalloc would not see it, and the parent's own history would blur the peak.
# On Linux the peak is VmHWM: ru_maxrss survives fork + exec, so a child spawned by this (large) parent would
# report the parent's peak; VmHWM belongs to the child's own fresh address space.
CHILD = """
import resource, sys
sys.path[:0] = [sys.argv[3], sys.argv[4]]
import bench_photos
from fieldaudit.evidence.pipeline import ingest
with open(sys.argv[2], "rb") as handle:
    data = handle.read()
{"ingest": ingest, "naive": bench_photos.naive}.get(sys.argv[1], lambda data: None)(data)
try:
    with open("/proc/self/status") as status:
        print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(peak / 1024 if sys.platform == "darwin" else peak)
"""


def camera_jpeg(width: int, height: int) -> bytes:
    """A camera-like JPEG: gradients, mid-frequency texture and sensor noise, quality 92, EXIF orientation 6 + GPS."""
    im = camera_base(width, height)
    draw = ImageDraw.Draw(im)
    for k in range(60):  # hard edges, like fixtures and labels in a shop-floor photo
        x, y = (k * 397) % width, (k * 263) % height
        draw.rectangle((x, y, x + width // 10, y + height // 12), outline=(k * 6 % 256, 80, 200), width=8)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make], exif[ExifTags.Base.Model] = "Bench", "Camera 12"
    exif.get_ifd(ExifTags.IFD.Exif)[0x9003] = "2025:03:14 09:26:53"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 3.25)})
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def naive(data: bytes) -> tuple[bytes, bytes]:
    """The obvious pipeline: full decode, exif_transpose, resize to 2000 long side, save, thumbnail."""
    im = Image.open(io.BytesIO(data))
    im.load()
    im = ImageOps.exif_transpose(im)
    scale = 2000 / max(im.size)
    im = im.resize((round(im.width * scale), round(im.height * scale)), Image.Resampling.LANCZOS)
    image = io.BytesIO()
    im.save(image, "JPEG", quality=85)
    scale = 320 / max(im.size)
    thumb_im = im.resize((round(im.width * scale), round(im.height * scale)), Image.Resampling.LANCZOS)
    thumb = io.BytesIO()
    thumb_im.save(thumb, "JPEG", quality=80)
    return image.getvalue(), thumb.getvalue()


def median_seconds(fn, data: bytes, runs: int) -> float:
    """Median wall time of `runs` calls after one warm-up call."""
    fn(data)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn(data)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_rss_mb(path: Path, mode: str, repeats: int = 3) -> float | None:
    """Median peak RSS (MB) of a fresh child that imports, reads `path` and runs `mode` once."""
    try:
        import resource  # noqa: F401 — not on Windows
    except ImportError:
        return None
    peaks = []
    for _ in range(repeats):
        result = subprocess.run([sys.executable, "-c", CHILD, mode, str(path), str(ROOT), str(ROOT / "bench")],
                                capture_output=True, text=True, check=True)
        peaks.append(float(result.stdout.strip()) / 1024)
    return statistics.median(peaks)


def measure(label: str, data: bytes, runs: int, folder: Path) -> dict:
    """Time and memory figures for one input."""
    path = folder / f"{label}.jpg"
    path.write_bytes(data)
    fast, slow = median_seconds(ingest, data, runs), median_seconds(naive, data, runs)
    base, ours, theirs = (peak_rss_mb(path, mode) for mode in ("baseline", "ingest", "naive"))
    rss = None if base is None else {"baseline": base, "ingest": ours - base, "naive": theirs - base}
    return {"label": label, "bytes": len(data), "ingest_s": fast, "naive_s": slow, "ratio": fast / slow, "rss": rss}


def run(runs: int = 9) -> list[dict]:
    """Run the benchmark on a 12 MP and a 48 MP photo."""
    with tempfile.TemporaryDirectory() as tmp:
        return [measure("12MP 4000x3000", camera_jpeg(4000, 3000), runs, Path(tmp)),
                measure("48MP 8000x6000", camera_jpeg(8000, 6000), max(3, runs // 2), Path(tmp))]


def main() -> int:
    """Print the figures as a Markdown table and check the 12 MP targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9, help="timed runs per pipeline (48 MP uses half)")
    args = parser.parse_args()
    results = run(args.runs)
    print(f"Python {sys.version.split()[0]}, Pillow {Image.__version__}, {os.cpu_count()} CPUs\n")
    print("| input | file | ingest median | naive median | ratio | ingest peak RSS Δ | naive peak RSS Δ |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        rss = r["rss"] or {}
        mem = [f"{rss[k]:.0f} MB" if k in rss else "n/a" for k in ("ingest", "naive")]
        print(f"| {r['label']} | {r['bytes'] / 2**20:.1f} MB | {r['ingest_s'] * 1000:.0f} ms | "
              f"{r['naive_s'] * 1000:.0f} ms | {r['ratio']:.2f}× | {mem[0]} | {mem[1]} |")
    if results[0]["rss"]:
        print(f"\nbaseline child (imports + file read): {results[0]['rss']['baseline']:.0f} MB peak RSS")
    first = results[0]
    ok = first["ratio"] <= TARGET_RATIO and (first["rss"] is None or first["rss"]["ingest"] <= TARGET_RSS_MB)
    print(f"12 MP targets (ratio ≤ {TARGET_RATIO}, peak RSS Δ ≤ {TARGET_RSS_MB} MB): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
