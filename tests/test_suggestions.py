"""Concrete rewrites: applying a suggestion gives the system-focused sentence, and the finding goes away."""

from __future__ import annotations

import pytest

CASES = [
    # (text, code, expected text after applying the first replacement of that code)
    ("Hiroko forgot to rotate the signing key.", "BL005", "The signing key was not rotated."),
    ("Dev skipped the load test before the launch.", "BL005", "The load test was skipped before the launch."),
    ("The reviewer should have checked the migration plan.", "BL003", "The migration plan was not checked."),
    ("Ilse failed to update the DNS records.", "BL003", "The DNS records were not updated."),
    ("Lukas's migration took down the reporting database.", "BL004", "The migration took down the reporting database."),
    ("- 02:40 UTC @mira finally acknowledges the page.", "BL006", "- 02:40 UTC @mira acknowledges the page."),
    (
        "The contractor was handed admin rights and, predictably, deleted the volume.",
        "BL006",
        "The contractor was handed admin rights and deleted the volume.",
    ),
    ("Obviously, nobody on the web team read the alert.", "BL006", "Nobody on the web team read the alert."),
    ("The DBA carelessly dropped the wrong table.", "BL002", "The DBA dropped the wrong table."),
    ("Root cause: a stale DNS record.", "RC001", "One contributing factor: a stale DNS record."),
    (
        "Who approved this change?",
        "QU001",
        "What made this change look safe to approve, and what would have shown the risk?",
    ),
    (
        "Why didn't you roll back as soon as the alert fired?",
        "QU002",
        "What made rolling back look unnecessary or unsafe at that moment?",
    ),
    (
        "Why did Dmitri deploy on a Friday evening?",
        "QU002",
        "What made deploying on a Friday evening look like the right call at the time?",
    ),
]


def _apply(result, code: str) -> str:
    source = result.document.source.text
    finding = next(f for f in result.findings if f.code == code)
    s = next(s for s in finding.suggestions if s.start is not None)
    return source[: s.start] + s.text + source[s.end :]


@pytest.mark.parametrize(("text", "code", "expected"), CASES, ids=[f"{c[1]}:{c[0][:30]}" for c in CASES])
def test_rewrite(text: str, code: str, expected: str, review_result) -> None:
    assert _apply(review_result(text), code) == expected


def test_rewrite_is_skipped_when_a_second_verb_would_lose_its_subject(review) -> None:
    findings = review("Tomek ignored the second page and went back to sleep.")
    bl005 = [f for f in findings if f.code == "BL005"]
    assert bl005, "still flagged"
    assert all(s.start is None for f in bl005 for s in f.suggestions), "no broken rewrite offered"


@pytest.mark.parametrize(
    ("text", "code", "safe"),
    [
        ("Root cause: a stale DNS record.", "RC001", True),  # a framing word for another
        ("## Root Cause\n", "RC001", True),
        ("Obviously, nobody on the web team read the alert.", "BL006", True),  # an aside dropped
        ("Hiroko forgot to rotate the signing key.", "BL005", False),  # the clause rewritten
        ("Lukas's migration took down the reporting database.", "BL004", False),  # a person removed
        ("Who approved this change?", "QU001", False),  # a different question
    ],
)
def test_each_suggestion_says_whether_it_is_safe_to_apply(review, text: str, code: str, safe: bool) -> None:
    (finding,) = [f for f in review(text) if f.code == code]
    (suggestion,) = [s for s in finding.suggestions if s.start is not None]
    assert suggestion.safe is safe
