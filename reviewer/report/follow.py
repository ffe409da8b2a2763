"""Action-item follow-through: were the promised fixes done, owned, dated, and which are overdue?

An item is done when its checkbox is ticked, its status column says so (done, closed,
fixed, …) or its sub-heading says "completed" (reviewer/actions.py); everything else is
open, including items whose status is not stated. An item is overdue when it has a
resolved deadline date before the as-of date and is not done.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date


def is_done(item: dict) -> bool:
    return item.get("status") == "done"


def counts(items: Iterable[dict]) -> dict[str, int]:
    """total, done, open, with_owner, with_deadline; and the open items without an owner,
    without a deadline, and without either one of them (``open_untracked``). An item with
    no deadline can never be overdue, so "0 overdue" says nothing until these are known."""
    out = dict.fromkeys(
        ("total", "done", "open", "with_owner", "with_deadline", "open_without_owner", "open_without_deadline"), 0
    )
    out["open_untracked"] = 0
    for item in items:
        owner, deadline = bool(item.get("owner")), bool(item.get("deadline"))
        out["total"] += 1
        out["done" if is_done(item) else "open"] += 1
        out["with_owner"] += owner
        out["with_deadline"] += deadline
        if not is_done(item):
            out["open_without_owner"] += not owner
            out["open_without_deadline"] += not deadline
            out["open_untracked"] += not (owner and deadline)
    return out


def priority_key(name: str) -> tuple[int, str]:
    """P0 … P4 first in order, then other written priorities, "none" last."""
    m = re.fullmatch(r"P(\d)", name)
    return (0, name) if m else ((2, name) if name == "none" else (1, name))


def by_priority(items: Iterable[dict]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for item in items:
        slot = out.setdefault(item.get("priority") or "none", {"total": 0, "done": 0})
        slot["total"] += 1
        slot["done"] += is_done(item)
    return {k: out[k] for k in sorted(out, key=priority_key)}


def overdue(items: Iterable[tuple[str, dict]], as_of: date) -> list[dict]:
    """Open items whose deadline date is before ``as_of``, most overdue first."""
    out = []
    for path, item in items:
        due = item.get("deadline_date")
        if not due or is_done(item):
            continue
        try:
            day = date.fromisoformat(due)
        except ValueError:
            continue
        if day < as_of:
            out.append(
                {
                    "text": item.get("text", ""),
                    "path": path,
                    "line": item.get("line"),
                    "owner": item.get("owner"),
                    "deadline": due,
                    "priority": item.get("priority"),
                    "days_overdue": (as_of - day).days,
                }
            )
    out.sort(key=lambda o: (-o["days_overdue"], o["path"], o["line"] or 0))
    return out


def coverage(part: int, total: int) -> float | None:
    return round(part / total, 4) if total else None


DUE_SOON_DAYS = 7


def due_soon(items: Iterable[tuple[str, dict]], as_of: date, days: int = DUE_SOON_DAYS) -> list[dict]:
    """Open items whose deadline date is ``as_of`` or one of the ``days`` after it, soonest
    first: what the weekly digest (`pmreview digest`) lists as due next."""
    out = []
    for path, item in items:
        due = item.get("deadline_date")
        if not due or is_done(item):
            continue
        try:
            left = (date.fromisoformat(due) - as_of).days
        except ValueError:
            continue
        if 0 <= left <= days:
            out.append(
                {
                    "text": item.get("text", ""),
                    "path": path,
                    "line": item.get("line"),
                    "owner": item.get("owner"),
                    "deadline": due,
                    "priority": item.get("priority"),
                    "days_left": left,
                }
            )
    out.sort(key=lambda o: (o["days_left"], o["path"], o["line"] or 0))
    return out
