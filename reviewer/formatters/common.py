"""What the CI formats share: finding order, repository-relative paths, byte columns, rule lookup.

Kept apart from any one format so that SARIF, reviewdog, GitHub, GitLab and the
Markdown summary agree on which finding comes first and on what a path means.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from reviewer.engine import FileResult, Report
from reviewer.findings import Finding, Severity
from reviewer.ruleset import Rule
from reviewer.source import Source

TOOL_NAME = "pmreview"


def ordered(report: Report) -> list[tuple[FileResult, Finding]]:
    """Most severe first, then file order, line and column: where a format must cut, it cuts the least useful."""
    pairs = [(i, r, f) for i, r in enumerate(report.files) for f in r.findings]
    pairs.sort(key=lambda t: (-int(t[2].severity), t[0], t[2].line, t[2].column, t[2].code))
    return [(r, f) for _, r, f in pairs]


def in_file_order(report: Report) -> list[tuple[FileResult, Finding]]:
    """Every finding with its file, in the order the files were given and the findings sit in them."""
    return [(r, f) for r in report.files for f in r.findings]


def repo_relative(path: str, root: Path) -> str | None:
    """``path`` (as given, relative to the working directory) relative to ``root``, with forward slashes.

    None when the file lies outside ``root``; lexical (no symlink resolution), so a
    symlinked draft is reported where the user put it.
    """
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return None


def display_path(path: str, root: Path) -> str:
    """The repository-relative path when there is one, else the path as given with forward slashes."""
    return repo_relative(path, root) or path.replace(os.sep, "/")


def byte_column(source: Source | None, line: int, column: int) -> int:
    """Convert a 1-based code-point column into a 1-based UTF-8 byte column (reviewdog's unit).

    Without the source (it is always there for reviewed files) the code-point column is
    the best available answer.
    """
    if source is None or not 1 <= line <= len(source.line_starts):
        return column
    text = source.line_text(line)
    before = text[: column - 1]
    return len(before.encode("utf-8")) + max(0, column - 1 - len(text)) + 1


def last_line(finding: Finding) -> int:
    """The last line the span touches: an exclusive end at column 1 belongs to the line before."""
    if finding.end_line > finding.line and finding.end_column == 1:
        return finding.end_line - 1
    return finding.end_line


def rule_table(report: Report) -> dict[str, Rule]:
    """The rules that applied, by code (cached files list theirs too)."""
    return dict(sorted(report.rules.items()))


def advice(finding: Finding, source: Source | None) -> str:
    """The one line a person needs next: the rewritten line when a replacement exists, else the instruction."""
    from reviewer.formatters.text import _applied

    replacement = next((s for s in finding.suggestions if s.start is not None and s.end is not None), None)
    if replacement is not None and source is not None:
        return "Suggestion: " + _applied(source, replacement)
    return f"Help: {finding.fix}" if finding.fix else ""


def plural(n: int, word: str) -> str:
    """``1 warning``, ``2 warnings``; ``info`` does not take an s."""
    return f"{n} {word}" + ("s" if n != 1 and word != "info" else "")


def severity_parts(counts: dict[str, int]) -> str:
    """``2 errors, 1 info`` from Report.counts(), leaving out the zeros."""
    return ", ".join(plural(n, sev) for sev, n in counts.items() if n)


SEVERITY_ORDER = tuple(sorted(Severity, reverse=True))


def statistics(report: Report) -> list[dict[str, str | int]]:
    """Findings per rule, most first (then by code): ``--statistics`` in text and JSON.

    A rule's severity is that of its findings (a configuration may have changed it from
    the rule's own); should they differ, the highest."""
    counts = Counter(f.code for f in report.findings)
    names: dict[str, str] = {}
    levels: dict[str, Severity] = {}
    for f in report.findings:
        names[f.code] = f.name
        levels[f.code] = max(levels.get(f.code, f.severity), f.severity)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"code": c, "name": names[c], "severity": str(levels[c]), "count": n} for c, n in ranked]
