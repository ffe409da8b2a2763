"""``--format text``: findings grouped by file, for a person at a terminal.

Everything taken from a document (its path, the quoted match in a message, the source
line, the suggestion) goes through ``printable`` before it is styled: a draft must not be
able to write escape sequences to the reader's terminal.
"""

from __future__ import annotations

from typing import Any

import click

from reviewer.engine import Report
from reviewer.findings import Severity
from reviewer.formatters.common import statistics
from reviewer.terminal import one_line, printable

COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def format_text(report: Report, color: bool = False, show_source: bool = True, summary: bool = True, **_: Any) -> str:
    """The findings by file, then one summary line (``summary=False``: ``--quiet``). Errors are not
    part of it: the command prints each once, on stderr, whatever the format."""

    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if color else text

    out: list[str] = []
    for result in report.files:
        if result.error or not result.findings:
            continue
        out.append(style(one_line(result.path), bold=True, underline=True))
        source = result.source
        for f in result.findings:
            where = f"{f.line}:{f.column}"
            sev = style(f"{f.severity!s:<7}", fg=COLOURS[f.severity])
            out.append(
                f"  {where:<8} {sev} {style(f.code, bold=True)} {printable(f.message)}  {style('[' + f.name + ']', dim=True)}"
            )
            if show_source and source is not None:
                line_text = printable(source.line_text(f.line))
                end = f.end_column if f.end_line == f.line else len(line_text) + 1
                prefix = line_text[: f.column - 1].replace("\t", " ")
                out.append(style("           │ ", dim=True) + line_text.replace("\t", " "))
                out.append(
                    style("           │ ", dim=True)
                    + " " * len(prefix)
                    + style("^" * max(1, end - f.column), fg=COLOURS[f.severity])
                )
            replacement = next((s for s in f.suggestions if s.start is not None), None)
            if replacement is not None and source is not None:
                out.append(style("           = suggest: ", fg="green") + printable(_applied(source, replacement)))
            elif f.fix:
                out.append(style("           = help: ", fg="green") + printable(f.fix))
        out.append("")
    files = len([r for r in report.files if not r.error])
    if not summary or not files:  # no file reviewed: the errors (on stderr) say it all
        return "\n".join(out) + "\n" if out else ""
    counts = report.counts()
    total = sum(counts.values())
    if total:
        parts = ", ".join(f"{n} {sev}" + ("s" if n != 1 and sev != "info" else "") for sev, n in counts.items() if n)
        out.append(
            style(
                f"Found {total} finding{'s' if total != 1 else ''} ({parts}) in {files} file{'s' if files != 1 else ''}.",
                bold=True,
            )
        )
    else:
        out.append(style(f"No findings in {files} file{'s' if files != 1 else ''}.", fg="green", bold=True))
    return "\n".join(out) + "\n"


def _applied(source, suggestion) -> str:
    """The suggestion as the rewritten line(s), which reads better than a bare fragment."""
    first, _ = source.position(suggestion.start)
    last, _ = source.position(suggestion.end)
    start = source.offset(first)
    end = source.offset(last + 1) - 1 if last < len(source.line_starts) else len(source.text)
    text = source.text[start : suggestion.start] + suggestion.text + source.text[suggestion.end : end]
    return " ".join(text.split())


def format_statistics(report: Report, color: bool = False, **_: Any) -> str:
    """``--statistics``: one line per rule that fired, most findings first (``ruff check --statistics``)."""
    rows = statistics(report)
    if not rows:
        return ""
    width = len(str(rows[0]["count"]))
    lines = []
    for row in rows:
        sev = f"{row['severity']:<7}"
        if color:
            sev = click.style(sev, fg=COLOURS[Severity.parse(row["severity"])])
        lines.append(f"{row['count']:>{width}}  {row['code']}  {sev}  {row['name']}")
    return "\n".join(lines) + "\n"
