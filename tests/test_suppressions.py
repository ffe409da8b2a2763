"""Inline suppression directives in HTML comments, and PM001/PM002 about them."""

from __future__ import annotations

import pytest
from conftest import HUMAN_ERROR


def lines_of(findings: list, code: str) -> list[int]:
    return [f.line for f in findings if f.code == code]


def test_disable_enable_range_suppresses_only_inside(review) -> None:
    text = (
        f"{HUMAN_ERROR}\n"  # 1: before the range
        "\n"
        "<!-- pmreview-disable BL001 -->\n"  # 3
        f"{HUMAN_ERROR}\n"  # 4: suppressed
        "\n"
        "Another human error here.\n"  # 6: suppressed
        "<!-- pmreview-enable -->\n"  # 7
        "\n"
        "Final human error.\n"  # 9: after the range
    )
    findings = review(text)
    assert lines_of(findings, "BL001") == [1, 9]
    assert lines_of(findings, "PM001") == []  # the directive was used


def test_disable_range_only_covers_its_selector(review) -> None:
    text = f"<!-- pmreview-disable BL001 -->\n{HUMAN_ERROR}\n\nRoot cause: a bad deploy.\n<!-- pmreview-enable -->\n"
    findings = review(text)
    assert lines_of(findings, "BL001") == []
    assert lines_of(findings, "RC001") == [4]


def test_disable_without_enable_runs_to_end_of_file(review) -> None:
    text = f"{HUMAN_ERROR}\n\n<!-- pmreview-disable BL001 -->\n\n{HUMAN_ERROR}\n\n{HUMAN_ERROR}\n"
    assert lines_of(review(text), "BL001") == [1]


def test_disable_all_rules_range(review) -> None:
    text = f"<!-- pmreview-disable -->\n{HUMAN_ERROR}\nRoot cause: a bad deploy.\n<!-- pmreview-enable -->\n\n{HUMAN_ERROR}\n"
    findings = review(text)
    assert lines_of(findings, "BL001") == [6]
    assert lines_of(findings, "RC001") == []


@pytest.mark.parametrize("selector", ["BL001", "BL", "bl001", "human-error-attribution", "BL001,RC001", "RC001 BL001"])
def test_disable_next_line(review, selector: str) -> None:
    text = f"<!-- pmreview-disable-next-line {selector} -->\n{HUMAN_ERROR}\n\n{HUMAN_ERROR}\n"
    findings = review(text, select="BL001")
    assert lines_of(findings, "BL001") == [4]


def test_disable_next_line_skips_blank_lines(review) -> None:
    text = f"<!-- pmreview-disable-next-line BL001 -->\n\n{HUMAN_ERROR}\n\n{HUMAN_ERROR}\n"
    assert lines_of(review(text, select="BL001"), "BL001") == [5]


def test_disable_next_line_with_other_code_does_not_suppress(review) -> None:
    text = f"<!-- pmreview-disable-next-line RC001 -->\n{HUMAN_ERROR}\n"
    findings = review(text)
    assert lines_of(findings, "BL001") == [2]
    assert lines_of(findings, "PM001") == [1]  # and the directive is reported as unused


def test_disable_file(review) -> None:
    text = (
        f"{HUMAN_ERROR}\n\n<!-- pmreview-disable-file -->\n\nRoot cause: a bad deploy.\n\nWho approved this change?\n"
    )
    assert review(text) == []


def test_disable_file_with_selector(review) -> None:
    text = f"<!-- pmreview-disable-file BL001 -->\n{HUMAN_ERROR}\n\nRoot cause: a bad deploy.\n\n{HUMAN_ERROR}\n"
    findings = review(text)
    assert lines_of(findings, "BL001") == []
    assert lines_of(findings, "RC001") == [4]


def test_unused_directive_is_pm001_info(review) -> None:
    text = "Intro.\n\n<!-- pmreview-disable-next-line BL001 -->\nThe database failed over in 40 seconds.\n"
    (f,) = review(text)
    assert f.code == "PM001"
    assert str(f.severity) == "info"
    assert (f.line, f.column) == (3, 1)
    assert f.match == "<!-- pmreview-disable-next-line BL001 -->"
    assert "BL001" in f.message


def test_unused_range_and_file_directives_are_reported(review) -> None:
    text = (
        "<!-- pmreview-disable-file RC001 -->\n\n<!-- pmreview-disable BL001 -->\nAll good.\n<!-- pmreview-enable -->\n"
    )
    assert lines_of(review(text), "PM001") == [1, 3]


def test_used_directive_is_not_reported(review) -> None:
    text = f"<!-- pmreview-disable-next-line BL001 -->\n{HUMAN_ERROR}\n"
    assert review(text) == []


def test_pm001_can_itself_be_ignored(review) -> None:
    text = "<!-- pmreview-disable-next-line BL001 -->\nAll good.\n"
    assert review(text, ignore="PM001") == []


@pytest.mark.parametrize(
    ("directive", "needle"),
    [
        ("<!-- pmreview-disabel BL001 -->", "pmreview-disabel"),
        ("<!-- pmreview-disable-next-line XX999 -->", "XX999"),
        ("<!-- pmreview-disable-next-line BL999 -->", "BL999"),
        ("<!-- pmreview-disable no-such-rule -->", "no-such-rule"),
    ],
)
def test_invalid_directive_is_pm002(review, directive: str, needle: str) -> None:
    findings = review(f"{directive}\n{HUMAN_ERROR}\n")
    pm002 = [f for f in findings if f.code == "PM002"]
    assert len(pm002) == 1
    assert str(pm002[0].severity) == "warning"
    assert pm002[0].line == 1
    assert needle in pm002[0].message
    # An invalid directive suppresses nothing, and is not also reported as unused.
    assert lines_of(findings, "BL001") == [2]
    assert lines_of(findings, "PM001") == []


@pytest.mark.parametrize(
    "text",
    [
        f"```\n<!-- pmreview-disable-file -->\n```\n\n{HUMAN_ERROR}\n",
        f"```markdown\n<!-- pmreview-disable-next-line BL001 -->\n{HUMAN_ERROR}\n```\n\n{HUMAN_ERROR}\n",
        f"    <!-- pmreview-disable-file -->\n\n{HUMAN_ERROR}\n",
        f"Use `<!-- pmreview-disable-file -->` to silence a file.\n\n{HUMAN_ERROR}\n",
    ],
    ids=["fenced", "fenced-next-line", "indented-code", "inline-code"],
)
def test_directive_in_code_is_ignored(review, text: str) -> None:
    findings = review(text)
    assert codes_by_line(findings) == [("BL001", len(text.rstrip("\n").split("\n")))]


def test_misspelt_directive_in_code_is_not_pm002(review) -> None:
    text = "```\n<!-- pmreview-disabel -->\n```\n\nAll good.\n"
    assert review(text) == []


def test_ordinary_comment_is_not_a_directive(review) -> None:
    assert review("<!-- a normal comment about pmreview -->\nAll good.\n") == []


def codes_by_line(findings: list) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in findings]


def test_enable_with_unknown_selector_is_pm002(review) -> None:
    text = f"<!-- pmreview-disable BL001 -->\n{HUMAN_ERROR}\n<!-- pmreview-enable XX999 -->\n\n{HUMAN_ERROR}\n"
    findings = review(text)
    pm002 = [f for f in findings if f.code == "PM002"]
    assert [f.line for f in pm002] == [3]
    assert "XX999" in pm002[0].message
