"""``--format json``: the versioned finding model (docs/json-schema.md)."""

from __future__ import annotations

from typing import Any

from reviewer.engine import Report
from reviewer.findings import Finding, Suggestion
from reviewer.source import Source
from reviewer.terminal import dumps

VERSION = 1


def suggestion_dict(s: Suggestion, source: Source | None) -> dict[str, Any]:
    if s.start is None or source is None:
        return {"text": s.text, "line": None, "column": None, "end_line": None, "end_column": None, "safe": s.safe}
    line, col = source.position(s.start)
    end_line, end_col = source.position(s.end if s.end is not None else s.start)
    return {"text": s.text, "line": line, "column": col, "end_line": end_line, "end_column": end_col, "safe": s.safe}


def finding_dict(f: Finding, source: Source | None) -> dict[str, Any]:
    return {
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "code": f.code,
        "name": f.name,
        "severity": str(f.severity),
        "message": f.message,
        "fix": f.fix,
        "match": f.match,
        "section": f.section,
        "suggestions": [suggestion_dict(s, source) for s in f.suggestions if s.start is not None],
        "fingerprint": f.fingerprint,
    }


def report_dict(report: Report) -> dict[str, Any]:
    findings = []
    for result in report.files:
        source = result.source
        findings.extend(finding_dict(f, source) for f in result.findings)
    documents = [
        {"path": r.path, "action_items": r.actions, "timeline": r.timeline} for r in report.files if not r.error
    ]
    return {
        "version": VERSION,
        "findings": findings,
        "documents": documents,
        "errors": [{"path": r.path, "message": r.error} for r in report.files if r.error],
        "summary": {
            "files": len(report.files),
            "files_with_findings": sum(1 for r in report.files if r.findings),
            "errors": len(report.errors),
            "findings": len(findings),
            "by_severity": report.counts(),
            "by_code": dict(sorted(_count_codes(report).items())),
        },
    }


def _count_codes(report: Report) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in report.findings:
        out[f.code] = out.get(f.code, 0) + 1
    return out


def format_json(report: Report, **_: Any) -> str:
    return dumps(report_dict(report), indent=2) + "\n"
