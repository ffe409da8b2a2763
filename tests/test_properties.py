"""Properties that hold for every document, checked on generated Markdown (hypothesis).

A reviewer that runs on strangers' pull requests meets documents nobody wrote a test
for. Whatever the document: no exception; every span lies inside it, starts before it
ends and quotes exactly what ``match`` says; every suggestion replaces a range inside the
document; the same input gives the same output; and a finding keeps its fingerprint when
an unrelated paragraph is added above it.

The documents are built from postmortem-shaped pieces (sections named as real templates
name them, timelines, action items in lists, checkboxes and tables, questions, trigger
phrases) mixed with hostile ones (deep nesting, unclosed fences, HTML, zero-width and
control characters, odd punctuation), so that the rules actually fire.
"""

from __future__ import annotations

import os

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HEADINGS = [
    "Summary",
    "Impact",
    "Timeline",
    "Root cause",
    "Contributing factors",
    "What went well",
    "Action items",
    "Follow-ups",
    "Lessons learned",
    "Questions",
    "Notes",
]
SENTENCES = [
    "This was human error.",
    "Root cause: a bad deploy.",
    "Dave should have rolled back straight away.",
    "The on-call engineer failed to notice the alert.",
    "Who approved this change?",
    "Why didn't you roll back?",
    "The health check failed to detect the stale replica.",
    "Obviously, nobody read the runbook.",
    "The database failed over in 40 seconds and writes resumed.",
    "Error rates rose to 12% for 25 minutes.",
    "@sam ran the import against production by mistake.",
    "The careless config change was finally reverted.",
    "Engineers should double-check durations before merging.",
    "Improve monitoring.",
    "Add an alert on replica lag above 30 s. Owner: @db-team, due 2026-12-01.",
    "?:Who ved",
    "If only the canary had run longer.",
    "The team forgot to renew the certificate.",
]
ODD = [
    "care\u200cless",
    "\u202eevil\u202c",
    "\x1b[2J",
    "\u00ad",
    "é — 検索 🚨",
    "`code`",
    "**bold**",
    "_x_",
    "[link](http://example.invalid)",
    "<b>html</b>",
    "<!-- pmreview-disable-next-line BL001 -->",
    "<!-- pmreview-disable -->",
    "\\",
    "|",
    "?",
    ":",
    "\t",
    "  ",
]


def _sentence() -> st.SearchStrategy[str]:
    word = st.sampled_from(ODD) | st.text(alphabet="abcdefghij ?!.,:;'\"-", min_size=1, max_size=12)
    return st.sampled_from(SENTENCES) | st.lists(word, min_size=1, max_size=6).map(" ".join)


def _paragraph() -> st.SearchStrategy[str]:
    return st.lists(_sentence(), min_size=1, max_size=3).map(" ".join)


@st.composite
def _block(draw) -> str:
    kind = draw(
        st.sampled_from(["heading", "para", "list", "checkbox", "numbered", "table", "code", "quote", "timeline"])
    )
    if kind == "heading":
        return "#" * draw(st.integers(1, 4)) + " " + draw(st.sampled_from(HEADINGS) | _sentence())
    if kind == "para":
        return draw(_paragraph())
    if kind in ("list", "checkbox", "numbered"):
        items = draw(st.lists(st.tuples(st.integers(0, 12), _paragraph()), min_size=1, max_size=5))
        marker = {"list": "- ", "checkbox": "- [ ] ", "numbered": "1. "}[kind]
        return "\n".join("  " * depth + marker + text for depth, text in items)
    if kind == "table":
        rows = draw(st.lists(st.tuples(_sentence(), _sentence()), min_size=1, max_size=4))
        head = draw(st.sampled_from(["| Action | Owner |", "| Item | Due |", "| a | b |"]))
        body = "\n".join(f"| {a.replace('|', ' ')} | {b.replace('|', ' ')} |" for a, b in rows)
        return f"{head}\n|---|---|\n{body}"
    if kind == "code":
        fence = draw(st.sampled_from(["```", "~~~", "```python"]))
        closed = draw(st.booleans())
        return f"{fence}\n{draw(_paragraph())}\n" + ("```" if closed else "")
    if kind == "quote":
        return "> " + draw(_paragraph())
    stamp = draw(st.sampled_from(["14:02 UTC", "14:02", "2026-11-03 14:02", "T+5m"]))
    return f"- {stamp} {draw(_paragraph())}"


@st.composite
def documents(draw) -> str:
    front = draw(st.sampled_from(["", "---\ntitle: Incident\ndate: 2026-11-03\n---\n\n"]))
    blocks = draw(st.lists(_block(), min_size=1, max_size=12))
    return front + "\n\n".join(blocks) + draw(st.sampled_from(["", "\n"]))


def _run(review_result, text: str):
    result = review_result(text, path="generated.md")
    assert result.error is None, result.error
    return result


def _key(result) -> list[tuple]:
    return [
        (
            f.code,
            f.start,
            f.end,
            f.line,
            f.column,
            f.message,
            f.fingerprint,
            [(s.text, s.start, s.end) for s in f.suggestions],
        )
        for f in result.findings
    ]


SETTINGS = settings(
    max_examples=int(os.environ.get("PMREVIEW_PROPERTY_EXAMPLES", "200")),
    deadline=None,
    derandomize="PMREVIEW_PROPERTY_EXAMPLES" not in os.environ,  # CI: the same examples in every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(documents())
def test_spans_suggestions_and_determinism(review_result, text: str) -> None:
    result = _run(review_result, text)
    source = result.source.text
    n = len(source)
    for f in result.findings:
        assert 0 <= f.start <= f.end <= n, (f.code, f.start, f.end, n)
        assert (f.line, f.column) <= (f.end_line, f.end_column), f.code
        assert source[f.start : f.end] == f.match, f.code
        assert result.source.position(f.start) == (f.line, f.column)
        assert result.source.position(f.end) == (f.end_line, f.end_column)
        for s in f.suggestions:
            if s.start is not None:
                assert s.end is not None and 0 <= s.start <= s.end <= n, (f.code, s)
    assert _key(_run(review_result, text)) == _key(result)


@SETTINGS
@given(documents(), st.sampled_from(["The weather was fine that day.", "Nothing happened here."]))
def test_fingerprints_survive_an_unrelated_paragraph_above(review_result, text: str, extra: str) -> None:
    before = _run(review_result, text)
    head, sep, rest = text.partition("---\n\n") if text.startswith("---\n") else ("", "", text)
    after = _run(review_result, f"{head}{sep}{extra}\n\n{rest}")
    kept = {f.fingerprint for f in before.findings if not f.whole_document}
    now = {f.fingerprint for f in after.findings if not f.whole_document}
    assert kept <= now
