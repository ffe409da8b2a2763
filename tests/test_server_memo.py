"""The server's parse memo (reviewer/server/memo.py) changes how often spaCy runs, never what is found.

Reviews in this process with the memo in front of ``reviewer.nlp.parse``, then without it, must
agree finding for finding; the memo is taken out again afterwards, so no other test sees it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

DRAFT = (ROOT / "examples" / "2026-11-03-checkout-draft.md").read_text(encoding="utf-8")


def _findings(text: str) -> list[tuple]:
    from reviewer.server.review import review_buffer

    reviewed = review_buffer(text, Path("/nonexistent/draft.md"))
    assert reviewed.problem is None, reviewed.problem
    return [(f.code, f.start, f.end, f.message, tuple(f.suggestions)) for f in reviewed.findings]


@pytest.fixture
def memo():
    from reviewer import nlp
    from reviewer.server import memo as memo_module

    original = nlp.parse
    installed = memo_module.install(max_entries=64)  # small, so eviction happens too
    try:
        yield installed
    finally:
        nlp.parse = original


def test_the_memo_reuses_parses_and_finds_the_same(memo) -> None:
    edited = DRAFT.replace("Bruno finally acknowledges", "Bruno acknowledges")
    with_memo = [_findings(DRAFT), _findings(edited), _findings(DRAFT)]
    assert memo.hits > 0 and memo.misses > 0
    assert len(memo._docs) <= 64
    from reviewer import nlp

    nlp.parse = memo._parse
    without = [_findings(DRAFT), _findings(edited), _findings(DRAFT)]
    assert with_memo == without
    assert with_memo[0] != with_memo[1]  # the edit removed BL006: the comparison can tell drafts apart
