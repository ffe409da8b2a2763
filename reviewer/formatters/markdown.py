"""``--format markdown``: a pull-request summary in GitHub-flavoured Markdown.

The verdict comes first because a reviewer reads one line before deciding to read on;
counts per family and severity, the top findings (most severe first) with links to
their lines and rules, and the recurring factors with their past incidents follow.
Everything quoted from a draft is escaped: a pipe must not break the table, ``<``
must not become HTML, and an ``@handle`` must not ping anyone. The GitHub bot calls
``FORMATS["markdown"](report, link=...)`` and prepends its own marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from reviewer.docs import PROJECT_URL, rule_url
from reviewer.engine import Report
from reviewer.findings import Finding, Severity
from reviewer.formatters.common import (
    SEVERITY_ORDER,
    TOOL_NAME,
    display_path,
    ordered,
    plural,
    severity_parts,
)
from reviewer.ruleset import FAMILIES
from reviewer.terminal import printable
from reviewer.workspace import repo_root

ICONS = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}
LIMIT = 15
RECURRENCE = "RE001"

Link = Callable[[str, int], "str | None"] | str | None
"""A callable ``(path, line) -> url``, a template with ``{path}`` and ``{line}``, or None for plain text."""

_PUNCTUATION = re.compile(r"([\\`*_\[\]|~#])")


def escape(text: str) -> str:
    """Quoted text made inert in a table cell: one line, no HTML, no Markdown syntax, no @mention."""
    text = " ".join(printable(str(text)).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _PUNCTUATION.sub(r"\\\1", text)
    return text.replace("@", "@\u200b")


def _url(link: Link, path: str, line: int) -> str | None:
    if link is None:
        return None
    if callable(link):
        return link(path, line)
    return link.format(path=quote(path, safe="/"), line=line)


def where(finding: Finding, link: Link, root: Path) -> str:
    path = display_path(finding.path, root)
    text = escape(f"{path}:{finding.line}")
    url = _url(link, path, finding.line)
    return f"[{text}]({url})" if url else text


def verdict(report: Report) -> str:
    findings = report.findings
    files = len([r for r in report.files if not r.error])
    errors = len(report.errors)
    unreadable = f"; {plural(errors, 'file')} could not be reviewed" if errors else ""
    counts = severity_parts(report.counts())
    if not findings:
        icon = "❌" if errors else "✅"
        return f"{icon} No findings in {plural(files, 'file')}{unreadable}."
    blocking = [f for f in findings if f.severity >= report.fail_on()]
    with_findings = len([r for r in report.files if r.findings])
    if not blocking and not errors:
        return f"✅ No blocking findings ({counts} in {plural(with_findings, 'file')})."
    icon = "❌" if errors or any(f.severity == Severity.ERROR for f in findings) else "⚠️"
    return f"{icon} **{plural(len(findings), 'finding')}** in {plural(with_findings, 'file')} ({counts}){unreadable}."


def family_table(report: Report) -> list[str]:
    counts: dict[str, dict[Severity, int]] = {}
    for f in report.findings:
        row = counts.setdefault(f.code[:2], dict.fromkeys(SEVERITY_ORDER, 0))
        row[f.severity] += 1
    heads = " | ".join(f"{str(s).capitalize()}{'s' if s != Severity.INFO else ''}" for s in SEVERITY_ORDER)
    lines = [f"| Family | {heads} |", "|---|" + "--:|" * len(SEVERITY_ORDER)]
    for family, name in FAMILIES.items():
        if family in counts:
            cells = " | ".join(str(counts[family][s]) for s in SEVERITY_ORDER)
            lines.append(f"| {family} {name} | {cells} |")
    totals = " | ".join(f"**{sum(row[s] for row in counts.values())}**" for s in SEVERITY_ORDER)
    lines.append(f"| **Total** | {totals} |")
    return lines


def findings_table(report: Report, link: Link, limit: int, root: Path) -> list[str]:
    lines = ["| | Where | Rule | Finding |", "|---|---|---|---|"]
    for _r, f in ordered(report)[:limit]:
        rule = f"[{f.code} {escape(f.name)}]({rule_url(f.code)})"
        lines.append(f"| {ICONS[f.severity]} | {where(f, link, root)} | {rule} | {escape(f.message)} |")
    return lines


def recurrence_details(finding: Finding) -> dict | None:
    """The past incident behind an RE001 finding, as the recurrence rule stored it."""
    data = finding.data.get("recurrence")
    return data if isinstance(data, dict) else None


def recurring_section(report: Report, link: Link, root: Path) -> list[str]:
    items = []
    for _r, f in ordered(report):
        if f.code != RECURRENCE:
            continue
        d = recurrence_details(f)
        head = f"- {where(f, link, root)}: “{escape(f.match)}”"
        if d is None:
            items.append(f"{head}: {escape(f.message)}")
            continue
        weakness = d.get("weakness") or ""
        text = f"{head} resembles **{escape(d.get('title', '?'))}** ({escape(d.get('date') or 'undated')})"
        if d.get("factor"):
            text += f", factor “{escape(d['factor'])}”"
        if weakness:
            text += f"; same weakness: {escape(weakness)}"
        if "open" in d and "done" in d:
            text += f". Its action items: {d['open']} open, {d['done']} done."
        items.append(text)
    return ["#### Recurring factors", "", *items] if items else []


def format_markdown(report: Report, link: Link = None, limit: int = LIMIT, root: Path | None = None, **_: Any) -> str:
    """``link``: callable ``(path, line) -> url`` or a template such as
    ``"https://github.com/OWNER/REPO/blob/SHA/{path}#L{line}"`` (None: plain ``path:line``);
    ``limit``: rows in the findings table; ``root``: what paths are relative to."""
    root = root or repo_root()
    total = len(report.findings)
    out = [verdict(report), ""]
    if total:
        out += [*family_table(report), ""]
        out += ["#### Findings", "", *findings_table(report, link, limit, root), ""]
        recurring = recurring_section(report, link, root)
        if recurring:
            out += [*recurring, ""]
    bad = [r for r in report.files if r.error]
    if bad:
        out += ["#### Files that could not be reviewed", ""]
        out += [f"- {escape(r.error or '')}" for r in bad]
        out.append("")
    hidden = max(0, total - limit)
    note = (
        f"{plural(hidden, 'more finding')} not shown; run `pmreview review` for the full list."
        if hidden
        else ("All findings shown." if total else "")
    )
    out.append(f"<sub>{note + ' ' if note else ''}[{TOOL_NAME}]({PROJECT_URL})</sub>")
    return "\n".join(out) + "\n"
