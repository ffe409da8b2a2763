"""``--format sarif``: SARIF 2.1.0, the format GitHub code scanning (and most CI dashboards) ingest.

Columns are Unicode code points, stated on the run as ``columnKind`` because SARIF's
default is UTF-16 code units. Artifact URIs are relative to the repository root under
``%SRCROOT%``, which is what code scanning resolves against. See docs/formats.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from reviewer import __version__
from reviewer.docs import PROJECT_URL, rule_page, rule_url
from reviewer.engine import Report
from reviewer.findings import Finding, Severity, Suggestion
from reviewer.formatters.common import TOOL_NAME, in_file_order, repo_relative, rule_table
from reviewer.ruleset import FAMILIES, Rule
from reviewer.source import Source
from reviewer.terminal import dumps
from reviewer.workspace import repo_root

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FINGERPRINT_KEY = f"{TOOL_NAME}/v1"
SRCROOT = "%SRCROOT%"


def artifact(path: str, root: Path) -> dict[str, str]:
    """A repository-relative URI under %SRCROOT%, or an absolute file URI for a file outside the repository."""
    rel = repo_relative(path, root)
    if rel is None:
        return {"uri": Path(path).absolute().as_uri()}
    return {"uri": quote(rel, safe="/"), "uriBaseId": SRCROOT}


def _region(source: Source | None, start: int, end: int) -> dict[str, int]:
    if source is None:
        raise ValueError("a region needs the source")
    line, column = source.position(start)
    end_line, end_column = source.position(end)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    docs = rule.docs
    text = "\n\n".join(
        [
            " ".join(str(docs["what"]).split()),
            "Why: " + " ".join(str(docs["why"]).split()),
            "Example:\n" + str(docs["example"]).strip(),
            "Use instead:\n" + str(docs["use_instead"]).strip(),
            rule_url(rule.code),
        ]
    )
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": " ".join(str(docs["what"]).split())},
        "helpUri": rule_url(rule.code),
        "help": {"text": text, "markdown": rule_page(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["postmortem", FAMILIES[rule.family]], "status": rule.status},
    }


def _minimal_descriptor(finding: Finding) -> dict[str, Any]:
    """A rule known only from its findings (a custom rule set): enough for ruleIndex to point at."""
    return {
        "id": finding.code,
        "name": finding.name,
        "shortDescription": {"text": finding.name},
        "helpUri": rule_url(finding.code),
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
    }


def _fix(suggestion: Suggestion, source: Source, location: dict[str, str]) -> dict[str, Any]:
    assert suggestion.start is not None
    end = suggestion.end if suggestion.end is not None else suggestion.start
    old = source.text[suggestion.start : end]
    if not suggestion.text:
        description = f"Delete '{old}'"
    elif not old:
        description = f"Insert '{suggestion.text}'"
    else:
        description = f"Replace '{old}' with '{suggestion.text}'"
    return {
        "description": {"text": description},
        "artifactChanges": [
            {
                "artifactLocation": location,
                "replacements": [
                    {
                        "deletedRegion": _region(source, suggestion.start, end),
                        "insertedContent": {"text": suggestion.text},
                    }
                ],
            }
        ],
    }


def result(finding: Finding, source: Source | None, index: int, root: Path) -> dict[str, Any]:
    location = artifact(finding.path, root)
    region: dict[str, Any] = {
        "startLine": finding.line,
        "startColumn": finding.column,
        "endLine": finding.end_line,
        "endColumn": finding.end_column,
        "snippet": {"text": finding.match},
    }
    out: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": location, "region": region}}],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
    }
    if source is not None:
        fixes = [_fix(s, source, location) for s in finding.suggestions if s.start is not None]
        if fixes:
            out["fixes"] = fixes
    return out


def sarif_log(report: Report, root: Path | None = None) -> dict[str, Any]:
    root = root or repo_root()
    rules = rule_table(report)
    descriptors = [rule_descriptor(r) for r in rules.values()]
    index = {code: i for i, code in enumerate(rules)}
    results = []
    for file_result, finding in in_file_order(report):
        if finding.code not in index:
            index[finding.code] = len(descriptors)
            descriptors.append(_minimal_descriptor(finding))
        results.append(result(finding, file_result.source, index[finding.code], root))
    notifications = [
        {
            "level": "error",
            "message": {"text": r.error},
            "locations": [{"physicalLocation": {"artifactLocation": artifact(r.path, root)}}],
        }
        for r in report.files
        if r.error
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": PROJECT_URL,
                "rules": descriptors,
            }
        },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def format_sarif(report: Report, root: Path | None = None, **_: Any) -> str:
    """``root``: the folder URIs are relative to (default: the git top level of the working directory)."""
    return dumps(sarif_log(report, root), indent=2) + "\n"
