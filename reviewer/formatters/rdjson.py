"""``--format rdjson`` / ``rdjsonl``: reviewdog's Diagnostic Format, for review comments with suggestions.

reviewdog counts columns in UTF-8 bytes (1-based, end exclusive), so every column is
converted from the code points the findings carry; a finding after an "é" or a "—" on
the same line would otherwise land on the wrong character. See docs/formats.md.
"""

from __future__ import annotations

import os
from typing import Any

from reviewer.docs import PROJECT_URL, rule_url
from reviewer.engine import Report
from reviewer.findings import Finding, Severity
from reviewer.formatters.common import TOOL_NAME, byte_column, in_file_order
from reviewer.source import Source
from reviewer.terminal import dumps

SEVERITIES = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"}
SOURCE = {"name": TOOL_NAME, "url": PROJECT_URL}


def _range(source: Source | None, line: int, column: int, end_line: int, end_column: int) -> dict[str, Any]:
    return {
        "start": {"line": line, "column": byte_column(source, line, column)},
        "end": {"line": end_line, "column": byte_column(source, end_line, end_column)},
    }


def diagnostic(finding: Finding, source: Source | None, with_source: bool = False) -> dict[str, Any]:
    """One Diagnostic; ``with_source`` for rdjsonl, where each line must stand on its own."""
    replacements = [s for s in finding.suggestions if s.start is not None] if source is not None else []
    # a suggested change speaks for itself; without one, the instruction is the useful part
    message = finding.message if replacements or not finding.fix else f"{finding.message}\nHelp: {finding.fix}"
    out: dict[str, Any] = {
        "message": message,
        "location": {
            "path": finding.path.replace(os.sep, "/"),
            "range": _range(source, finding.line, finding.column, finding.end_line, finding.end_column),
        },
        "severity": SEVERITIES[finding.severity],
    }
    if with_source:
        out["source"] = SOURCE
    out["code"] = {"value": finding.code, "url": rule_url(finding.code)}
    if replacements:
        assert source is not None
        out["suggestions"] = []
        for s in replacements:
            assert s.start is not None
            line, column = source.position(s.start)
            end_line, end_column = source.position(s.end if s.end is not None else s.start)
            out["suggestions"].append({"range": _range(source, line, column, end_line, end_column), "text": s.text})
    return out


def format_rdjson(report: Report, **_: Any) -> str:
    diagnostics = [diagnostic(f, r.source) for r, f in in_file_order(report)]
    return dumps({"source": SOURCE, "diagnostics": diagnostics}, indent=2) + "\n"


def format_rdjsonl(report: Report, **_: Any) -> str:
    return "".join(dumps(diagnostic(f, r.source, with_source=True)) + "\n" for r, f in in_file_order(report))
