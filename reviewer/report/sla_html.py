"""The view model of the report page's "Priority SLAs" section (templates/sla.html.j2).

Same rules as the rest of ``reviewer/report/html.py``: the dict may come from an older report
or lack keys, so every value is coerced and a missing one renders as "–"; nothing is computed in
the template. The section is left out when the report has no ``sla`` key at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewer.report.html import _dict, _float, _int, _link, _list, _text

STATES = ("met", "late", "overdue", "open", "done_undated")


def _days(n: int) -> str:
    """How an SLA reads in a sentence: "1 week", "2 weeks", "90 days", "1 day"."""
    if n % 7 == 0 and n <= 28:
        weeks = n // 7
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    return f"{n} day{'s' if n != 1 else ''}"


def _counts(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: _int(row.get(k)) for k in ("due", "decided", *STATES)}
    out["share"] = _float(row.get("met_share"))
    return out


def _groups(rows: object, key: str, none_label: str) -> list[dict[str, Any]]:
    out = []
    for r in _list(rows):
        if not isinstance(r, Mapping) or not _int(r.get("due")):
            continue  # an empty period has nothing to show in a table
        name = r.get(key)
        out.append({"name": _text(name) if name is not None else none_label, "named": name is not None} | _counts(r))
    return out


def _item(o: Mapping[str, Any], base: str) -> dict[str, Any]:
    return {
        "text": _text(o.get("text")),
        "link": _link(o.get("path"), base, o.get("line")),
        "owner": _text(o.get("owner")),
        "team": _text(o.get("team")),
        "priority": _text(o.get("priority")),
        "due": _text(o.get("due")),
        "completed": _text(o.get("completed")),
        "source": _text(o.get("completed_source")),
        "days": _int(o.get("days_late")) if o.get("days_late") is not None else None,
    }


def view(sla: object, base: str = "") -> dict[str, Any] | None:
    """The section's values, or None where the report has no SLA data (an older dict)."""
    if not isinstance(sla, Mapping):
        return None
    policy = {_text(k): _int(v) for k, v in _dict(sla.get("policy")).items()}
    summary = _dict(sla.get("summary"))
    by_priority = _dict(summary.get("by_priority"))
    priorities = []
    for name in sorted(set(policy) | {_text(k) for k in by_priority}):
        days = policy.get(name)
        priorities.append(
            {"name": name, "days": days, "sla": _days(days) if days else "–"} | _counts(_dict(by_priority.get(name)))
        )
    # "90% of P0 done within 1 week": the guides' own way of stating the goal
    headlines = [p for p in priorities if p["share"] is not None and p["days"]]
    git = _dict(sla.get("git"))
    return {
        "policy": [{"name": k, "sla": _days(v)} for k, v in sorted(policy.items()) if v],
        "summary": _counts(summary),
        "priorities": priorities,
        "headlines": headlines,
        "periods": _groups(sla.get("periods"), "period", "–"),
        "teams": _groups(sla.get("teams"), "team", "no team"),
        "services": _groups(sla.get("services"), "service", "no service"),
        "past": [_item(o, base) for o in _list(sla.get("past_sla")) if isinstance(o, Mapping)],
        "late": [_item(o, base) for o in _list(sla.get("late")) if isinstance(o, Mapping)],
        "errors": [_item(o, base) for o in _list(sla.get("completed_before_incident")) if isinstance(o, Mapping)],
        "git_used": bool(git.get("used")),
        "git_note": _text(git.get("note")),
    }
