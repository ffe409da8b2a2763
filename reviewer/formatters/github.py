"""``--format github``: GitHub Actions workflow commands, shown as annotations on the pull request.

GitHub displays at most 10 annotations of each type (error, warning, notice) per step
and silently drops the rest, so this format picks the 10 most severe, earliest ones of
each type itself and ends with a notice saying how many were cut. See docs/formats.md.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from reviewer.docs import rule_url
from reviewer.engine import Report
from reviewer.findings import Finding, Severity
from reviewer.formatters.common import TOOL_NAME, advice, display_path, ordered, plural
from reviewer.terminal import printable
from reviewer.workspace import repo_root

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
LIMIT = 10
"""Annotations GitHub shows per type and step."""


def escape_data(text: str) -> str:
    """The message part of a workflow command: only %, CR and LF are special to GitHub.

    Control characters are made inert too: the runner's log renders ANSI escapes.
    """
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """A property value: also ':' and ',', which would end the value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, properties: dict[str, Any], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{kind} {props}::{escape_data(message)}" if props else f"::{kind}::{escape_data(message)}"


def annotation(finding: Finding, source, root: Path) -> str:
    properties: dict[str, Any] = {"file": display_path(finding.path, root), "line": finding.line}
    if finding.end_line == finding.line:
        # GitHub honours columns only on single-line annotations
        properties |= {"col": finding.column, "endLine": finding.end_line, "endColumn": finding.end_column}
    else:
        properties["endLine"] = finding.end_line
    properties["title"] = f"{finding.code} {finding.name}"
    lines = [finding.message, advice(finding, source), f"See {rule_url(finding.code)}"]
    return command(COMMANDS[finding.severity], properties, "\n".join(line for line in lines if line))


def format_github(report: Report, limit: int = LIMIT, root: Path | None = None, **_: Any) -> str:
    """``limit``: annotations per type (GitHub's own cap is 10); ``root``: what file paths are relative to."""
    root = root or repo_root()
    items: list[tuple[str, str]] = [
        ("error", command("error", {"file": display_path(r.path, root), "title": TOOL_NAME}, r.error))
        for r in report.files
        if r.error
    ]
    items += [(COMMANDS[f.severity], annotation(f, r.source, root)) for r, f in ordered(report)]
    total = Counter(kind for kind, _ in items)
    caps = dict.fromkeys(COMMANDS.values(), limit)
    cut_needed = any(n > limit for n in total.values())
    if cut_needed:
        caps["notice"] = max(0, limit - 1)  # leave room for the notice that says what was cut
    shown: Counter[str] = Counter()
    out = []
    for kind, line in items:
        if shown[kind] < caps[kind]:
            shown[kind] += 1
            out.append(line)
    if cut_needed:
        cut = {kind: total[kind] - shown[kind] for kind in COMMANDS.values() if total[kind] > shown[kind]}
        hidden = sum(cut.values())
        parts = ", ".join(plural(n, kind) for kind, n in cut.items())
        out.append(
            command(
                "notice",
                {"title": f"{TOOL_NAME}: {plural(hidden, 'annotation')} not shown"},
                f"GitHub shows at most {limit} annotations of each type per step; not shown: {parts}. "
                f"Run `pmreview review` on the same files (or upload --format sarif to code scanning) "
                f"to see all {sum(total.values())}.",
            )
        )
    return "".join(line + "\n" for line in out)
