"""Precision and recall guards on sentences written for this project (one per paragraph).

clean.md holds neutral mentions of people, system failures described with "failed to" /
"should have", impact and rota questions, explained decisions and praise: none may get a
BL or QU finding. blame.md holds blameful sentences and person-centred questions, most
without the obvious keywords: each must get at least one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "language"


def _paragraphs(name: str) -> list[str]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if p.strip()]


@pytest.mark.parametrize("sentence", _paragraphs("clean.md"))
def test_clean_sentence_is_not_flagged(sentence: str, review) -> None:
    codes = {f.code for f in review(sentence)}
    assert not {c for c in codes if c.startswith(("BL", "QU"))}, codes


@pytest.mark.parametrize("sentence", _paragraphs("blame.md"))
def test_blameful_sentence_is_flagged(sentence: str, review) -> None:
    codes = {f.code for f in review(sentence)}
    assert {c for c in codes if c.startswith(("BL", "QU"))}, sentence
