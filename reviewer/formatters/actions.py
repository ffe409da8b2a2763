"""``pmreview actions``: the extracted action items as JSON, CSV or Markdown, for a tracker."""

from __future__ import annotations

import csv
import io
import json

from reviewer.engine import Report

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
        return json.dumps({"version": 1, "action_items": data}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in data:
            writer.writerow({**row, "fails": " ".join(row["fails"])})
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
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
