"""BL, QU and RC on real postmortems, against labels made by reading them; prints numbers, asserts nothing.

    python benchmarks/eval_wild.py [--data ../shared/data/postmortems] [--exclude ORG ...] [--show]

The labels (``benchmarks/data/wild/<org>.jsonl``) are references, never the documents'
text: ``{file, line, family, verdict, kind, reason}``. ``verdict: flag`` is a line a careful
reader says has the family's problem; ``clean`` is a line where a finding would be wrong.
Every finding of the tool was labelled, and every document was read whole for misses.

Per organisation and family: a finding on a ``flag`` line is right, on a ``clean`` line
wrong, and on an unlabelled line **wrong until someone labels it** (``--show`` lists those
lines, to be read and labelled). Recall is over the ``flag`` lines. Team self-judgement
(``kind: self``, "we should have…") and hedged root-cause framing (``kind: hedged``) are
counted apart, since whether the tool flags them is a setting, not a question of accuracy.

Leave-one-organisation-out: when a rule changes because of one organisation's documents,
record that organisation's numbers before the change and report them apart; ``--exclude``
pools the others, the held-out figure for that change.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from cli_json import review_json

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "data" / "wild"
FAMILIES = ("BL", "QU", "RC")
SAME_AS = {"AI004": "BL"}
"""AI004 (an action item that relies on people being careful) is BL007's finding for action items:
a reader labels the line as blame-family either way."""
APART = ("self", "hedged")


def load_labels() -> dict[tuple[str, int, str], dict]:
    out: dict[tuple[str, int, str], dict] = {}
    for path in sorted(LABELS.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            key = (row["file"], int(row["line"]), row["family"])
            if key in out and out[key]["verdict"] != row["verdict"]:
                raise SystemExit(f"{path.name}:{n}: {key} is labelled both flag and clean")
            out[key] = row
    return out


def org_of(file: str) -> str:
    return file.split("/", 1)[0]


def findings(data: Path) -> dict[tuple[str, int, str], int]:
    """(file relative to the data folder, line, family) of every BL/QU/RC finding, with the
    last line it covers (a wrapped sentence, an action item over several lines)."""
    report = review_json([data], "--select", ",".join((*FAMILIES, *SAME_AS)))
    out: dict[tuple[str, int, str], int] = {}
    for f in report["findings"]:
        rel = Path(f["path"]).resolve().relative_to(data.resolve()).as_posix()
        key = (rel, f["line"], SAME_AS.get(f["code"], f["code"][:2]))
        out[key] = max(out.get(key, 0), f.get("end_line") or f["line"])
    return out


def covered(key: tuple[str, int, str], last: int, labels: dict) -> dict | None:
    """The label a finding answers: the one on its first line, else a 'flag' label on a later
    line it covers (the line a reader pointed at inside a wrapped sentence or a long item)."""
    if key in labels:
        return labels[key]
    file, line, family = key
    inner = [labels[(file, n, family)] for n in range(line + 1, last + 1) if (file, n, family) in labels]
    return next((r for r in inner if r["verdict"] == "flag"), inner[0] if inner else None)


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  -  "


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "postmortems")
    parser.add_argument("--exclude", action="append", default=[], help="organisations left out of the pooled rows")
    parser.add_argument("--show", action="store_true", help="list wrong, missed and unlabelled lines")
    args = parser.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"no postmortems at {args.data}")
    labels = load_labels()
    found = findings(args.data)
    labelled_orgs = sorted({org_of(k[0]) for k in labels})

    # counts[org][family] -> Counter(tp, fp, unlabelled, fn, flags, apart_tp, apart_flags)
    counts: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    problems: list[tuple[str, str]] = []
    answered: set[tuple[str, int, str]] = set()
    for key in sorted(found):
        file, line, family = key
        org = org_of(file)
        row = covered(key, found[key], labels)
        if row is not None:
            answered.add((row["file"], int(row["line"]), row["family"]))
        c = counts[org][family]
        if row is None:
            c["unlabelled"] += 1
            problems.append(("unlabelled", f"{file}:{line} {family}"))
        elif row["verdict"] == "flag":
            c["apart_tp" if row.get("kind") in APART else "tp"] += 1
        else:
            c["fp"] += 1
            problems.append(("wrong", f"{file}:{line} {family}  ({row['reason']})"))
    for key, row in sorted(labels.items()):
        if row["verdict"] != "flag":
            continue
        file, line, family = key
        c = counts[org_of(file)][family]
        if row.get("kind") in APART:
            c["apart_flags"] += 1
            continue
        c["flags"] += 1
        if key not in answered:
            c["fn"] += 1
            problems.append(("missed", f"{file}:{line} {family}  ({row['reason']})"))

    header = f"{'organisation':<20} {'fam':<4} {'found':>5} {'right':>5} {'wrong':>5} {'unlab':>5} {'prec':>6}"
    header += f" {'flags':>5} {'recall':>6}   {'self/hedged found':>17}"
    print(header)

    def row_for(name: str, family: str, c: Counter) -> str:
        flagged = c["tp"] + c["fp"] + c["unlabelled"] + c["apart_tp"]
        wrong = c["fp"] + c["unlabelled"]
        return (
            f"{name:<20} {family:<4} {flagged:>5} {c['tp'] + c['apart_tp']:>5} {c['fp']:>5} {c['unlabelled']:>5} "
            f"{ratio(c['tp'] + c['apart_tp'], c['tp'] + c['apart_tp'] + wrong):>6} {c['flags']:>5} "
            f"{ratio(c['flags'] - c['fn'], c['flags']):>6}   {c['apart_tp']:>7} of {c['apart_flags']:<7}"
        )

    orgs = sorted(set(counts) | set(labelled_orgs))
    for org in orgs:
        for family in FAMILIES:
            c = counts[org][family]
            if any(c.values()):
                print(row_for(org, family, c))
    unlabelled_orgs = sorted({org_of(k[0]) for k in found} - set(labelled_orgs))
    for name, keep in (("all", lambda o: True), ("held out", lambda o: o not in args.exclude)):
        if name == "held out" and not args.exclude:
            continue
        print()
        for families in (("BL", "QU"), ("RC",)):
            total: Counter = Counter()
            for org in orgs:
                if keep(org):
                    for family in families:
                        total.update(counts[org][family])
            print(
                row_for(
                    f"{name}{' (-' + ','.join(args.exclude) + ')' if name != 'all' else ''}", "+".join(families), total
                )
            )
    if unlabelled_orgs:
        print(f"\nno labels yet for: {', '.join(unlabelled_orgs)} (their findings count as wrong)")
    if args.show:
        for what in ("wrong", "unlabelled", "missed"):
            lines = [text for kind, text in problems if kind == what]
            if lines:
                print(f"\n{what} ({len(lines)}):")
                for text in lines:
                    print(f"  {text}")


if __name__ == "__main__":
    main()
