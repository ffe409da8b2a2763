"""--diff-base / --changed-lines-only: only what a change touched is reported."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reviewer.diff import added_lines, parse

PATCH = """@@ -3,4 +3,5 @@ intro
 context one
-old line
+new line
+another new line
 context two
@@ -20,0 +22,1 @@
+appended
\\ No newline at end of file"""


def test_added_lines_follows_hunk_numbering() -> None:
    assert added_lines(PATCH) == {4, 5, 22}


def test_added_lines_of_a_new_file() -> None:
    assert added_lines("@@ -0,0 +1,3 @@\n+a\n+b\n+c") == {1, 2, 3}


def test_parse_git_diff_with_several_files_and_a_deletion() -> None:
    diff = (
        "diff --git a/a.md b/a.md\n--- a/a.md\n+++ b/a.md\n@@ -1 +1 @@\n-x\n+y\n"
        "diff --git a/gone.md b/gone.md\n--- a/gone.md\n+++ /dev/null\n@@ -1 +0,0 @@\n-z\n"
        'diff --git "a/caf\\303\\251.md" "b/caf\\303\\251.md"\n--- "a/caf\\303\\251.md"\n'
        '+++ "b/caf\\303\\251.md"\n@@ -2,0 +3,2 @@\n+p\n+q\n'
    )
    assert parse(diff) == {"a.md": {1}, "café.md": {3, 4}}


# A long postmortem: the edit below touches only the Impact paragraph.
BEFORE = """# Incident: checkout latency

## Summary

Checkout requests slowed down for 40 minutes after a cache node was replaced.

## Impact

About 12% of checkout requests took longer than 5 seconds between 09:10 and 09:50 UTC.

## Timeline

- 09:10 UTC latency alert fired
- 09:14 UTC the on-call engineer acknowledged the page
- 09:50 UTC the cache warmed up and latency recovered

## Contributing factors

- Mallory was careless and replaced the node without warming it.

## Action items

- [ ] Add cache warm-up to the node replacement runbook (owner: @platform, due 2026-12-15)
"""
EDIT = BEFORE.replace(
    "About 12% of checkout requests took longer than 5 seconds between 09:10 and 09:50 UTC.",
    "About 12% of checkout requests took longer than 5 seconds. This was human error.",
)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo, check=True, capture_output=True
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _git(tmp_path, "init", "-q")
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "checkout.md").write_text(BEFORE, encoding="utf-8")
    (tmp_path / "postmortems" / "untouched.md").write_text(BEFORE, encoding="utf-8")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _codes_and_lines(result) -> list[tuple[str, int, str]]:
    return sorted((f["code"], f["line"], f["path"]) for f in json.loads(result.output)["findings"])


def test_only_the_changed_paragraph_is_reported(cli, repo: Path) -> None:
    full = _codes_and_lines(cli("review", "--no-cache", "--format", "json", "postmortems"))
    assert any(code == "BL002" and line == 19 for code, line, _ in full)  # "careless", unchanged line

    (repo / "postmortems" / "checkout.md").write_text(EDIT, encoding="utf-8")
    result = cli("review", "--no-cache", "--format", "json", "--diff-base", "HEAD", "postmortems")
    found = _codes_and_lines(result)
    assert found, result.output
    assert {line for code, line, _ in found if code != "ST005"} == {9}
    assert ("ST005", 1, "postmortems/checkout.md") in found  # no "What went well": about the whole document
    assert "BL001" in {code for code, _, _ in found}
    assert {path for _, _, path in found} == {"postmortems/checkout.md"}
    assert result.exit_code == 1


def test_whole_document_findings_stay_once(cli, repo: Path) -> None:
    edited = EDIT.replace("## Action items\n\n- [ ] Add cache warm-up", "## Notes\n\n- [ ] Add cache warm-up")
    (repo / "postmortems" / "checkout.md").write_text(edited, encoding="utf-8")
    found = _codes_and_lines(cli("review", "--no-cache", "--format", "json", "--changed-lines-only", "postmortems"))
    ai006 = [f for f in found if f[0] == "AI006"]
    assert len(ai006) == 1  # missing action items: about the document, anchored at its title
    assert {line for code, line, _ in found if code not in ("AI006", "ST001", "ST005")} <= {9, 23}


def test_unchanged_tree_reports_nothing(cli, repo: Path) -> None:
    result = cli("review", "--no-cache", "--format", "json", "--diff-base", "HEAD", "postmortems")
    assert json.loads(result.output)["findings"] == []
    assert result.exit_code == 0


def test_unknown_ref_is_a_usage_error(cli, repo: Path) -> None:
    result = cli("review", "--no-cache", "--diff-base", "no-such-ref", "postmortems")
    assert result.exit_code == 2


def test_a_ref_that_looks_like_an_option_never_reaches_git(cli, repo: Path) -> None:
    out = repo / "written-by-git.txt"
    result = cli("review", "--no-cache", f"--diff-base=--output={out}", "postmortems")
    assert result.exit_code == 2
    assert "not a git revision" in result.stderr
    assert not out.exists()


def test_untracked_fifo_does_not_hang_the_diff(cli, repo: Path) -> None:
    import os

    os.mkfifo(repo / "postmortems" / "pipe.md")
    result = cli("review", "--no-cache", "--format", "json", "--changed-lines-only", "postmortems")
    assert result.exit_code in (0, 1)  # reached the end; a folder walk skips what is not a regular file
    assert "Traceback" not in result.output


@pytest.mark.parametrize("flags", [("--changed-lines-only",), ("--diff-base", "HEAD")])
def test_before_the_first_commit_every_line_is_new(cli, tmp_path: Path, monkeypatch, flags: tuple[str, ...]) -> None:
    """The documented pre-commit hook on a new repository's first commit: HEAD names nothing yet."""
    _git(tmp_path, "init", "-q")
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "first.md").write_text(BEFORE, encoding="utf-8")
    _git(tmp_path, "add", ".")  # staged, as pre-commit sees it
    monkeypatch.chdir(tmp_path)
    full = _codes_and_lines(cli("review", "--no-cache", "--format", "json", "postmortems"))
    result = cli("review", "--no-cache", "--format", "json", *flags, "postmortems")
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""
    assert full and _codes_and_lines(result) == full
