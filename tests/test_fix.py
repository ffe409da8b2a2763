"""`review --fix`, `--unsafe-fixes` and `--diff`: fixes applied without corrupting the file.

Golden files under tests/fixtures/fix/: NAME.md fixed is NAME.fixed.md (read by a person when
written), and the fixed file reviews clean for the rules whose fixes were applied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.engine import Input, Options, review_inputs
from reviewer.findings import Finding, Severity, Suggestion
from reviewer.fix import apply, fix, plan, raw_offsets, unified_diff
from reviewer.markdown import parse
from reviewer.source import decode

FIXTURES = ROOT / "tests" / "fixtures" / "fix"
GOLDEN = {"RC001": "RC001", "BL002": "BL002", "BL006": "BL006", "PM001": "PM001", "mixed": "BL,RC,PM,QU"}


def _finding(code: str, start: int, end: int, text: str, safe: bool = True) -> Finding:
    return Finding(
        "d.md",
        code,
        code.lower(),
        Severity.WARNING,
        "m",
        start,
        end,
        1,
        1,
        1,
        1,
        "",
        "",
        [Suggestion(text, start, end, safe)],
    )


def _reviewer(select: str):
    options = Options(select=tuple(select.split(",")))

    def review(raw: str) -> list[Finding]:
        return review_inputs([Input("doc.md", None, raw.encode("utf-8"))], options).files[0].findings

    return review


def test_offsets_skip_the_bom_and_map_crlf_to_its_first_character() -> None:
    raw = "\ufeffab\r\ncd\re"
    assert decode("x", raw.encode()).text == "ab\ncd\ne"
    assert raw_offsets(raw) == [1, 2, 3, 5, 6, 7, 8, 9]


def test_overlapping_fixes_wait_for_the_next_pass() -> None:
    edits = plan([_finding("A", 0, 5, "x"), _finding("B", 3, 8, "y"), _finding("C", 8, 9, "z")], unsafe=False)
    assert [code for *_, code in edits] == ["A", "C"]
    assert plan([_finding("U", 0, 2, "x", safe=False)], unsafe=False) == []
    assert len(plan([_finding("U", 0, 2, "x", safe=False)], unsafe=True)) == 1


def test_an_inserted_line_break_takes_the_files_line_ending() -> None:
    assert apply("one\r\ntwo\r\n", [(3, 3, "\nmid", "X")]) == "one\r\nmid\r\ntwo\r\n"


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_fixes(name: str) -> None:
    before = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    review = _reviewer(GOLDEN[name])
    fixed = fix(before, review)
    assert fixed.text == (FIXTURES / f"{name}.fixed.md").read_text(encoding="utf-8")
    left = {f.code for f in review(fixed.text)}
    assert not left & set(fixed.applied), (left, fixed.applied)
    assert fix(fixed.text, review).count == 0


def test_a_fix_inside_a_suppressed_region_is_not_applied() -> None:
    text = "# X\n\n<!-- pmreview-disable-next-line RC001 -->\nThe root cause was a typo.\n"
    assert fix(text, _reviewer("RC001")).text == text


def test_fix_keeps_bom_and_crlf_and_diff_changes_nothing(run_pmreview, tmp_path: Path) -> None:
    source = (FIXTURES / "RC001.md").read_text(encoding="utf-8")
    path = tmp_path / "draft.md"
    original = b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode("utf-8")
    path.write_bytes(original)
    diff = run_pmreview("review", path, "--diff", "--select", "RC001", "--no-cache")
    assert diff.returncode == 1 and path.read_bytes() == original
    assert b"+Checkout failed for 40 minutes. One contributing factor was" in diff.stdout
    fixed = run_pmreview("review", path, "--fix", "--select", "RC001", "--no-cache")
    assert fixed.returncode == 0, fixed.stdout  # nothing remains at or above warning
    assert b"fixed 2 findings in 1 file (RC001 2)" in fixed.stderr
    expected = (FIXTURES / "RC001.fixed.md").read_text(encoding="utf-8").replace("\n", "\r\n")
    assert path.read_bytes() == b"\xef\xbb\xbf" + expected.encode("utf-8")
    again = run_pmreview("review", path, "--diff", "--select", "RC001", "--no-cache")
    assert again.returncode == 0 and again.stdout == b""


def test_unsafe_fixes_apply_the_rewrites_only_when_asked(cli, tmp_path: Path) -> None:
    path = tmp_path / "q.md"
    path.write_text("# X\n\n## Questions\n\n- Who approved this change?\n", encoding="utf-8")
    safe = cli("review", path, "--fix", "--select", "QU001", "--no-cache")
    assert "Who approved" in path.read_text(encoding="utf-8") and safe.exit_code == 1
    unsafe = cli("review", path, "--fix", "--unsafe-fixes", "--select", "QU001", "--no-cache")
    assert "Who approved" not in path.read_text(encoding="utf-8"), unsafe.stdout
    assert "QU001 1" in unsafe.stderr


def test_stdin_prints_the_fixed_text(cli) -> None:
    text = (FIXTURES / "RC001.md").read_text(encoding="utf-8")
    result = cli("review", "-", "--fix", "--select", "RC001", "--no-cache", input=text)
    assert result.stdout == (FIXTURES / "RC001.fixed.md").read_text(encoding="utf-8")


PIECES = [
    "The root cause was a typo.",
    "Bruno finally acknowledged the page.",
    "Who approved this change?",
    "Obviously, nobody checked the queue.",
    "<!-- pmreview-disable-next-line RC001 -->",
    "<!-- pmreview-disable BL006 -->",
    "## Root cause",
    "- The alert went to a muted channel.",
    "| Root cause | Owner |",
    "> The root cause was DNS.",
    "```",
    "",
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=12),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.booleans(),
)
def test_fixing_keeps_a_readable_document_and_twice_is_once(pieces, eol, bom, unsafe) -> None:
    raw = ("\ufeff" if bom else "") + eol.join(["# Draft", "", *pieces, ""])
    review = _reviewer("BL,RC,QU,PM")
    once = fix(raw, review, unsafe)
    parse(decode("d.md", once.text.encode("utf-8")))  # still a document pmreview reads
    assert once.text.startswith("\ufeff") == bom
    if eol == "\r\n":
        assert "\n" not in once.text.replace("\r\n", "")
    assert fix(once.text, review, unsafe).text == once.text


def test_a_diff_marks_a_missing_final_newline() -> None:
    assert unified_diff("d.md", "a\nb", "a\nc").endswith("+c\n\\ No newline at end of file\n")


def test_examples_copy_is_fixed_in_place(cli, tmp_path: Path) -> None:
    draft = tmp_path / "draft.md"
    shutil.copy(ROOT / "examples" / "2026-11-03-checkout-draft.md", draft)
    before = draft.read_text(encoding="utf-8")
    result = cli("review", draft, "--fix", "--no-cache", "-q")
    after = draft.read_text(encoding="utf-8")
    assert after != before and "One contributing factor was a typo" in after
    assert result.exit_code == 1  # blame and action findings remain for a person to rewrite


def test_every_rule_whose_examples_get_a_safe_fix_has_a_golden_file() -> None:
    from reviewer.ruleset import default_rules

    safe = set()
    for rule in default_rules():
        for example in rule.fail:
            result = review_inputs([Input("x.md", None, example.text.encode())], Options(select=(rule.code,)))
            if any(s.safe and s.start is not None for f in result.files[0].findings for s in f.suggestions):
                safe.add(rule.code)
    assert safe and safe <= set(GOLDEN), safe - set(GOLDEN)
