"""Quality of the language rules (BL, QU, RC) on labelled data; prints numbers, asserts nothing.

    python benchmarks/eval_language.py [--data ../shared/data] [--show-errors]

1. blame_dev.jsonl: each sentence becomes one paragraph of a Markdown file, which is
   reviewed with the real CLI (`pmreview review --format json`). A sentence counts as
   flagged when a BL or QU finding starts on its line. Positives are the labels
   "blame" and "question". Also reported: false flags among the hard clean sentences,
   and RC001 hits on "rootcause" sentences.
2. samples/: the five drafts, against answers.jsonl (blame, question, rootcause lines).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

from cli_json import review_json

ROOT = Path(__file__).resolve().parents[1]
FAMILY = {"blame": ("BL",), "question": ("QU",), "rootcause": ("RC",)}


EXTRA: list[str] = []


def run_cli(paths: list[Path]) -> list[dict]:
    return review_json(paths, *EXTRA)["findings"]


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def eval_sentences(data: Path, show: bool) -> None:
    rows = [json.loads(line) for line in (data / "blame_dev.jsonl").read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        md = Path(tmp) / "sentences.md"
        lines = {}
        text = []
        for i, row in enumerate(rows):
            lines[len(text) + 1] = i
            text += [row["text"], ""]
        md.write_text("\n".join(text), encoding="utf-8")
        findings = run_cli([md])
    codes: dict[int, set[str]] = {}
    for f in findings:
        if f["line"] in lines:
            codes.setdefault(lines[f["line"]], set()).add(f["code"])
    tp = fp = fn = 0
    hard_fp = hard_clean = 0
    rc_hit = rc_total = 0
    errors = []
    for i, row in enumerate(rows):
        got = codes.get(i, set())
        flagged = any(c.startswith(("BL", "QU")) for c in got)
        positive = row["label"] in ("blame", "question")
        if positive and flagged:
            tp += 1
        elif positive:
            fn += 1
            errors.append(("MISS", row))
        elif flagged and row["label"] == "clean":
            fp += 1
            errors.append(("FALSE", row, sorted(got)))
        if row["label"] == "clean" and row["hard"]:
            hard_clean += 1
            hard_fp += flagged
        if row["label"] == "rootcause":
            rc_total += 1
            rc_hit += any(c.startswith("RC") for c in got)
    rc_false = sum(
        1 for i, r in enumerate(rows) if r["label"] != "rootcause" and any(c.startswith("RC") for c in codes.get(i, ()))
    )
    p, r, f1 = prf(tp, fp, fn)
    print(f"blame_dev.jsonl ({len(rows)} sentences)")
    print(f"  BL+QU  precision {p:.3f}  recall {r:.3f}  F1 {f1:.3f}   (tp {tp}, fp {fp}, fn {fn})")
    print(f"  false flags among hard clean sentences: {hard_fp} of {hard_clean}")
    print(f"  RC hits on rootcause sentences: {rc_hit} of {rc_total}; RC on other sentences: {rc_false}")
    by_label = Counter((row["label"], row["hard"]) for row in rows)
    caught = Counter(
        (row["label"], row["hard"])
        for i, row in enumerate(rows)
        if any(c.startswith(("BL", "QU")) for c in codes.get(i, ()))
    )
    for key in sorted(by_label):
        print(f"    {key[0]:<9} {'hard' if key[1] else 'easy'}: flagged {caught[key]:>3} of {by_label[key]}")
    if show:
        for e in errors:
            print("   ", e[0], e[1]["text"], *(e[2:] if len(e) > 2 else ()))


def _line(path: Path, n: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[n - 1].lstrip()


def eval_samples(data: Path, show: bool) -> None:
    samples = data / "samples"
    answers = [json.loads(line) for line in (samples / "answers.jsonl").read_text().splitlines() if line.strip()]
    files = sorted(samples.glob("*.md"))
    files = [f for f in files if f.name != "ANSWERS.md"]
    findings = run_cli(files)
    print(f"samples/ ({len(files)} drafts)")
    for category, prefixes in FAMILY.items():
        expected = {(a["file"], a["line"]) for a in answers if a["category"] == category}
        got = {(Path(f["path"]).name, f["line"]) for f in findings if f["code"].startswith(prefixes)}
        # the sample key predates flagging a singular "## Root cause" heading (issue 11): counted apart
        headings = {g for g in got - expected if _line(samples / g[0], g[1]).startswith("#")}
        got -= headings
        tp, fp, fn = len(expected & got), len(got - expected), len(expected - got)
        p, r, f1 = prf(tp, fp, fn)
        apart = f"   (+ {len(headings)} on headings the key does not list)" if headings else ""
        print(
            f"  {category:<9} found {tp} of {len(expected)}, extra {fp}   precision {p:.3f} recall {r:.3f} F1 {f1:.3f}"
            + apart
        )
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
            if (Path(f["path"]).name, f["line"]) in ok_lines and f["code"][:2] in ("BL", "QU", "RC")
        }
    )
    print(f"  language findings on distractor lines: {len(bad)}" + (f" {bad}" if bad else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--extend-select", default="", help="also run these rules, e.g. the preview rule BL009")
    args = parser.parse_args()
    if args.extend_select:
        EXTRA.extend(["--extend-select", args.extend_select])
        print(f"with --extend-select {args.extend_select}")
    eval_sentences(args.data, args.show_errors)
    eval_samples(args.data, args.show_errors)


if __name__ == "__main__":
    main()
