"""``pmreview actions``: the extracted action items as JSON, CSV or Markdown, for a tracker."""

from __future__ import annotations

import csv
import io

from reviewer.engine import Report
from reviewer.terminal import dumps, printable

COLUMNS = [
    "path",
    "line",
    "status",
    "text",
    "owner",
    "deadline",
    "deadline_date",
    "priority",
    "ticket",
    "section",
    "category",
    "fails",
]


def rows(report: Report) -> list[dict]:
    out = []
    for result in report.files:
        for item in result.actions:
            out.append({"path": result.path, **item})
    return out


def format_actions(report: Report, fmt: str) -> str:
    data = rows(report)
    if fmt == "json":
        return dumps({"version": 1, "action_items": data}, indent=2) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in data:
            writer.writerow({k: _cell(v) for k, v in row.items()} | {"fails": " ".join(row["fails"])})
        return buf.getvalue()
    lines = [
        "| File | Line | Status | Action | Owner | Due | Priority | Ticket | Fails |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in data:
        cells = [
            r["path"],
            str(r["line"]),
            r["status"] or "",
            r["text"],
            r["owner"] or "",
            r["deadline_date"] or r["deadline"] or "",
            r["priority"] or "",
            r["ticket"] or "",
            " ".join(r["fails"]),
        ]
        lines.append("| " + " | ".join(printable(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: no control characters, no formula.

    Action items come from pull requests; a cell that a spreadsheet reads as a formula
    (OWASP's CSV injection: ``=HYPERLINK(…)``, ``@SUM(…)``, ``+cmd|' /C calc'!A0``) gets a
    leading apostrophe, the spreadsheets' own "this is text" mark. A plain ``@team``
    owner stays as it is: without a call, a reference or ``=`` it is no formula.
    """
    if not isinstance(value, str):
        return value
    value = printable(value)
    if value.startswith("=") or (value[:1] in ("+", "-", "@") and any(c in value for c in "(|!")):
        return "'" + value
    return value
