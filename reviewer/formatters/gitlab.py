"""``--format gitlab``: a GitLab Code Quality report (the Code Climate issue subset GitLab reads).

Severity mapping: error -> critical, warning -> major, info -> info. ``blocker`` is left
unused (nothing in a postmortem draft stops a merge harder than an error does) and
``minor`` too, so the three levels stay three. The fingerprint must be unique per
finding across the report; it hashes the repository-relative path with pmreview's own
fingerprint, which is already unique within a file and stable across edits elsewhere.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from reviewer.engine import Report
from reviewer.findings import Finding, Severity
from reviewer.formatters.common import TOOL_NAME, display_path, in_file_order, last_line
from reviewer.terminal import dumps
from reviewer.workspace import repo_root

SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def fingerprint(path: str, finding_fingerprint: str) -> str:
    return hashlib.sha256(f"{path}\0{finding_fingerprint}".encode()).hexdigest()


def issue(finding: Finding, root: Path) -> dict[str, Any]:
    path = display_path(finding.path, root)
    return {
        "type": "issue",
        "engine_name": TOOL_NAME,
        "check_name": finding.code,
        "description": f"{finding.code} {finding.message}",
        "categories": ["Clarity"],
        "severity": SEVERITIES[finding.severity],
        "fingerprint": fingerprint(path, finding.fingerprint),
        "location": {"path": path, "lines": {"begin": finding.line, "end": last_line(finding)}},
    }


def format_gitlab(report: Report, root: Path | None = None, **_: Any) -> str:
    """``root``: what paths are relative to (default: the git top level of the working directory)."""
    root = root or repo_root()
    issues = []
    seen: dict[str, int] = {}
    for _r, f in in_file_order(report):
        item = issue(f, root)
        n = seen.get(item["fingerprint"], 0)
        seen[item["fingerprint"]] = n + 1
        if n:  # the same file given twice: still one fingerprint per reported issue
            item["fingerprint"] = fingerprint(item["location"]["path"], f"{f.fingerprint}\0{n}")
        issues.append(item)
    return dumps(issues, indent=2) + "\n"
