"""Which lines a change touched: unified diffs, from git or from GitHub's pull-request API.

A pull-request bot should comment on what the pull request changes, not on the whole
document. Both ``--diff-base`` (git) and the GitHub bot (each file's ``patch``) reduce
to the same question: the new-file line numbers of added lines.
"""

from __future__ import annotations

import re
from pathlib import Path

from reviewer.git import GitUnavailable, run_git
from reviewer.source import read_bounded

HUNK = re.compile(r"^@@ -\d{1,9}(?:,\d{1,9})? \+(\d{1,9})(?:,(\d{1,9}))? @@")  # 9 digits: int() stays cheap


class DiffError(Exception):
    """git could not produce the diff (not a repository, unknown ref)."""


def added_lines(patch: str) -> set[int]:
    """New-file line numbers of the lines a unified diff adds (``+`` lines of its hunks).

    Accepts one file's hunks (GitHub's ``patch`` field) or a whole file diff with headers.
    Raises ValueError for a hunk header it cannot read.
    """
    out: set[int] = set()
    line: int | None = None
    for raw in patch.splitlines():
        if raw.startswith("@@"):
            m = HUNK.match(raw)
            if m is None:  # never guess: a missed header would shift every line number after it
                raise ValueError(f"unreadable hunk header {raw[:40]!r}")
            line = int(m.group(1))
            continue
        if line is None or raw.startswith("\\"):  # headers before the first hunk; "\ No newline at end of file"
            continue
        if raw.startswith("+"):
            out.add(line)
            line += 1
        elif raw.startswith("-"):
            continue
        else:  # context line (" " or an empty line where trailing whitespace was stripped)
            line += 1
    return out


def parse(diff: str) -> dict[str, set[int]]:
    """``git diff`` output (several files) -> {new path: added line numbers}; deleted files are left out."""
    files: dict[str, set[int]] = {}
    path: str | None = None
    chunk: list[str] = []

    def flush() -> None:
        if path is not None:
            files[path] = added_lines("\n".join(chunk))

    for raw in diff.splitlines():
        if raw.startswith("diff --git "):
            flush()
            path, chunk = None, []
            continue
        if raw.startswith("+++ "):
            target = raw[4:].strip()
            path = None if target == "/dev/null" else _strip_prefix(_unquote(target))
            chunk = []
            continue
        chunk.append(raw)
    flush()
    return files


def _unquote(name: str) -> str:
    """git quotes names with unusual characters in C style: "b/caf\\303\\251.md"."""
    if not (name.startswith('"') and name.endswith('"')):
        return name
    body = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return body.encode("latin-1").decode("utf-8", "replace")


def _strip_prefix(name: str) -> str:
    return name[2:] if name.startswith(("b/", "a/")) else name


def changed_lines(base: str, cwd: Path | None = None) -> tuple[Path, dict[Path, set[int]] | None]:
    """Lines added or changed in the working tree relative to ``base`` (a commit, branch or tag).

    Uses the merge base for ``A...`` style comparison, so a branch behind its base still
    shows only its own changes. Returns the repository root and {absolute path: lines};
    a file absent from the map is unchanged. The map is None in a repository without a
    commit yet (the first commit, where ``HEAD`` names nothing): every line is new.
    """
    if base.startswith("-"):  # would reach git as an option, not a revision
        raise DiffError(f"--diff-base {base!r}: not a git revision")
    root = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    if not _has_commits(root):
        return root, None
    try:
        merge_base = _git(["merge-base", base, "HEAD"], root).strip()
    except DiffError:
        merge_base = base  # no common history (or a plain commit): compare with it directly
    text = _git(["diff", "--no-color", "--no-ext-diff", "--unified=0", "--no-renames", merge_base, "--"], root)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
    try:
        files = {root / p: lines for p, lines in parse(text).items()}
    except ValueError as exc:
        raise DiffError(f"git diff: {exc}") from None
    for name in filter(None, untracked.split("\0")):
        p = root / name
        try:
            data = read_bounded(p)  # an untracked FIFO or huge file must not hang the diff
        except OSError:
            continue
        n = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        files[p] = set(range(1, n + 1))  # a new file: every line is new
    return root, files


def _has_commits(root: Path) -> bool:
    """False before the first commit: ``HEAD`` is unborn, so there is no base to compare with."""
    try:
        _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], root)
    except DiffError:
        return False
    return True


def _git(args: list[str], cwd: Path | None) -> str:
    """git on the user's own checkout: hardened and bounded (reviewer/git.py), their configuration kept."""
    try:
        return run_git(args, cwd or Path.cwd(), isolated=False)
    except GitUnavailable as exc:
        if "not installed" in str(exc):
            raise DiffError("--diff-base needs git, which is not installed") from None
        raise DiffError(str(exc)) from None


def on_changed_lines(findings: list, lines: set[int]) -> list:
    """The findings a change is responsible for: those touching a changed line, plus whole-document ones.

    A whole-document finding (a missing section) has no line of its own to blame, so it
    stays as long as the file changed at all; it is reported once, at its anchor.
    """
    return [f for f in findings if f.whole_document or any(n in lines for n in range(f.line, f.end_line + 1))]
