"""Large and deeply nested documents: the same findings as small ones, work that grows
linearly with the size, and no content left unreviewed however deep it is nested.

Speed itself is measured by ``benchmarks/bench_large.py``. Here the growth is checked
without a clock: the number of lines of ``reviewer`` code executed (``sys.settrace``)
for a document and for the same document twice as long. Linear work doubles; a pass
that is quadratic in the document quadruples its share.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import HUMAN_ERROR, ROOT

import reviewer
from reviewer.actions import extract
from reviewer.engine import Input, Options, _defer, default_rules, review_inputs, section_aliases
from reviewer.findings import Finding, Severity
from reviewer.markdown import MAX_NESTING, parse
from reviewer.source import Source

DRAFT = re.sub(r"\A---\n.*?\n---\n", "", (ROOT / "examples" / "2026-11-03-checkout-draft.md").read_text(), flags=re.S)
NO_SPACY = ("BL001", "BL002", "RC001", "ST", "AI", "PM")  # rules that need no parse: fast, and all document passes
HTML_COMMENT = re.compile(r"<!--.*?-->")
LINEAR = 2.5  # doubling the input may at most multiply the work by this (linear: 2, quadratic: 4)


def _chunk(i: int) -> str:
    """One incident's worth of everything the passes look at: sections, a timeline, tables,
    nested and checkbox action items, code, a quote, HTML comments."""
    return f"""# Incident {i}: queue backlog

## Summary

The consumer fleet stalled for {i % 50 + 5} minutes. This was human error.

## Impact

Orders were delayed.

### Impact on partners

None reported.

## Timeline (UTC)

- 10:{i % 60:02d} UTC Deploy {i} starts.
  - The runbook link was stale.
- The alert fires.
- 10:{(i + 9) % 60:02d} The on-call engineer acknowledges.

| Time | Event |
|------|-------|
| 12:{i % 60:02d} | Rollback {i} completes. |

## Action items

| Action | Owner | Due |
|--------|-------|-----|
| Add a canary for change {i} | @sre | 2026-12-{1 + i % 28:02d} |
| Improve monitoring | TBD | |

- [ ] Write a runbook for failure {i}. Owner: @ops, due 2026-12-01.
  - Include the `kubectl rollout undo` command.
- Be more careful.

```
human error in code is not prose
```

> Quoted: "human error" from the vendor.

<!-- pmreview-disable-next-line BL001 -->
A suppressed human error {i}.
"""


def _document(copies: int, directives: bool = True) -> str:
    text = "\n".join(_chunk(i) for i in range(copies))
    return text if directives else HTML_COMMENT.sub("", text)


def _review(text: str, select: tuple[str, ...] | None = None):
    result = review_inputs([Input("doc.md", None, text.encode())], Options(select=select)).files[0]
    assert result.error is None, result.error
    return result


def _work(fn: Callable[[], object]) -> int:
    """Lines of reviewer code that ``fn()`` executes: a machine-independent measure of its work."""
    root = str(Path(reviewer.__file__).parent)
    count = 0

    def line(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return line

    def call(frame, event, arg):
        return line if frame.f_code.co_filename.startswith(root) else None

    previous = sys.gettrace()
    sys.settrace(call)
    try:
        fn()
    finally:
        sys.settrace(previous)
    return count


def _growth(run: Callable[[int], object], n: int) -> float:
    run(n)  # warm the caches (rules, lexicons, compiled patterns)
    return _work(lambda: run(2 * n)) / _work(lambda: run(n))


# -- the same findings, however long the document ------------------------------------------


def test_a_repeated_document_has_the_findings_of_one_copy_on_every_copy():
    """Every copy of the example draft gets exactly the sentence-level findings of one draft alone."""
    copies = 12
    one = _review(DRAFT)
    lines = DRAFT.count("\n")
    many = _review(DRAFT * copies)

    def key(f, shift: int = 0):
        return (f.code, f.line - shift, f.column, f.end_line - shift, f.end_column, f.message, f.section)

    expected = sorted(key(f) for f in one.findings if not f.whole_document)
    assert len(expected) >= 8
    for c in range(copies):
        got = sorted(
            key(f, c * lines) for f in many.findings if not f.whole_document and c * lines < f.line <= (c + 1) * lines
        )
        assert got == expected, f"copy {c}"
    assert len(many.actions) == copies * len(one.actions)


def test_every_action_item_of_a_5000_row_table_is_read():
    rows = 5000
    owners = ("@sre", "TBD", "", "Platform team")
    body = "".join(
        f"| Add alert {r} for queue depth | {owners[r % 4]} | 2026-12-{1 + r % 28:02d} |\n" for r in range(rows)
    )
    text = "# Postmortem\n\n## Summary\n\nWork.\n\n## Action items\n\n| Action | Owner | Due |\n|---|---|---|\n" + body
    items = extract(parse(Source("t.md", text), section_aliases()))
    assert len(items) == rows
    assert [i.line for i in items] == list(range(11, 11 + rows))
    assert [i.owner for i in items[:4]] == ["@sre", None, None, "Platform team"]
    assert {i.deadline.iso for i in items[:28]} == {f"2026-12-{d:02d}" for d in range(1, 29)}
    assert all(i.section == "Action items" for i in items)


def test_nested_action_items_fold_into_their_top_item():
    text = "# Postmortem\n\n## Action items\n\n" + "".join(
        f"- Item {i}. Owner: @a{i}\n  - detail {i}\n    - more {i}\n\n  continued {i}\n" for i in range(300)
    )
    items = extract(parse(Source("n.md", text), section_aliases()))
    assert [i.owner for i in items] == [f"@a{i}" for i in range(300)]
    assert all(i.text.startswith(f"Item {n}.") and i.end_line - i.line == 4 for n, i in enumerate(items))


def test_section_of_is_the_innermost_section_at_every_offset():
    rng = random.Random(7)
    parts = []
    for h in range(300):
        parts.append(f"{'#' * rng.randint(1, 6)} Heading {h}\n\nText {h}.\n")
        if rng.random() < 0.2:
            parts.append("> ## A quoted heading\n\n- ### A heading in a list\n\n")
    text = "Preamble.\n\n" + "".join(parts)
    doc = parse(Source("s.md", text))

    def brute(offset: int):
        found = None
        for s in doc.sections:
            if s.start <= offset < s.end and (found is None or s.level >= found.level):
                found = s
        return found

    assert len(doc.sections) > 300
    for offset in range(0, len(text) + 1):
        assert doc.section_of(offset) is brute(offset), offset


def test_subsections_follow_the_heading_levels():
    rng = random.Random(3)
    text = "".join(f"{'#' * rng.randint(1, 6)} H{h}\n\nBody.\n\n" for h in range(400))
    doc = parse(Source("h.md", text))
    for i, s in enumerate(doc.sections):
        # the end is the next heading of the same or a higher level; the parent the nearest higher one before
        later = next((t for t in doc.sections[i + 1 :] if t.level <= s.level), None)
        assert s.end == (later.start if later else len(text))
        parent = next((j for j in range(i - 1, -1, -1) if doc.sections[j].level < s.level), None)
        assert s.parent == parent
    for top in ({0}, {5, 17}, {3, 4, 5}, set(range(0, 400, 37))):
        brute = set(top)
        for i in range(len(doc.sections)):
            p = doc.sections[i].parent
            while p is not None:
                if p in top:
                    brute.add(i)
                p = doc.sections[p].parent
        assert doc.with_subsections(top) == brute


def _finding(code: str, start: int, end: int, sentence: tuple[int, int]) -> Finding:
    return Finding(
        "d.md", code, code, Severity.WARNING, "", start, end, 1, 1, 1, 1, "", "", data={"sentence": sentence}
    )


def test_defer_keeps_exactly_what_the_pairwise_definition_keeps():
    rules = [r for r in default_rules() if r.code in ("BL009", "BL001", "QU001", "RC001")]
    assert any(r.options.get("defer_to") for r in rules)
    rng = random.Random(11)
    findings = []
    for _ in range(400):
        s = rng.randrange(0, 5000)
        e = s + rng.randrange(1, 120)
        code = rng.choice(("BL009", "BL009", "BL001", "QU001", "RC001"))
        findings.append(_finding(code, s + rng.randrange(0, e - s), e, (s, e)))
    prefixes = ("BL", "QU")

    def pairwise(f):
        s, e = f.data["sentence"]
        return f.code != "BL009" or not any(
            g is not f and g.code.startswith(prefixes) and g.start < e and s < g.end for g in findings
        )

    kept = _defer(findings, rules)
    assert kept == [f for f in findings if pairwise(f)]
    assert 0 < len(kept) < len(findings)


# -- work that grows linearly ----------------------------------------------------------------


def test_review_work_grows_linearly_with_the_document():
    """Parsing, sections, timelines, impact, action items (lists and tables), findings' sections."""
    text = {n: _document(n, directives=False) for n in (40, 80)}
    assert _growth(lambda n: _review(text[n], select=NO_SPACY), 40) < LINEAR


def test_suppression_work_grows_linearly_with_the_document():
    one = "<!-- pmreview-disable-next-line BL001 -->\nA human error {i}.\n\nThis was human error {i}.\n\n"
    text = {n: "".join(one.format(i=i) for i in range(n)) for n in (200, 400)}
    assert _growth(lambda n: _review(text[n], select=NO_SPACY), 200) < LINEAR


def test_markdown_work_grows_linearly_with_headings_and_rows():
    heads = {n: "".join(f"{'#' * (2 + h % 3)} Impact {h}\n\n" for h in range(n)) for n in (1000, 2000)}
    assert _growth(lambda n: _review(heads[n], select=NO_SPACY), 1000) < LINEAR
    rows = {
        n: "# Postmortem\n\n## Summary\n\nWork.\n\n## Action items\n\n"
        + "".join(f"| Action {t} | Owner |\n|---|---|\n| Fix {t} | @sre |\n\n" for t in range(n))
        for n in (500, 1000)
    }
    assert _growth(lambda n: _review(rows[n], select=NO_SPACY), 500) < LINEAR


def test_defer_work_grows_linearly_with_the_findings():
    rules = [r for r in default_rules() if r.code in ("BL009", "BL001")]

    def findings(n: int) -> list[Finding]:
        return [_finding("BL009" if i % 2 else "BL001", 10 * i, 10 * i + 5, (10 * i, 10 * i + 9)) for i in range(n)]

    batches = {n: findings(n) for n in (1000, 2000)}
    assert _growth(lambda n: _defer(batches[n], rules), 1000) < LINEAR


# -- deep nesting ----------------------------------------------------------------------------


def _nested(depth: int, ordered: bool = False) -> str:
    marker, step = ("1.", "   ") if ordered else ("-", "  ")
    return "".join(f"{step * d}{marker} level {d}\n" for d in range(depth)) + f"{step * depth}{marker} {HUMAN_ERROR}\n"


@pytest.mark.parametrize("depth", [15, 40, 2 * MAX_NESTING])
@pytest.mark.parametrize("ordered", [False, True])
def test_blame_nested_deep_in_lists_is_found(depth, ordered):
    text = _nested(depth, ordered)
    line = text.splitlines()[-1]
    findings = [f for f in _review(text).findings if f.code == "BL001"]
    assert [(f.line, f.column, f.match) for f in findings] == [(depth + 1, line.index("human") + 1, "human error")]


@pytest.mark.parametrize("depth", [15, 40, 10_000])
def test_blame_nested_on_one_line_is_found(depth):
    text = "- " * depth + HUMAN_ERROR + "\n"
    findings = [f for f in _review(text).findings if f.code == "BL001"]
    assert [(f.line, f.column) for f in findings] == [(1, 2 * depth + 10)]


@pytest.mark.parametrize(
    "text",
    ["> " * 10_000 + HUMAN_ERROR, "> - " * 5_000 + HUMAN_ERROR, "1. " * 10_000 + "x"],
    ids=["quotes", "quoted-lists", "ordered-lists"],
)
def test_ten_thousand_levels_neither_crash_nor_drop_the_text(text):
    doc = parse(Source("deep.md", text + "\n"))
    assert doc.masked.rstrip().endswith(text[-10:])  # the innermost text is a block, not dropped
    assert any(b.end == len(text) for b in doc.blocks)
    assert _review(text).error is None


def test_deep_nesting_leaves_room_on_the_stack():
    """markdown-it recurses once per level up to MAX_NESTING: the parse must fit well inside
    Python's recursion limit even when called from deep inside a caller's stack."""

    def at_depth(k: int) -> int:
        if k:
            return at_depth(k - 1)
        return sum(len(parse(Source("d.md", t)).blocks) for t in ("> " * 10_000 + "x\n", "- " * 10_000 + "x\n"))

    assert at_depth(sys.getrecursionlimit() - 500) == 2


def test_code_nested_past_the_limit_stays_code():
    depth = MAX_NESTING
    fence = "  " * depth + "```\n" + "  " * depth + HUMAN_ERROR + "\n" + "  " * depth + "```\n"
    text = "".join(f"{'  ' * d}- level {d}\n" for d in range(depth)) + fence
    assert [f for f in _review(text).findings if f.code == "BL001"] == []
    text = text.replace("```\n", "\n", 1).replace("```\n", "\n")
    assert [f.line for f in _review(text).findings if f.code == "BL001"] == [depth + 2]


# -- long sentences, repeated sentences ------------------------------------------------------


def test_abbreviations_in_one_long_paragraph_grow_linearly():
    """Every "e.g." is a boundary the splitter checks; the check must not rescan the paragraph."""
    text = {n: "# Notes\n\n" + "It broke e.g. A b c. " * n + "\n" for n in (1000, 2000)}
    assert _growth(lambda n: _review(text[n], select=NO_SPACY), 1000) < LINEAR


def test_a_sentence_past_spacys_length_limit_is_read_in_pieces():
    """spaCy refuses a text over a million characters (E088): such a 'sentence' is cut at spaces."""
    from reviewer.sentences import MAX_SENTENCE

    text = "# Notes\n\n" + "word " * 210_000 + "Dave should have rolled back straight away.\n"
    result = _review(text, select=("BL003",))
    assert result.error is None
    assert [(f.code, f.match) for f in result.findings] == [("BL003", "Dave should have")]
    assert MAX_SENTENCE < 1_000_000


def test_each_distinct_sentence_is_parsed_once(monkeypatch):
    from reviewer import engine

    seen: list[str] = []
    parse_for_real = engine.nlp.parse

    def counting(texts, **kwargs):
        texts = list(texts)
        seen.extend(texts)
        return parse_for_real(texts, **kwargs)

    monkeypatch.setattr(engine.nlp, "parse", counting)
    once = _review("# Notes\n\nDave should have rolled back.\n", select=("BL003",))
    many = _review("# Notes\n\n" + "Dave should have rolled back.\n\n" * 50, select=("BL003",))
    assert len(seen) == 2  # one text per review
    assert len(many.findings) == 50 and {f.match for f in many.findings} == {f.match for f in once.findings}
