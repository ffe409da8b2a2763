"""Agreement of reviewer/timeline.py with a careful reading of 15 timelines; prints numbers, asserts nothing.

    python benchmarks/eval_timeline.py [--data ../shared/data/postmortems] [--show]

1. benchmarks/data/timelines.yml: for each labelled document and figure (time_to_detect,
   time_to_acknowledge, time_to_mitigate, time_to_resolve), the reader's value (minutes and the
   two line numbers, or null) against the tool's. Per figure: labelled with a value, tool gave a
   value, exact agreement (minutes within +-1 and the same two lines), wrong (tool gave a value
   where the reader says null) and missed (tool null where the reader has a value). A document
   where both say null counts as agreement too (shown separately as "both null").
2. Coverage: over every document under --data, how many yield each figure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reviewer.engine import section_aliases  # noqa: E402
from reviewer.markdown import parse  # noqa: E402
from reviewer.source import read_source  # noqa: E402
from reviewer.timeline import FIGURES, metrics  # noqa: E402

LABELS = ROOT / "benchmarks" / "data" / "timelines.yml"
SUFFIXES = {".md", ".markdown", ".txt", ".rst"}
SKIP = {"LICENSES.md"}


def tool_metrics(path: Path, aliases) -> dict[str, dict | None]:
    return metrics(parse(read_source(path, str(path)), aliases))


def same(reader: dict, tool: dict) -> bool:
    return (
        abs(reader["minutes"] - tool["minutes"]) <= 1
        and reader["from_line"] == tool["from_line"]
        and reader["to_line"] == tool["to_line"]
    )


def fmt(v: dict | None) -> str:
    return "null" if v is None else f"{v['minutes']} min (lines {v['from_line']}-{v['to_line']})"


def eval_labels(data: Path, aliases, show: bool, key: str = "labels") -> None:
    labels = yaml.safe_load(LABELS.read_text(encoding="utf-8"))[key]
    keys = ("labelled", "tool", "exact", "both_null", "wrong", "missed", "differ")
    counts = {f: dict.fromkeys(keys, 0) for f in FIGURES}
    disagreements: list[str] = []
    for item in labels:
        got = tool_metrics(data / item["file"], aliases)
        for figure in FIGURES:
            lab = item["figures"][figure]
            reader = None if lab.get("minutes") is None else lab
            tool = got.get(figure)
            c = counts[figure]
            c["labelled"] += reader is not None
            c["tool"] += tool is not None
            if reader is None and tool is None:
                c["both_null"] += 1
                continue
            if reader is not None and tool is not None and same(reader, tool):
                c["exact"] += 1
                continue
            if reader is None:
                c["wrong"] += 1
            elif tool is None:
                c["missed"] += 1
            else:
                c["differ"] += 1  # both have a value, not the same
            disagreements.append(
                f"  {item['file']} {figure}: reader {fmt(reader)}, tool {fmt(tool)} -- {lab.get('reason', '')}"
            )
    print(f"{LABELS.relative_to(ROOT)} [{key}]: {len(labels)} documents, {len(labels) * len(FIGURES)} figures")
    print(
        f"{'figure':22} {'labelled':>8} {'tool':>5} {'exact':>6} {'both null':>9} {'wrong':>6} {'missed':>7} {'differ':>7}"
    )
    total = dict.fromkeys(keys, 0)
    for figure, c in counts.items():
        for k in keys:
            total[k] += c[k]
        print(
            f"{figure:22} {c['labelled']:>8} {c['tool']:>5} {c['exact']:>6} {c['both_null']:>9} "
            f"{c['wrong']:>6} {c['missed']:>7} {c['differ']:>7}"
        )
    t = total
    print(
        f"{'all':22} {t['labelled']:>8} {t['tool']:>5} {t['exact']:>6} {t['both_null']:>9} "
        f"{t['wrong']:>6} {t['missed']:>7} {t['differ']:>7}"
    )
    n = len(labels) * len(FIGURES)
    print(f"agreement (exact or both null): {t['exact'] + t['both_null']}/{n}")
    if t["tool"]:
        print(f"precision (exact / tool gave a value): {t['exact']}/{t['tool']} = {t['exact'] / t['tool']:.2f}")
    if t["labelled"]:
        print(
            f"recall (exact / labelled with a value): {t['exact']}/{t['labelled']} = {t['exact'] / t['labelled']:.2f}"
        )
    if show and disagreements:
        print("disagreements:")
        print("\n".join(disagreements))


def coverage(data: Path, aliases) -> None:
    files = sorted(p for p in data.rglob("*") if p.is_file() and p.suffix in SUFFIXES and p.name not in SKIP)
    yields = dict.fromkeys(FIGURES, 0)
    with_timeline = with_any = errors = 0
    for p in files:
        try:
            doc = parse(read_source(p, str(p)), aliases)
            got = metrics(doc)
        except Exception as e:  # a document the tool cannot read is counted, not fatal
            errors += 1
            print(f"  error on {p.relative_to(data)}: {e}")
            continue
        with_timeline += bool(doc.sections_named("timeline"))
        with_any += any(got.values())
        for figure, v in got.items():
            yields[figure] += v is not None
    print(f"\ncoverage over {data}: {len(files)} documents, {with_timeline} with a timeline section")
    for figure, n in yields.items():
        print(f"  {figure:22} {n:>3}")
    print(f"  {'any figure':22} {with_any:>3}")
    if errors:
        print(f"  errors: {errors}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "postmortems")
    ap.add_argument("--show", action="store_true", help="list the disagreements")
    args = ap.parse_args()
    aliases = section_aliases()
    eval_labels(args.data, aliases, args.show)
    print()
    eval_labels(args.data, aliases, args.show, key="second")
    coverage(args.data, aliases)


if __name__ == "__main__":
    main()
