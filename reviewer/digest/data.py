"""The digest as one JSON-ready dict, derived from the report's dict (reviewer/report/data.py).

Why derive instead of computing: the report already indexed the corpus, reviewed every
document once (through the results cache) and judged recurrence, follow-through and dates;
a second pipeline would drift from it, and a lead would see one number in the report and
another in the digest. The report is computed without a window, so every dated document
takes part in the recurrence history and the trend, and undated documents' action items
still count as past due; documents dated after the as-of day are left out here.

What it takes from the report: each document's date, severity, summary sentence,
``recurring`` flag, clusters, action counts and ``missing_sections`` (ST001's findings of the
review pass); ``actions.overdue`` and ``actions.due_soon``; ``sla.past_sla`` and ``sla.due_soon``
(reviewer/sla.py through reviewer/report/sla.py); the cluster names; the unreadable files. Nothing here reads a file, loads a model or looks at the clock: the same report, since
and as-of give the same digest, and the only date in it that is not the corpus's is as-of.

Texts are shortened here (a title to 120 characters, the summary's first sentence to 160, an
action item to 120), so the JSON holds exactly what the Markdown and HTML show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from reviewer.digest.window import Period, Since, business_days_after

VERSION = 1
PREVIOUS_PERIODS = 4  # the trend: the period and the four before it (five weeks for 7d)
GRACE_BUSINESS_DAYS = 5  # "postmortem completion within 5 business days" (the practice guides)
TITLE_CHARS = 120
SUMMARY_CHARS = 160
ITEM_CHARS = 120
FROM_CHARS = 60  # the postmortem an action item comes from, named after the item
LIMITS = {"incidents": 40, "owners": 12, "per_owner": 5, "due_soon": 15, "write_ups": 15}
"""The most of each list the digest shows; the rest is counted under ``more`` (and an owner's
under its ``more``). A digest is read in a minute, and a GitHub issue body holds at most 65,536
characters: a corpus with years of stale items would otherwise post hundreds of them. The
summary's counts are always whole."""


def compute(corpus: Path, settings: Any, since: Since, warn: Any = None) -> dict:
    """The report's data for ``corpus`` (one ``reviewer.report.data.compute``), then the digest.

    ``settings`` is a ``reviewer.report.data.Settings`` whose ``as_of`` is the digest's; its
    since/until must be unset (the trend needs the periods before this one)."""
    from reviewer.report.data import compute as report_data

    if settings.since is not None or settings.until is not None:
        raise ValueError("the digest's report is computed without --since/--until")
    return build(report_data(corpus, settings, warn=warn), since, settings.as_of)


def build(report: Mapping[str, Any], since: Since, as_of: date) -> dict:
    """The digest of ``report`` for the period ``since`` ends on ``as_of`` (see the module doc)."""
    periods = since.periods(as_of, PREVIOUS_PERIODS)
    current = periods[-1]
    docs = [d for d in report.get("documents", []) if _day(d.get("date")) is None or _day(d["date"]) <= as_of]
    cluster_names = {c["id"]: c["name"] for c in report.get("clusters", [])}
    titles = {d["path"]: shorten(d.get("title") or d["path"], FROM_CHARS) for d in docs}
    past_due, due_soon = _action_lists(report, titles)
    incidents = [_incident(d, cluster_names) for d in docs if _day(d.get("date")) in current]
    incidents.sort(key=lambda i: (i["date"], i["path"]))
    write_ups = _write_ups(docs, Period(periods[0].start, as_of), as_of)
    owners = _by_owner(past_due)
    shown_owners = [g for g in owners if g["owner"] is not None][: LIMITS["owners"]] + [
        g for g in owners if g["owner"] is None
    ]
    shown = {id(g) for g in shown_owners}
    hidden_owners = [g for g in owners if id(g) not in shown]
    return {
        "version": VERSION,
        "as_of": as_of.isoformat(),
        "corpus": report.get("corpus"),
        "period": {
            "since": since.text,
            "name": since.name(as_of),
            "start": current.start.isoformat(),
            "end": current.end.isoformat(),
            "days": current.days,
        },
        "summary": {
            "incidents": len(incidents),
            "past_due": len(past_due),
            "past_sla": sum("sla" in i["reasons"] for i in past_due),
            "past_due_owners": len(owners),
            "due_soon": len(due_soon),
            "write_ups": len(write_ups),
            "recurrence_rate": _rate(sum(bool(i["recurring"]) for i in incidents), len(incidents)),
        },
        "incidents": incidents[: LIMITS["incidents"]],
        "past_due": [_capped(g) for g in shown_owners],
        "due_soon": due_soon[: LIMITS["due_soon"]],
        "recurrence": _recurrence(docs, periods, report.get("target_rate", 0.15)),
        "write_ups": write_ups[: LIMITS["write_ups"]],
        "more": {  # what the lists above leave out (LIMITS): counted, not shown
            "incidents": max(len(incidents) - LIMITS["incidents"], 0),
            "owners": len(hidden_owners),
            "owner_items": sum(g["count"] for g in hidden_owners),
            "due_soon": max(len(due_soon) - LIMITS["due_soon"], 0),
            "write_ups": max(len(write_ups) - LIMITS["write_ups"], 0),
        },
        "grace_business_days": GRACE_BUSINESS_DAYS,
        "undated": len(report.get("undated", [])),
        "errors": list(report.get("errors", [])),
    }


# --- incidents -------------------------------------------------------------------------


def _incident(d: Mapping[str, Any], cluster_names: Mapping[str, str]) -> dict:
    """One incident of the period; ``again`` names the recurring clusters it shares (when it
    recurs an earlier incident), so "recurring" says what came back."""
    recurring = bool(d.get("recurring"))
    again = [cluster_names[c] for c in d.get("clusters", []) if c in cluster_names] if recurring else []
    acts = d.get("actions", {})
    return {
        "path": d["path"],
        "title": shorten(d.get("title") or d["path"], TITLE_CHARS),
        "date": d["date"],
        "severity": d.get("severity"),
        "summary": shorten(d["summary"], SUMMARY_CHARS) if d.get("summary") else None,
        "recurring": recurring,
        "again": again[:2],
        "actions": {"total": int(acts.get("total", 0)), "open": int(acts.get("open", 0))},
    }


# --- action items ----------------------------------------------------------------------


def _action_lists(report: Mapping[str, Any], titles: Mapping[str, str]) -> tuple[list[dict], list[dict]]:
    """The open items past due, and those due in the next 7 days, each once.

    Past due: the report's ``actions.overdue`` (a deadline date before as-of) and its
    ``sla.past_sla`` (reviewer/sla.py: open after the priority's SLA, counted from the
    postmortem's date), merged on path and line, with ``reasons`` saying which; ``days_late``
    is the larger lateness. Due soon: ``actions.due_soon`` and ``sla.due_soon``, merged the same
    way, without the items already past due; ``days_left`` is the sooner of the two. Items of
    documents the digest leaves out (dated after as-of) are not in ``titles`` and are dropped."""
    actions = report.get("actions") or {}
    sla = report.get("sla") or {}
    past: dict[tuple[str, object], dict] = {}
    for o in actions.get("overdue", []):
        if o.get("path") in titles:
            past[_key(o)] = _item(o, titles) | {
                "deadline": o.get("deadline"),
                "days_overdue": o.get("days_overdue"),
                "sla": None,
                "days_late": o.get("days_overdue") or 0,
                "reasons": ["deadline"],
            }
    for r in sla.get("past_sla", []):
        if r.get("path") not in titles:
            continue
        entry = past.setdefault(
            _key(r),
            _item(r, titles) | {"deadline": None, "days_overdue": None, "sla": None, "days_late": 0, "reasons": []},
        )
        entry["sla"] = {k: r.get(k) for k in ("priority", "sla_days", "due", "days_late")}
        entry["priority"] = entry["priority"] or r.get("priority")
        entry["days_late"] = max(entry["days_late"], r.get("days_late") or 0)
        entry["reasons"].append("sla")
    soon: dict[tuple[str, object], dict] = {}
    for o in actions.get("due_soon", []):
        if o.get("path") in titles and _key(o) not in past:
            soon[_key(o)] = _item(o, titles) | {
                "deadline": o.get("deadline"),
                "sla": None,
                "due": o.get("deadline"),
                "due_by": "deadline",
                "days_left": o["days_left"],
            }
    for r in sla.get("due_soon", []):
        if r.get("path") not in titles or _key(r) in past:
            continue
        new = _item(r, titles) | {"deadline": None, "sla": None, "due": None, "due_by": None, "days_left": None}
        entry = soon.setdefault(_key(r), new)
        entry["sla"] = {k: r.get(k) for k in ("priority", "sla_days", "due", "days_left")}
        entry["priority"] = entry["priority"] or r.get("priority")
        if entry["days_left"] is None or r["days_left"] < entry["days_left"]:
            entry |= {"due": r.get("due"), "due_by": "sla", "days_left": r["days_left"]}
    due = sorted(soon.values(), key=lambda i: (i["days_left"], i["path"], i["line"] or 0, i["text"]))
    return list(past.values()), due


def _key(item: Mapping[str, Any]) -> tuple[str, object]:
    return (item["path"], item.get("line"))


def _item(o: Mapping[str, Any], titles: Mapping[str, str]) -> dict:
    return {
        "text": shorten(bare(o.get("text") or ""), ITEM_CHARS),
        "path": o["path"],
        "postmortem": titles[o["path"]],
        "line": o.get("line"),
        "owner": o.get("owner") or None,
        "priority": o.get("priority"),
    }


def _by_owner(items: Iterable[dict]) -> list[dict]:
    """Past-due items per owner: the owner with the most first, then by name (case aside);
    "no owner" last whatever its size, since nobody reads a list addressed to nobody first.
    Owners written with another case ("@DBA", "@dba") are one owner, named as its most overdue
    item writes it. Within a group, the most days late first (past due or past SLA)."""
    groups: dict[str | None, list[dict]] = {}
    for item in sorted(items, key=lambda i: (-(i["days_late"] or 0), i["path"], i["line"] or 0, i["text"])):
        key = item["owner"].casefold() if item["owner"] else None
        groups.setdefault(key, []).append(item)
    named = sorted((k for k in groups if k is not None), key=lambda k: (-len(groups[k]), k))
    out = [{"owner": groups[k][0]["owner"], "count": len(groups[k]), "items": groups[k]} for k in named]
    if None in groups:
        out.append({"owner": None, "count": len(groups[None]), "items": groups[None]})
    return out


def _capped(group: dict) -> dict:
    """An owner's group with its most overdue LIMITS["per_owner"] items; ``more`` counts the rest."""
    items = group["items"][: LIMITS["per_owner"]]
    return {**group, "items": items, "more": group["count"] - len(items)}


# --- recurrence --------------------------------------------------------------------------


def _recurrence(docs: list[Mapping[str, Any]], periods: list[Period], target: float) -> dict:
    """The rate of the period (its incidents that recur an earlier one, as the report judges
    it) against the target, each earlier period's rate, and the earlier periods pooled: a
    week's rate rests on a handful of incidents, their sum on enough to compare with."""
    rows = []
    for p in periods:
        inside = [d for d in docs if _day(d.get("date")) in p]
        n = sum(bool(d.get("recurring")) for d in inside)
        rows.append(
            {
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "incidents": len(inside),
                "recurring": n,
                "rate": _rate(n, len(inside)),
            }
        )
    now, before = rows[-1], rows[:-1]
    pooled = {
        "incidents": sum(r["incidents"] for r in before),
        "recurring": sum(r["recurring"] for r in before),
    }
    pooled["rate"] = _rate(pooled["recurring"], pooled["incidents"])
    rate = now["rate"]
    change = None
    if rate is not None and pooled["rate"] is not None:
        change = "up" if rate > pooled["rate"] else "down" if rate < pooled["rate"] else "same"
    return {
        "target": target,
        "rate": rate,
        "incidents": now["incidents"],
        "recurring": now["recurring"],
        "status": None if rate is None else ("above" if rate > target else "within"),
        "previous": pooled,
        "change": change,
        "trend": rows,
    }


# --- write-ups -----------------------------------------------------------------------------


def _write_ups(docs: list[Mapping[str, Any]], window: Period, as_of: date) -> list[dict]:
    """Postmortems of the trend window still missing template sections (ST001), or without
    action items more than GRACE_BUSINESS_DAYS business days after the incident.

    A missing action-items section is left out during the grace days (a draft gets its
    actions last) and, after them, said once, as "no action items"."""
    from reviewer.kinds.structure import NAMES

    out = []
    for d in docs:
        day = _day(d.get("date"))
        if day not in window:
            continue
        age = business_days_after(day, as_of)
        no_actions = int(d.get("actions", {}).get("total", 0)) == 0 and age > GRACE_BUSINESS_DAYS
        names = [
            s
            for s in (d.get("missing_sections") or [])
            if s != "action_items" or not (no_actions or age <= GRACE_BUSINESS_DAYS)
        ]
        if names or no_actions:
            out.append(
                {
                    "path": d["path"],
                    "title": shorten(d.get("title") or d["path"], TITLE_CHARS),
                    "date": d["date"],
                    "business_days": age,
                    "missing_sections": [NAMES.get(s, s.replace("_", " ").capitalize()) for s in names],
                    "no_action_items": no_actions,
                }
            )
    out.sort(key=lambda w: (w["date"], w["path"]))
    return out


# --- small helpers -----------------------------------------------------------------------


OWNER_TRAILER = re.compile(r"[\s.,;:(–—-]*\b(?:owners?|assignee|assigned to|dri)\s*[:=]", re.I)
DUE_TRAILER = re.compile(
    r"[\s,;(–—-]+\b(?:due|by)\s+(?=[^,;]*(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri"
    r"|sat|sun|end of|next|eo[dwmqy]\b))[^,;]{1,30}(?:[,;]\s*P[0-4])?[.)]?\s*$",
    re.I,
)


def bare(text: str) -> str:
    """An action item without its trailing "Owner: @x, due …, P1" (or ", due …"): the digest shows the owner,
    date and priority beside it, and the sentence is what a reader skims. Kept whole when
    the label comes first (too little would be left)."""
    m = OWNER_TRAILER.search(text) or DUE_TRAILER.search(text)
    if m is None or len(text[: m.start()].split()) < 3:
        return text
    return text[: m.start()].rstrip(" .,;:") + "."


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, cut at a word with "…" when it is longer."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def _day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _rate(part: int, total: int) -> float | None:
    return round(part / total, 4) if total else None
