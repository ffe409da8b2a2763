"""When an action item was done, as the document says it: a note in the item's text
("done 2026-11-20", "completed on 20 Nov", "(done: Nov 20)") or a table cell (a "Done date" /
"Completed on" / "Closed" column, or a status cell that holds a date).

The priority SLAs (``reviewer/sla.py``) need the day an item was finished, not only whether it
was: "90% of P0 items completed within one week" is a statement about dates. The date in the
document wins over the one git gives (``reviewer/completion_git.py``), because a person wrote it down on
purpose; a commit only shows when the box was ticked.

``reviewer/actions.py`` calls ``read_text`` and ``read_cells`` once per item; everything about
the parsing lives here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from reviewer.dates import MONTH, find_deadline

if TYPE_CHECKING:  # pragma: no cover - typing only
    from datetime import date

    from reviewer.actions import ActionItem
    from reviewer.markdown import TableCell

DATE = (
    rf"(?:20\d{{2}}-\d{{1,2}}-\d{{1,2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH}\.?(?:,?\s+20\d{{2}})?"
    rf"|{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+20\d{{2}})?)(?![\w-])"
)
DONE_WORD = r"(?:done|completed?|completion(?: date)?|finished|closed|fixed|resolved|shipped|merged)"
# "done 2026-11-20", "completed on 20 Nov", "(done: Nov 20)", "closed at 2026-11-20", "✅ 2026-11-20".
# Not "done by 2026-11-20" (a deadline): "by" is not among the words allowed between.
NOTE = re.compile(
    rf"(?:\b{DONE_WORD}\b|✅|✔️?|☑️?)(?:\s+(?:on|at|in))?\s*[:=\-–—]?\s*(?P<date>{DATE})",
    re.I,
)
# What makes a completion word a plan: "to be completed on …", "will be done Nov 20",
# "expected completion 2026-12-01", "not done 2026-…".
FUTURE = re.compile(
    r"\b(?:be|been scheduled|not|never|target(?:ed)?|expected|planned|estimated|scheduled|projected|"
    r"until|once|when|if|eta|aim(?:ing)?|should|must|will)\s*[:=\-–—]?\s*$",
    re.I,
)
# A status cell that holds a date is a completion date, unless the cell says the date is a plan.
OPEN_CELL = re.compile(
    r"\b(?:open|pending|in[- ]progress|wip|to ?do|not|planned|target|due|by|eta|until|scheduled|blocked|started|"
    r"deferred|postponed|rescheduled|moved|cancell?ed|dropped|won'?t|wontfix|expected|estimated|later|backlog)\b",
    re.I,
)
DONE_CELL = re.compile(r"\b(?:done|closed|complete[d]?|fixed|resolved|shipped|merged|yes|y|true|x)\b|✅|✔|✓", re.I)
NOT_DONE_CELL = re.compile(r"^\W*(?:no|n|false|not yet|open|pending|in[- ]progress|wip|to ?do)\W*$", re.I)


def _iso(text: str, ref: date | None) -> str | None:
    """The ISO day of a written date; one without a year is the next such day on or after the
    postmortem's date (as for deadlines), and None when there is no postmortem date to place it."""
    d = find_deadline(text, ref)
    return d.iso if d is not None and d.valid and d.iso else None


def in_text(text: str, ref: date | None) -> tuple[str, int, int] | None:
    """The completion date a note in ``text`` gives, with the span of its date: the first note
    that is not a plan ("to be completed on …")."""
    for m in NOTE.finditer(text):
        if FUTURE.search(text, max(0, m.start() - 40), m.start()):
            continue
        iso = _iso(m.group("date"), ref)
        if iso:
            return iso, m.start("date"), m.end("date")
    return None


def in_cell(value: str, ref: date | None, role: str) -> str | None:
    """The completion date in a table cell. In a completion column (``role == "completed"``) any
    date is one; in a status column only a date the cell does not call a plan ("Done 2026-11-20",
    "2026-11-20", not "open, due 2026-12-01")."""
    value = value.strip()
    if not value:
        return None
    if role != "completed" and OPEN_CELL.search(value):
        return None
    return _iso(value, ref)


def read_text(item: ActionItem, text: str, ref: date | None) -> None:
    """Set ``item.completed`` from a note in its text (``text``: the one the metadata was read
    from). A note makes a not-stated status done. When the item's only date *is* the note's, it
    is the completion date, not a deadline, and the deadline is dropped."""
    if item.completed is not None:
        return
    found = in_text(text, ref)
    if found is None:
        return
    item.completed, start, end = found
    item.status = item.status or "done"
    d = item.deadline
    if d is not None and d.start < end and start < d.end and text[d.start : d.end] == d.text:
        item.deadline = None


def read_cells(item: ActionItem, text: str, cells: dict[str, TableCell], ref: date | None) -> None:
    """Set ``item.completed`` (and its status) from a table row: a completion column's date, or a
    date in its status cell. A completion column without a date still says done ("yes", "✅") or
    not ("no", "not yet") when no status column has."""
    for role in ("completed", "status"):
        cell = cells.get(role)
        if cell is None:
            continue
        value = text[cell.start : cell.end]
        iso = in_cell(value, ref, role)
        if iso is not None:
            item.completed = item.completed or iso
            item.status = "done"
        elif role == "completed" and item.status is None:
            if NOT_DONE_CELL.match(value):
                item.status = "open"
            elif DONE_CELL.search(value):
                item.status = "done"
