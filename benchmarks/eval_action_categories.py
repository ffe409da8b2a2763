"""How well action items are classed as detection / mitigation / prevention / recovery / learning /
governance (reviewer/action_categories.py), on items written for measuring, not for the lexicon.

    python benchmarks/eval_action_categories.py [--show]

Prints accuracy overall and per class (precision and recall), and how many items got no class.
With ``../shared/data/postmortems`` present, also the share of each class among the action items
pmreview reads there (no labels: what a lead would see).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewer.action_categories import CATEGORIES, category  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", action="store_true", help="list the items classed wrongly")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "postmortems")
    args = parser.parse_args()
    items = yaml.safe_load((ROOT / "benchmarks" / "data" / "action_categories.yml").read_text())["items"]
    right, none = 0, 0
    tp, fp, fn = Counter(), Counter(), Counter()
    wrong = []
    for item in items:
        got, want = category(item["text"]), item["category"]
        if got == want:
            right += 1
            tp[want] += 1
        else:
            fn[want] += 1
            if got is None:
                none += 1
            else:
                fp[got] += 1
            wrong.append((want, got, item["text"]))
    print(f"items: {len(items)}, accuracy {right / len(items):.3f}, no class {none}")
    for c in CATEGORIES:
        p = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else float("nan")
        r = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else float("nan")
        print(f"  {c:<11} precision {p:.3f}  recall {r:.3f}")
    if args.show:
        for want, got, text in wrong:
            print(f"  want {want:<11} got {got or '-':<11} {text}")
    if args.data.is_dir():
        from reviewer.actions import extract
        from reviewer.engine import section_aliases
        from reviewer.markdown import parse
        from reviewer.source import read_source

        shares = Counter()
        for path in sorted(args.data.rglob("*.md")):
            doc = parse(read_source(path, str(path)), section_aliases())
            shares.update(category(i.text) or "none" for i in extract(doc))
        total = sum(shares.values())
        print(f"real action items read in {args.data}: {total}")
        print("  " + ", ".join(f"{k} {v / total:.0%}" for k, v in shares.most_common()))


if __name__ == "__main__":
    main()
