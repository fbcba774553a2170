"""Run every bench/bench_*.py in turn with this interpreter and print their output; `--quick` is passed through."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benches(only: list[str] | None = None) -> list[Path]:
    """The benchmark scripts, by name; `only` keeps those whose name contains one of the given words."""
    found = sorted(HERE.glob("bench_*.py"))
    return [p for p in found if not only or any(word in p.stem for word in only)]


def accepts_quick(path: Path) -> bool:
    """Whether a bench offers --quick (its --help says so)."""
    result = subprocess.run([sys.executable, str(path), "--help"], capture_output=True, text=True, check=False)
    return result.returncode == 0 and "--quick" in result.stdout


def run(path: Path, quick: bool) -> int:
    """Run one bench, its output going straight to ours; returns its exit code (1 = a target was missed)."""
    command = [sys.executable, str(path)]
    if quick:
        if accepts_quick(path):
            command.append("--quick")
        else:
            print(f"({path.name} has no --quick; running it in full)", flush=True)
    print(f"\n## {path.name}{' --quick' if '--quick' in command else ''}\n", flush=True)
    started = time.perf_counter()
    code = subprocess.run(command, cwd=HERE.parent, check=False).returncode
    print(f"\n({path.name}: exit {code}, {time.perf_counter() - started:.0f} s)", flush=True)
    return code


def main() -> int:
    """Run the benches and sum up their exit codes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller, faster runs (for benches that offer it)")
    parser.add_argument("only", nargs="*", help="run only benches whose name contains one of these words")
    args = parser.parse_args()
    selected = benches(args.only)
    if not selected:
        print(f"no bench matches {args.only}", file=sys.stderr)
        return 2
    codes = {path.name: run(path, args.quick) for path in selected}
    print("\n| bench | result |\n|---|---|")
    for name, code in codes.items():
        result = {0: "targets met", 1: "targets missed"}.get(code, f"failed (exit {code})")
        print(f"| {name} | {result} |")
    return max(codes.values())


if __name__ == "__main__":
    sys.exit(main())
