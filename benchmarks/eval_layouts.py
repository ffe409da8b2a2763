"""How well pmreview reads action items, contributing factors and sections in real teams' layouts.

Labels: ``benchmarks/data/layouts/<org>.jsonl``, made by reading every real postmortem in
``../shared/data/postmortems/`` (references only: file, line and what a reader sees there, no text):

* ``type: doc``: the canonical sections the document has under any name or lead-in, whether it
  has action items and factors, and the line of its real title;
* ``type: action``: a team action item's first line, and whether it has an owner, a deadline or
  priority, its status (done / open / not stated), and whether it is vague or asks for vigilance;
* ``type: factor``: the line where a contributing-factor statement starts (compared by
  statement: a paragraph, a list item or a table row, since pmreview reads paragraphs by sentence).

Per organisation it prints action items found / counted (an item is found when pmreview's item
starts on the labelled line), extra items, owner / deadline / status accuracy on the found ones,
AI003 / AI004 precision and recall (a finding on an item no label calls vague / vigilance is
wrong), factors found / counted and extra, documents with causes but no factor found, and
AI006 / ST001 findings that are wrong (the document has the section under some name).

    python benchmarks/eval_layouts.py [--show] [--clear] [--exclude ORG ...]

``--clear`` scores only the labels the reader was sure of: one whose note starts "borderline" is
neither missed nor extra (nor a positive or a false alarm for AI003 / AI004).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from cli_json import review_json

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewer.actions import extract  # noqa: E402
from reviewer.engine import section_aliases  # noqa: E402
from reviewer.factors import factors, incident  # noqa: E402
from reviewer.kinds.structure import NAMES  # noqa: E402
from reviewer.markdown import parse  # noqa: E402
from reviewer.source import read_source  # noqa: E402

LABELS = ROOT / "benchmarks" / "data" / "layouts"
SECTION_OF_NAME = {v.lower(): k for k, v in NAMES.items()}


def load_labels() -> dict[str, dict]:
    """file -> {"doc": row, "actions": {line: row}, "factors": {line: row}}."""
    out: dict[str, dict] = defaultdict(lambda: {"doc": None, "actions": {}, "factors": {}})
    for path in sorted(LABELS.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{n}: {e}") from None
            entry = out[row["file"]]
            if row["type"] == "doc":
                entry["doc"] = row
            elif row["type"] == "action":
                entry["actions"][int(row["line"])] = row
            elif row["type"] == "factor":
                entry["factors"][int(row["line"])] = row
    return {k: v for k, v in out.items() if v["doc"] is not None}


def borderline(row: dict) -> bool:
    """The reader was unsure (the label's note says so): with --clear, such an item is neither
    missed when pmreview skips it nor extra when pmreview reads it."""
    return str(row.get("note") or "").lower().startswith("borderline")


def org_of(file: str) -> str:
    return file.split("/", 1)[0]


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "  -  "


def read(data: Path, files: list[str]) -> dict[str, tuple[list, list, str, dict[int, int]]]:
    """file -> (action items, factors, title, statement of each line) as pmreview reads them."""
    aliases = section_aliases()
    out = {}
    for f in files:
        doc = parse(read_source(data / f), aliases)
        out[f] = (extract(doc), factors(doc), incident(doc, f).title, statements(doc))
    return out


def statements(doc) -> dict[int, int]:
    """line -> the statement (paragraph, list item's first paragraph, table row) it belongs to.

    A factor label marks the line where a statement of a cause starts; pmreview reads a
    paragraph sentence by sentence, so its factor may start on a later line of the same
    paragraph ("… with the consequence that …"). Both are compared by statement."""
    out: dict[int, int] = {}
    for k, b in enumerate(doc.blocks):
        if b.kind == "heading":
            continue
        last = doc.source.position(max(b.start, b.end - 1))[0]
        for line in range(b.line, last + 1):
            out.setdefault(line, k)
    return out


def title_right(data: Path, file: str, title: str, line: int | None) -> bool:
    """Is pmreview's title the one on the labelled line (or the file name where there is none)?"""
    if line is None:
        return title == Path(file).stem
    text = (data / file).read_text(encoding="utf-8").splitlines()[line - 1]
    norm = " ".join(text.replace("*", "").replace("`", "").split()).lower()
    return bool(title) and " ".join(title.split()).lower() in norm


def rule_findings(data: Path, files: list[str]) -> dict[str, list[dict]]:
    report = review_json([data / f for f in files], "--select", "AI003,AI004,AI006,ST001")
    out: dict[str, list[dict]] = defaultdict(list)
    for f in report["findings"]:
        rel = Path(f["path"]).resolve().relative_to(data.resolve()).as_posix()
        out[rel].append(f)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "postmortems")
    parser.add_argument("--exclude", action="append", default=[], help="organisations left out of a pooled row")
    parser.add_argument("--show", action="store_true", help="list missed and extra items and factors, wrong findings")
    parser.add_argument(
        "--clear",
        action="store_true",
        help="score clear labels only: a label the reader marked borderline is neither missed nor extra",
    )
    args = parser.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"no postmortems at {args.data}")
    labels = load_labels()
    files = sorted(labels)
    read_by_tool = read(args.data, files)
    findings = rule_findings(args.data, files)

    counts: dict[str, Counter] = defaultdict(Counter)
    problems: list[tuple[str, str]] = []
    for f in files:
        c = counts[org_of(f)]
        lab = labels[f]
        items, facts, title, statement = read_by_tool[f]
        c["docs"] += 1
        if title_right(args.data, f, title, lab["doc"].get("title_line")):
            c["title_ok"] += 1
        else:
            problems.append(("title wrong", f"{f} (pmreview {title!r}, label line {lab['doc'].get('title_line')})"))
        by_line = {i.line: i for i in items}
        # action items
        for line, row in lab["actions"].items():
            if args.clear and borderline(row):
                continue
            c["act_counted"] += 1
            item = by_line.get(line)
            if item is None:
                c["act_missed"] += 1
                problems.append(("missed action", f"{f}:{line}"))
                continue
            c["act_found"] += 1
            has_deadline = bool((item.deadline is not None and item.deadline.valid) or item.priority)
            for field, ours, theirs in (
                ("owner", item.owner is not None, bool(row.get("owner"))),
                ("deadline", has_deadline, bool(row.get("deadline"))),
                ("status", item.status, row.get("status")),
            ):
                c[f"{field}_ok"] += ours == theirs
                if ours != theirs:
                    problems.append((f"{field} wrong", f"{f}:{line} (pmreview {ours!r}, label {theirs!r})"))
        for item in items:
            if item.line not in lab["actions"]:
                c["act_extra"] += 1
                problems.append(("extra action", f"{f}:{item.line}"))
        if lab["actions"] and not items:
            c["act_docs_none"] += 1
        # AI003 / AI004 on items
        for code, field in (("AI003", "vague"), ("AI004", "vigilance")):
            flagged = set()
            for x in findings.get(f, []):
                if x["code"] != code:
                    continue
                owner = next((i for i in items if i.line <= x["line"] <= i.end_line), None)
                flagged.add(owner.line if owner is not None else x["line"])
            for line in flagged:
                row = lab["actions"].get(line)
                if args.clear and row is not None and borderline(row):
                    continue
                if row is not None and row.get(field):
                    c[f"{code}_tp"] += 1
                else:
                    c[f"{code}_fp"] += 1
                    problems.append((f"{code} wrong", f"{f}:{line}"))
            for line, row in lab["actions"].items():
                if row.get(field) and not (args.clear and borderline(row)):
                    c[f"{code}_pos"] += 1
                    if line not in flagged:
                        problems.append((f"{code} missed", f"{f}:{line}"))

        # factors
        def unit(line: int, statement: dict[int, int] = statement) -> tuple[str, int]:
            return ("s", statement[line]) if line in statement else ("l", line)

        tool_units = {unit(fa.line): fa.line for fa in reversed(facts)}  # first line of each statement
        labelled = {unit(line) for line in lab["factors"]}
        for line, row in lab["factors"].items():
            if args.clear and borderline(row):
                continue
            c["fac_counted"] += 1
            if unit(line) in tool_units:
                c["fac_found"] += 1
            else:
                problems.append(("missed factor", f"{f}:{line}"))
        for u, line in sorted(tool_units.items(), key=lambda kv: kv[1]):
            if u not in labelled:
                c["fac_extra"] += 1
                problems.append(("extra factor", f"{f}:{line}"))
        if lab["factors"] and not facts:
            c["fac_docs_none"] += 1
            problems.append(("no factor found", f))
        # document-level rules
        sections = set(lab["doc"].get("sections", []))
        for x in findings.get(f, []):
            if x["code"] == "AI006":
                c["ai006"] += 1
                sure = not args.clear or any(not borderline(r) for r in lab["actions"].values())
                if lab["doc"].get("has_actions") and sure:
                    c["ai006_wrong"] += 1
                    problems.append(("AI006 wrong", f))
            if x["code"] == "ST001":
                c["st001"] += 1
                name = x["message"].removeprefix("The postmortem has no ").removesuffix(" section.").lower()
                if SECTION_OF_NAME.get(name) in sections:
                    c["st001_wrong"] += 1
                    problems.append(("ST001 wrong", f"{f} ({name})"))

    header = (
        f"{'organisation':<18} {'docs':>4} {'actions':>11} {'extra':>5} {'owner':>5} {'dl':>5} {'status':>6}"
        f" {'AI003 P/R':>11} {'AI004 P/R':>11} {'factors':>11} {'extra':>5} {'none':>4} {'AI006':>5} {'ST001':>5}"
        f" {'title':>5}"
    )
    print(header)

    def row_for(name: str, c: Counter) -> str:
        found = c["act_found"]
        return (
            f"{name:<18} {c['docs']:>4} {c['act_found']:>4}/{c['act_counted']:<4}{ratio(found, c['act_counted']):>0}"
            f" {c['act_extra']:>3}"
            f" {ratio(c['owner_ok'], found):>5} {ratio(c['deadline_ok'], found):>5} {ratio(c['status_ok'], found):>6}"
            f" {ratio(c['AI003_tp'], c['AI003_tp'] + c['AI003_fp']):>5}/{ratio(c['AI003_tp'], c['AI003_pos']):<5}"
            f" {ratio(c['AI004_tp'], c['AI004_tp'] + c['AI004_fp']):>5}/{ratio(c['AI004_tp'], c['AI004_pos']):<5}"
            f" {c['fac_found']:>4}/{c['fac_counted']:<4}{ratio(c['fac_found'], c['fac_counted']):>0}"
            f" {c['fac_extra']:>3} {c['fac_docs_none']:>4}"
            f" {c['ai006_wrong']:>2}/{c['ai006']:<2} {c['st001_wrong']:>2}/{c['st001']:<2}"
            f" {ratio(c['title_ok'], c['docs']):>5}"
        )

    for org in sorted(counts):
        print(row_for(org, counts[org]))
    total: Counter = Counter()
    for c in counts.values():
        total.update(c)
    print()
    print(row_for("all", total))
    if args.exclude:
        kept: Counter = Counter()
        for org, c in counts.items():
            if org not in args.exclude:
                kept.update(c)
        print(row_for(f"held out (-{','.join(args.exclude)})"[:18], kept))
    print(
        "\nactions: found/counted and ratio; extra: items no label counts; owner/dl/status: accuracy on found items;"
        "\nfactors: found/counted and ratio; none: documents with factors where none was found;"
        "\nAI006/ST001: wrong findings / all findings (wrong = the document has it under some name);"
        "\ntitle: the title pmreview gives the incident is the document's real one"
    )
    if args.show:
        for what in sorted({p[0] for p in problems}):
            lines = [t for k, t in problems if k == what]
            print(f"\n{what} ({len(lines)}):")
            for t in lines:
                print(f"  {t}")


if __name__ == "__main__":
    main()
