"""Time `pmreview review` over a folder of postmortems in cold processes; prints numbers.

    python benchmarks/bench_review.py [DIR] [--runs 5]

DIR defaults to ../shared/data/postmortems (58 real documents). Each run is a fresh
process with the results cache off, as a pre-commit hook or CI bot would start one on
new drafts; the median is reported with documents/s and words/s, and then the same run
with a warm results cache (drafts unchanged since the last run). Also prints the cost of a cold
start on one small draft, and where the time goes in-process (import, model load, parse, rules).
Where proselint is installed (`pip install proselint`, not a dependency), each pmreview run is
followed by a proselint run on the same files, and the ratio of the medians is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
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


def proselint(paths: list[str]) -> float | None:
    """One fresh proselint process on the same files (the reference a prose linter costs), or None."""
    exe = shutil.which("proselint")
    if exe is None:
        return None
    begin = time.perf_counter()
    subprocess.run([exe, "check", *paths], capture_output=True, cwd=ROOT)
    return time.perf_counter() - begin


def interleaved(paths: list[str], runs: int) -> tuple[float, float | None]:
    """Median seconds of pmreview and of proselint on ``paths``, run in turn so both see the same machine."""
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(run(paths))
        other = proselint(paths)
        if other is not None:
            theirs.append(other)
    return statistics.median(ours), (statistics.median(theirs) if theirs else None)


def warm_daemon(draft: Path, runs: int) -> tuple[float, float | None]:
    """`review --daemon` on a draft that changes before every run (so neither the results cache
    nor anything else is reused but the warm process), interleaved with proselint on it."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "XDG_RUNTIME_DIR": tmp, "HF_HUB_OFFLINE": "1"}
        copy = Path(tmp) / draft.name
        cmd = [sys.executable, "-m", "reviewer.cli", "review", "--daemon", "--format", "json", str(copy)]
        copy.write_text(draft.read_text(encoding="utf-8"), encoding="utf-8")
        subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT)  # starts the daemon
        for _ in range(120):
            status = [sys.executable, "-m", "reviewer.cli", "daemon", "status"]
            if subprocess.run(status, capture_output=True, env=env, cwd=ROOT).returncode == 0:
                break
            time.sleep(0.5)
        ours, theirs = [], []
        try:
            for n in range(runs):
                copy.write_text(
                    draft.read_text(encoding="utf-8") + f"\nEdit {n}: the pager was silent.\n", encoding="utf-8"
                )
                begin = time.perf_counter()
                subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT)
                ours.append(time.perf_counter() - begin)
                other = proselint([str(copy)])
                if other is not None:
                    theirs.append(other)
        finally:
            subprocess.run(
                [sys.executable, "-m", "reviewer.cli", "daemon", "stop"], capture_output=True, env=env, cwd=ROOT
            )
    return statistics.median(ours), (statistics.median(theirs) if theirs else None)


def ratio_line(label: str, ours: float, theirs: float | None) -> str:
    if theirs is None:
        return f"{label}: pmreview {ours:.2f} s (proselint not installed: pip install proselint for the ratio)"
    return f"{label}: pmreview {ours:.2f} s, proselint {theirs:.2f} s, ratio {ours / theirs:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", nargs="?", type=Path, default=ROOT.parent / "shared" / "data" / "postmortems")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    files = sorted(p for p in args.dir.rglob("*.md"))
    words = sum(len(p.read_text(encoding="utf-8", errors="replace").split()) for p in files)
    print(f"corpus: {len(files)} documents, {words} words ({args.dir}); medians of {args.runs} cold processes")
    med, other = interleaved([str(args.dir)], args.runs)
    print(ratio_line("whole corpus", med, other))
    print(f"  {len(files) / med:.1f} docs/s, {words / med:.0f} words/s")
    with tempfile.TemporaryDirectory() as cache:
        run([str(args.dir)], cache)  # fill the results cache
        warm = [run([str(args.dir)], cache) for _ in range(args.runs)]
    print(f"whole corpus, warm results cache (unchanged files): median {statistics.median(warm):.2f} s")
    example = ROOT / "examples" / "2026-11-03-checkout-draft.md"
    one, other = interleaved([str(example)], args.runs)
    print(ratio_line(f"one draft ({example.name})", one, other))

    print(ratio_line("one draft, warm process (review --daemon)", *warm_daemon(example, args.runs)))

    # in-process breakdown (one run)
    t0 = time.perf_counter()
    from reviewer import nlp
    from reviewer.engine import expand, review_inputs

    t1 = time.perf_counter()
    nlp.load()  # the same cache entry the review uses
    t2 = time.perf_counter()
    report = review_inputs(expand([str(args.dir)]))
    t3 = time.perf_counter()
    print(
        f"in-process: imports {t1 - t0:.2f} s, spaCy load {t2 - t1:.2f} s, review {t3 - t2:.2f} s ({len(report.findings)} findings)"
    )


if __name__ == "__main__":
    main()
