"""Checklist spreadsheets: refusing a 50,000-row sheet against openpyxl opening it, and reading sheets at the limit."""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as `python bench/bench_sheets.py` from a checkout, installed or not

import openpyxl  # noqa: E402

from fieldaudit.checklists import ChecklistError, build_checklist, load_checklist  # noqa: E402
from fieldaudit.checklists.formats import read_any, write_csv, write_xlsx  # noqa: E402
from fieldaudit.checklists.formats.workbook import MAX_QUESTIONS  # noqa: E402

TARGET_REFUSE_S, TARGET_LIMIT_S = 1.0, 5.0  # median: refuse 50,000 rows; read 2,000 questions from .xlsx
HEADER = ["section", "id", "type", "text"]


def sheet_with(count: int) -> bytes:
    """A workbook in our layout with `count` question rows (the sheet XML is written directly: openpyxl takes ~20 s)."""
    book = openpyxl.Workbook()
    book.active.title = "checklist"
    for row in (("id", "big"), ("version", 1), ("title", "Big")):
        book.active.append(row)
    book.create_sheet("questions").append(HEADER)
    small = io.BytesIO()
    book.save(small)
    cells = lambda n, values: "".join(f'<c r="{col}{n}" t="inlineStr"><is><t>{v}</t></is></c>'
                                      for col, v in zip("ABCD", values))
    rows = "".join(f'<row r="{n}">{cells(n, ["S", f"q{n}", "yes_no", f"Question {n}"])}</row>'
                   for n in range(2, count + 2))
    out = io.BytesIO()
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                # No <dimension>: what openpyxl's own write-only mode and several exporters produce.
                text = re.sub(r"<dimension [^>]*/>", "", data.decode())
                data = text.replace("</sheetData>", rows + "</sheetData>").encode()
            target.writestr(item, data)
    return out.getvalue()


def timed(function, runs: int) -> list[float]:
    """Seconds per run."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def refuse(data: bytes) -> None:
    """Read the big sheet, which must be refused."""
    try:
        read_any(data, "big.xlsx")
    except ChecklistError:
        return
    raise AssertionError("the 50,000-row sheet was accepted")


def openpyxl_open(data: bytes) -> None:
    """The baseline: what reading the first 2,050 rows cost before rows were counted in the XML."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    for index, _ in enumerate(book["questions"].iter_rows()):
        if index > MAX_QUESTIONS + 50:
            break
    book.close()


def main() -> int:
    """Run every case, print the table and the targets; exit 1 when one is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one baseline run instead of three")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    big, limit = sheet_with(50_000), sheet_with(MAX_QUESTIONS)
    iso = load_checklist(ROOT / "checklists" / "iso9001-internal.yaml")
    iso_xlsx, iso_csv = write_xlsx(iso), write_csv(iso).encode()
    cases = [
        ("refuse 50,000 rows (.xlsx, 1.0 MB)", timed(lambda: refuse(big), args.runs)),
        ("baseline: openpyxl opens it, reads 2,050 rows", timed(lambda: openpyxl_open(big), 1 if args.quick else 3)),
        (f"read {MAX_QUESTIONS:,} questions (.xlsx)",
         timed(lambda: build_checklist(read_any(limit, "l.xlsx")), args.runs)),
        (f"iso9001-internal ({sum(1 for _ in iso.all_questions())} questions) .xlsx",
         timed(lambda: read_any(iso_xlsx, "i.xlsx"), args.runs)),
        ("iso9001-internal .csv", timed(lambda: read_any(iso_csv, "i.csv"), args.runs)),
        ("iso9001-internal written as .xlsx", timed(lambda: write_xlsx(iso), args.runs)),
    ]
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs\n")
    print("| case | runs | median | min | max |\n|---|---|---|---|---|")
    for name, times in cases:
        print(f"| {name} | {len(times)} | {statistics.median(times):.3f} s | {min(times):.3f} s | {max(times):.3f} s |")
    refused, baseline, at_limit = (statistics.median(cases[i][1]) for i in range(3))
    print(f"\nRefusing / baseline: {refused / baseline:.3f}× ({baseline / refused:.0f} times faster)")
    ok = True
    for what, value, target in (("refuse 50,000 rows", refused, TARGET_REFUSE_S),
                                (f"read {MAX_QUESTIONS:,} questions", at_limit, TARGET_LIMIT_S)):
        met = value <= target
        ok &= met
        print(f"target {what} ≤ {target} s: {value:.2f} s {'met' if met else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
