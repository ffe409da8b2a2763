"""Time `pmreview review` over a folder of postmortems in cold processes; prints numbers.

    python benchmarks/bench_review.py [DIR] [--runs 5]

DIR defaults to ../shared/data/postmortems (58 real documents). Each run is a fresh
process with the results cache off, as a pre-commit hook or CI bot would start one on
new drafts; the median is reported with documents/s and words/s, and then the same run
with a warm results cache (drafts unchanged since the last run). Also prints the cost of a cold start on one small document,
and where the time goes in-process (import, model load, parse, rules).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], cache: str | None = None) -> float:
    """One fresh process; the results cache is off unless a cache folder is given."""
    flags = ["--cache-dir", cache] if cache else ["--no-cache"]
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "reviewer.cli", "review", "--format", "json", *flags, *args],
        capture_output=True,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"review failed: {proc.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", nargs="?", type=Path, default=ROOT.parent / "shared" / "data" / "postmortems")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    files = sorted(p for p in args.dir.rglob("*.md"))
    words = sum(len(p.read_text(encoding="utf-8", errors="replace").split()) for p in files)
    times = [run([str(args.dir)]) for _ in range(args.runs)]
    med = statistics.median(times)
    print(f"corpus: {len(files)} documents, {words} words ({args.dir})")
    print(
        f"cold process, whole corpus: median {med:.2f} s over {args.runs} runs (min {min(times):.2f}, max {max(times):.2f})"
    )
    print(f"  {len(files) / med:.1f} docs/s, {words / med:.0f} words/s")
    with tempfile.TemporaryDirectory() as cache:
        run([str(args.dir)], cache)  # fill the results cache
        warm = [run([str(args.dir)], cache) for _ in range(args.runs)]
    print(f"cold process, warm results cache (unchanged files): median {statistics.median(warm):.2f} s")
    example = ROOT / "examples" / "2026-11-03-checkout-draft.md"
    one = [run([str(example)]) for _ in range(args.runs)]
    print(f"cold process, one draft ({example.name}): median {statistics.median(one):.2f} s")

    # in-process breakdown (one run)
    t0 = time.perf_counter()
    from reviewer import nlp
    from reviewer.engine import expand, review_inputs

    t1 = time.perf_counter()
    nlp.load()
    t2 = time.perf_counter()
    report = review_inputs(expand([str(args.dir)]))
    t3 = time.perf_counter()
    print(
        f"in-process: imports {t1 - t0:.2f} s, spaCy load {t2 - t1:.2f} s, review {t3 - t2:.2f} s ({len(report.findings)} findings)"
    )


if __name__ == "__main__":
    main()
