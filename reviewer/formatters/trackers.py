"""``pmreview actions --format github-issues|jira-csv``: open action items, ready for a tracker.

Why two shapes: GitHub has no CSV import, so its form is a shell script of ``gh issue create``
calls that a lead reads and runs; Jira imports CSV (System > External system import > CSV),
mapping these columns by name. Each issue links back to the postmortem line it came from.
Items already done are left out. The text comes from pull requests: in the script every value
is one shell word (``shlex.quote``), in the CSV no cell can start a formula.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shlex

from reviewer.formatters.actions import _cell, rows
from reviewer.terminal import printable

TITLE_LIMIT = 120
LABEL = "postmortem-action"
JIRA_COLUMNS = ["Summary", "Description", "Issue Type", "Priority", "Due Date", "Assignee", "Labels"]
JIRA_PRIORITY = {"P0": "Highest", "P1": "High", "P2": "Medium", "P3": "Low", "P4": "Lowest"}
GITHUB_LOGIN = re.compile(r"@?([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})")
METADATA = re.compile(r"\s*[(\[]?\b(?:owner|assignee|due|deadline|by|priority)\b\s*[:=].*$", re.I)


def _open(report) -> list[dict]:
    return [r for r in rows(report) if r.get("status") != "done"]


def _title(text: str) -> str:
    """The item's first sentence, without its "Owner: …, due …" tail, within the tracker's limit."""
    one = " ".join(printable(text).split())
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z])", one, maxsplit=1)[0]
    first = METADATA.sub("", first).rstrip(" .;,") or one
    return first if len(first) <= TITLE_LIMIT else first[: TITLE_LIMIT - 1].rstrip() + "…"


def _source(path: str, line: int) -> str:
    """Where the item was written: a GitHub link inside Actions (GITHUB_SERVER_URL, _REPOSITORY,
    _SHA), else ``path:line``."""
    server, repo, sha = (os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if server and repo and sha and re.fullmatch(r"[\w.-]+/[\w.-]+", repo) and re.fullmatch(r"[0-9a-f]{7,64}", sha):
        return f"{server.rstrip('/')}/{repo}/blob/{sha}/{path.lstrip('./')}#L{line}"
    return f"{path}:{line}"


def _body(row: dict) -> str:
    parts = [printable(row["text"]), "", f"From the postmortem: {_source(row['path'], row['line'])}"]
    for key, label in (("owner", "Owner"), ("deadline_date", "Due"), ("priority", "Priority"), ("ticket", "Ticket")):
        if row.get(key):
            parts.append(f"{label}: {printable(str(row[key]))}")
    if row.get("fails"):
        parts.append("pmreview: " + " ".join(row["fails"]))
    return "\n".join(parts)


def github_issues(report) -> str:
    """A POSIX shell script of ``gh issue create`` calls (run it in the repository's clone)."""
    out = [
        "#!/bin/sh",
        "# Open action items from postmortems, as GitHub issues: review, then run with sh.",
        "set -eu",
    ]
    for row in _open(report):
        cmd = ["gh", "issue", "create", "--title", _title(row["text"]), "--body", _body(row), "--label", LABEL]
        owner = row.get("owner") or ""
        login = GITHUB_LOGIN.fullmatch(owner.strip())
        if login and owner.strip().startswith("@"):
            cmd += ["--assignee", login.group(1)]
        out.append(" ".join(shlex.quote(c) for c in cmd))
    return "\n".join(out) + "\n"


def jira_csv(report) -> str:
    """Jira's CSV import: one row per open item (dates as yyyy-MM-dd: set that format in the importer)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(JIRA_COLUMNS)
    for row in _open(report):
        owner = (row.get("owner") or "").lstrip("@")
        writer.writerow(
            [
                _cell(_title(row["text"])),
                _cell(_body(row)),
                "Task",
                JIRA_PRIORITY.get((row.get("priority") or "").upper(), ""),
                row.get("deadline_date") or "",
                _cell(owner),
                LABEL,
            ]
        )
    return buf.getvalue()
