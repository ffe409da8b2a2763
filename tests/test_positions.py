"""Exact 1-based positions (columns in code points) and Markdown-aware scoping.

BL001 ("human error") and RC001 ("Root cause: …") are the probes: pure phrase rules,
no parse involved, so the expected spans are known exactly. ``end_column`` is
exclusive (one past the last character), like ruff's.
"""

from __future__ import annotations

import pytest
from conftest import HUMAN_ERROR


def spans(findings: list, code: str) -> list[tuple[int, int, int, int, str]]:
    return [(f.line, f.column, f.end_line, f.end_column, f.match) for f in findings if f.code == code]


def source_slice(text: str, line: int, column: int, end_line: int, end_column: int) -> str:
    """The text between two 1-based positions of an LF document, counting code points."""
    lines = text.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    return text[starts[line - 1] + column - 1 : starts[end_line - 1] + end_column - 1]


POSITIVE = [
    pytest.param("Ünïcödé 🚀 text. This was human error.\n", (1, 26, 1, 37), id="after-multibyte"),
    pytest.param("日本語の説明。\n\nThis was human error.\n", (3, 10, 3, 21), id="after-cjk-paragraph"),
    pytest.param("Ünïcödé 🚀 text.\nThis was human error.\n", (2, 10, 2, 21), id="second-line-after-multibyte"),
    pytest.param("Intro.\n\n- This was human error.\n", (3, 12, 3, 23), id="list-item"),
    pytest.param("1. First.\n2. This was human error.\n", (2, 13, 2, 24), id="ordered-list-item"),
    pytest.param("- Top item.\n  - This was human error.\n", (2, 14, 2, 25), id="nested-list-item"),
    pytest.param("- [ ] This was human error.\n- [x] Fine.\n", (1, 16, 1, 27), id="checkbox-item"),
    pytest.param(
        "| Area | Note |\n| --- | --- |\n| Deploy | This was human error. |\n", (3, 21, 3, 32), id="table-cell"
    ),
    pytest.param(
        "| Ünï 🚀 | Note |\n| --- | --- |\n| Dé 🚀 | This was human error. |\n",
        (3, 19, 3, 30),
        id="table-cell-after-multibyte",
    ),
    pytest.param("- 🚀 Ünïcödé: this was human error.\n", (1, 23, 1, 34), id="list-item-after-multibyte"),
    pytest.param("This is **human error** indeed.\n", (1, 11, 1, 22), id="inside-emphasis"),
    pytest.param("See [human error](https://example.com) here.\n", (1, 6, 1, 17), id="link-text"),
    pytest.param("This was human\nerror in the end.\n", (1, 10, 2, 6), id="across-soft-line-break"),
    pytest.param("Heading\n=======\n\nThis was human error.\n", (4, 10, 4, 21), id="after-setext-heading"),
    pytest.param("This was human error.", (1, 10, 1, 21), id="no-final-newline"),
    pytest.param("-\tThis was human error.\n", (1, 12, 1, 23), id="tab-after-list-marker"),
    pytest.param("Ünï\u2028 human error.\n", (1, 6, 1, 17), id="u2028-is-not-a-line-break"),
]


@pytest.mark.parametrize(("text", "expected"), POSITIVE)
def test_bl001_positions(review, text: str, expected: tuple[int, int, int, int]) -> None:
    found = spans(review(text, select="BL001"), "BL001")
    assert len(found) == 1, found
    line, col, end_line, end_col, match = found[0]
    assert (line, col, end_line, end_col) == expected
    assert " ".join(match.split()) == "human error"
    assert source_slice(text, line, col, end_line, end_col) == match


def test_column_counts_code_points_not_bytes_or_utf16(review) -> None:
    text = "Ünïcödé 🚀 text. This was human error.\n"
    (f,) = review(text, select="BL001")
    prefix = text.split("\n")[0][: f.column - 1]
    assert prefix == "Ünïcödé 🚀 text. This was "
    assert f.column == len(prefix) + 1 == 26
    assert len(prefix.encode("utf-8")) + 1 != f.column  # not a byte column
    assert len(prefix.encode("utf-16-le")) // 2 + 1 != f.column  # not a UTF-16 column


def test_two_findings_on_one_line(review) -> None:
    text = "First human error, then operator error.\n"
    found = spans(review(text, select="BL001"), "BL001")
    assert found == [(1, 7, 1, 18, "human error"), (1, 25, 1, 39, "operator error")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Who approved\nthis change?\n", (1, 1, 2, 13)),
        ("- [ ] 🚀 Who approved this change?\n", (1, 9, 1, 34)),
    ],
)
def test_question_spans(review, text: str, expected: tuple[int, int, int, int]) -> None:
    (f,) = review(text, select="QU001")
    assert (f.line, f.column, f.end_line, f.end_column) == expected
    assert source_slice(text, *expected) == f.match


def test_rc001_position_and_table_row(review) -> None:
    text = "Intro line.\n\nRoot cause: a bad deploy.\n"
    assert spans(review(text, select="RC001"), "RC001") == [(3, 1, 3, 11, "Root cause")]
    table = "| Field | Value |\n| --- | --- |\n| Root cause | expired cert |\n"
    assert spans(review(table, select="RC001"), "RC001") == [(3, 3, 3, 13, "Root cause")]


NEGATIVE = [
    pytest.param("# This was human error\n", id="atx-heading"),
    pytest.param("## Root cause: bad deploy\n", id="atx-heading-rc"),
    pytest.param("> This was human error.\n", id="blockquote"),
    pytest.param("> Quoted intro\n> This was human error.\n", id="blockquote-second-line"),
    pytest.param("```\nThis was human error.\n```\n", id="fenced-code"),
    pytest.param("~~~text\nRoot cause: a bad deploy.\n~~~\n", id="tilde-fence"),
    pytest.param("    This was human error.\n", id="indented-code"),
    pytest.param("We saw `human error` in the logs.\n", id="inline-code"),
    pytest.param("We saw ``a human error`` in the logs.\n", id="double-backtick-code"),
    pytest.param("See https://wiki.example.com/PEBKAC for the glossary.\n", id="bare-url"),
    pytest.param("See <https://wiki.example.com/PEBKAC> for the glossary.\n", id="autolink"),
    pytest.param("See [the glossary](https://wiki.example.com/PEBKAC) for details.\n", id="link-target"),
    pytest.param("Notes at https://example.com/RCA-2024 are here.\n", id="url-rca"),
    pytest.param("<!-- This was human error. -->\n\nAll fine.\n", id="html-comment"),
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_not_flagged(review, text: str) -> None:
    assert review(text, select=("BL001", "RC001")) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("# Incident 42\n\nThis was human error.\n", "BL001"),
        ("It was PEBKAC.\n", "BL001"),
        ("Notes: RCA - the log filled.\n", "RC001"),
        ("See the glossary for details. It was PEBKAC.\n", "BL001"),
        ("Text before the fence.\n\n```\ncode\n```\n\nThis was human error.\n", "BL001"),
    ],
)
def test_controls_for_negative_cases_are_flagged(review, text: str, code: str) -> None:
    """The negative cases above fail only because of their context, not their words."""
    assert code in {f.code for f in review(text, select=(code,))}


def test_heading_scope_is_the_default_exclusion(review) -> None:
    # Same words, once as a heading and once as a paragraph: only the paragraph is flagged.
    text = "# This was human error\n\nThis was human error.\n"
    assert spans(review(text, select="BL001"), "BL001") == [(3, 10, 3, 21, "human error")]


LF = "Intro line.\n\n- This was human error.\n\nRoot cause: a bad deploy.\n\n| A | B |\n| --- | --- |\n| x | Root cause: y |\n"


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(LF.replace("\n", "\r\n"), id="crlf"),
        pytest.param("\ufeff" + LF, id="bom"),
        pytest.param("\ufeff" + LF.replace("\n", "\r\n"), id="bom-crlf"),
        pytest.param(LF.replace("\n", "\r"), id="cr"),
    ],
)
def test_line_endings_and_bom_give_lf_positions(review, variant: str) -> None:
    expected = [
        (f.line, f.column, f.end_line, f.end_column, f.code, f.match) for f in review(LF, select=("BL001", "RC001"))
    ]
    assert len(expected) == 3
    got = [
        (f.line, f.column, f.end_line, f.end_column, f.code, f.match)
        for f in review(variant, select=("BL001", "RC001"))
    ]
    assert got == expected
    for f in review(variant, select=("BL001", "RC001")):
        assert "\r" not in f.match and "\ufeff" not in f.match


def test_bom_on_first_line_column_one(review) -> None:
    (f,) = review("\ufeffRoot cause: a bad deploy.\r\n", select="RC001")
    assert (f.line, f.column, f.end_column, f.match) == (1, 1, 11, "Root cause")


def test_match_is_the_source_slice(review_result) -> None:
    text = "Ünïcödé 🚀.\n\n- [ ] " + HUMAN_ERROR + "\n\n| k | v |\n| - | - |\n| a | Root cause: z |\n"
    result = review_result(text, select=("BL001", "RC001"))
    assert len(result.findings) == 2
    source = result.document.source
    for f in result.findings:
        assert source.text[f.start : f.end] == f.match
        assert source.position(f.start) == (f.line, f.column)
        assert source.position(f.end) == (f.end_line, f.end_column)
        assert source_slice(text, f.line, f.column, f.end_line, f.end_column) == f.match


def test_finding_carries_section(review) -> None:
    text = "# Incident\n\n## Timeline\n\nSome text.\n\n## Contributing factors\n\nRoot cause: a bad deploy.\n"
    (f,) = review(text, select="RC001")
    assert f.line == 9
    assert f.section == "contributing_factors"


def test_table_inside_blockquote_is_not_flagged(review) -> None:
    text = "> | Area | Note |\n> | --- | --- |\n> | Deploy | This was human error. |\n"
    assert review(text, select="BL001") == []


def test_table_inside_list_item_is_flagged(review) -> None:
    text = "- Item\n\n  | A | B |\n  | --- | --- |\n  | x | This was human error. |\n"
    assert spans(review(text, select="BL001"), "BL001") == [(5, 18, 5, 29, "human error")]
