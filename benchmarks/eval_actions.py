"""Quality of action-item and structure rules (AI, ST); prints numbers, asserts nothing.

    python benchmarks/eval_actions.py [--data ../shared/data] [--show-errors]

1. actions_dev.md / actions_dev.jsonl: the document is reviewed with the real CLI
   (`pmreview review --format json`); each labelled line is matched to the extracted
   item starting on it. owner = no AI001, deadline = no AI002, specific = no AI003,
   vigilance = AI004. Items labelled null are not scored.
2. samples/: the AI and ST lines of answers.jsonl, found, missed and extra.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli_json import review_json

ROOT = Path(__file__).resolve().parents[1]
ATTRS = {
    "owner": ("AI001", False),
    "deadline": ("AI002", False),
    "specific": ("AI003", False),
    "vigilance": ("AI004", True),
}
CATEGORY = {
    "action-owner": ("AI001",),
    "action-deadline": ("AI002",),
    "action-scope": ("AI003",),
    "action-vigilance": ("AI004",),
    "structure": ("ST",),
}


def eval_dev(data: Path, show: bool) -> None:
    rows = [json.loads(line) for line in (data / "actions_dev.jsonl").read_text().splitlines() if line.strip()]
    out = review_json([data / "actions_dev.md"])
    items = {i["line"]: i for d in out["documents"] for i in d["action_items"]}
    print(f"actions_dev.md: {len(items)} items extracted, {len(rows)} labelled")
    missing = [r["line"] for r in rows if r["line"] not in items]
    if missing:
        print(f"  labelled items not extracted: {missing}")
    for attr, (code, positive_when_flagged) in ATTRS.items():
        scored = [r for r in rows if r.get(attr) is not None and r["line"] in items]
        correct = 0
        for r in scored:
            flagged = code in items[r["line"]]["fails"]
            predicted = 1 if flagged == positive_when_flagged else 0
            if predicted == r[attr]:
                correct += 1
            elif show:
                print(f"    {attr}: expected {r[attr]}, got {predicted}  line {r['line']}: {r['text'][:90]}")
        print(f"  {attr:<10} accuracy {correct / len(scored):.3f}  ({correct}/{len(scored)})")


def eval_samples(data: Path, show: bool) -> None:
    samples = data / "samples"
    answers = [json.loads(line) for line in (samples / "answers.jsonl").read_text().splitlines() if line.strip()]
    files = sorted(p for p in samples.glob("*.md") if p.name != "ANSWERS.md")
    findings = review_json(files)["findings"]
    print(f"samples/ ({len(files)} drafts)")
    for category, prefixes in CATEGORY.items():
        expected = {(a["file"], a["line"]) for a in answers if a["category"] == category}
        got = {(Path(f["path"]).name, f["line"]) for f in findings if f["code"].startswith(prefixes)}
        tp, fp, fn = len(expected & got), len(got - expected), len(expected - got)
        print(f"  {category:<17} found {tp} of {len(expected)}, missed {fn}, extra {fp}")
        if show:
            for item in sorted(expected - got):
                print("     missed", item)
            for item in sorted(got - expected):
                print("     extra ", item)
    ok_lines = {(a["file"], a["line"]) for a in answers if a["category"] == "ok"}
    bad = sorted(
        {
            (Path(f["path"]).name, f["line"], f["code"])
            for f in findings
            if (Path(f["path"]).name, f["line"]) in ok_lines and f["code"][:2] in ("AI", "ST")
        }
    )
    print(f"  AI/ST findings on distractor lines: {len(bad)}" + (f" {bad}" if bad else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    eval_dev(args.data, args.show_errors)
    eval_samples(args.data, args.show_errors)


if __name__ == "__main__":
    main()
