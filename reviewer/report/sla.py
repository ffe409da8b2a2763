"""The report's ``sla`` key: did the action items keep to their priority's SLA?

Per item in scope with an SLA (reviewer/sla.py ``judge``), counted overall, per period of the
postmortem's date, per team and per service (reviewer/sla.py ``summarise``), with the items past
their SLA listed. Completion dates come from the document and, when the corpus is in a git
repository, from the commit that ticked the item (reviewer/completion_git.py), which is looked
up only for done items the document gives no date for, and cached beside the index.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Protocol

from reviewer.markdown import FRONT_MATTER
from reviewer.report.periods import period_of, span
from reviewer.sla import Policy, judge, services_of, summarise, team_of

GIT_CACHE = "report-git-dates.json"
GIT_FORMS = ("checkbox", "table")  # forms whose line records the tick (see completion_git)


class _Reviewed(Protocol):
    text: str
    actions: list[dict]


class _Meta(Protocol):
    path: str


class _Doc(Protocol):  # reviewer.report.data.Doc
    meta: _Meta
    day: date | None
    reviewed: _Reviewed


def policy_for(corpus: Path, config_file: Path | None) -> Policy:
    """The policy of ``--config`` when given, else of the configuration nearest the corpus folder
    (as ``pmreview review`` would find it for a file there)."""
    from reviewer.config import discover, load_file

    config = load_file(config_file) if config_file is not None else discover(corpus.resolve())
    return Policy.from_config(config)


def _front_matter(text: str) -> str | None:
    fm = FRONT_MATTER.match(text)
    return (fm.group(1) or fm.group(2)) if fm else None


def _lines(text: str) -> list[str]:
    return text.split("\n")


def git_days(corpus: Path, docs: Iterable[_Doc], policy: Policy, cache_dir: Path | None) -> tuple[dict, str | None]:
    """{path: {line: ISO day}} from git for the done items with an SLA that the document gives no
    completion date, and why git gave none (None when it was asked and answered, or not needed)."""
    from reviewer.completion_git import completion_days

    wanted: dict[str, dict[int, str]] = {}
    for d in docs:
        if d.day is None:
            continue
        lines = None
        for a in d.reviewed.actions:
            line = a.get("line")
            if (
                a.get("status") == "done"
                and (not a.get("completed") or str(a["completed"]) < d.day.isoformat())  # none, or impossible
                and a.get("form") in GIT_FORMS
                and isinstance(line, int)
                and policy.sla_days(a.get("priority")) is not None
            ):
                lines = lines or _lines(d.reviewed.text)
                if 1 <= line <= len(lines):
                    wanted.setdefault(d.meta.path, {})[line] = lines[line - 1]
    if not wanted:
        return {}, None
    return completion_days(corpus, wanted, cache_dir / GIT_CACHE if cache_dir is not None else None)


def section(
    corpus: Path,
    scope: list[_Doc],
    as_of: date,
    group_by: str,
    policy: Policy,
    cache_dir: Path | None = None,
) -> dict:
    """The ``sla`` dict of the report (docs/report.md)."""
    days, git_note = git_days(corpus, scope, policy, cache_dir)
    rows: list[dict] = []
    for d in sorted(scope, key=lambda d: (d.day is None, d.day or date.min, d.meta.path)):
        fm = _front_matter(d.reviewed.text)
        services = services_of(fm)
        for a in d.reviewed.actions:
            git = days.get(d.meta.path, {}).get(a.get("line"))
            verdict = judge(a | {"completed_git": git} if git else a, d.day, as_of, policy)
            if verdict is None:
                continue
            rows.append(
                verdict
                | {
                    "text": a.get("text", ""),
                    "path": d.meta.path,
                    "line": a.get("line"),
                    "owner": a.get("owner"),
                    "incident_date": d.day.isoformat() if d.day else None,
                    "team": team_of(a, fm),
                    "services": services,
                    "_day": d.day,
                }
            )
    dated = [r["_day"] for r in rows]
    periods = []
    if dated:
        of: dict[str, list[dict]] = {}
        for r in rows:
            of.setdefault(period_of(r["_day"], group_by).name, []).append(r)
        for p in span(min(dated), max(dated), group_by):
            mine = of.get(p.name, [])
            periods.append({"period": p.name, "start": p.start.isoformat(), "end": p.end.isoformat()} | summarise(mine))
    teams: dict[str | None, list[dict]] = {}
    services: dict[str | None, list[dict]] = {}
    for r in rows:
        teams.setdefault(r["team"], []).append(r)
        for s in r["services"] or [None]:
            services.setdefault(s, []).append(r)
    public = [{k: v for k, v in r.items() if k != "_day"} for r in rows]
    return {
        "policy": dict(policy.days),
        "git": {"used": git_note is None and bool(days), "note": git_note},
        "summary": summarise(rows),
        "periods": periods,
        "teams": [{"team": t} | summarise(teams[t]) for t in sorted(teams, key=_named_last)],
        "services": [{"service": s} | summarise(services[s]) for s in sorted(services, key=_named_last)],
        "past_sla": _listed(public, "overdue"),
        "late": _listed(public, "late"),
        "due_soon": _due_soon(public),
        "completed_before_incident": [_item(r) for r in public if r["completed_before_incident"]],
    }


def _named_last(name: str | None) -> tuple[bool, str]:
    """Named groups alphabetically (case-insensitive), the items with no team or service last."""
    return (name is None, (name or "").lower())


ITEM_KEYS = (
    "text",
    "path",
    "line",
    "owner",
    "team",
    "priority",
    "incident_date",
    "sla_days",
    "due",
    "completed",
    "completed_source",
    "state",
    "days_late",
)


def _item(r: dict) -> dict:
    return {k: r[k] for k in ITEM_KEYS}


DUE_SOON_DAYS = 7


def _due_soon(rows: list[dict]) -> list[dict]:
    """Open items whose SLA runs out on as-of or in the 7 days after it, soonest first."""
    out = [
        _item(r) | {"days_left": r["days_left"]}
        for r in rows
        if r["state"] == "open" and r["days_left"] <= DUE_SOON_DAYS
    ]
    out.sort(key=lambda r: (r["days_left"], r["path"], r["line"] or 0))
    return out


def _listed(rows: list[dict], state: str) -> list[dict]:
    """The items in ``state``, most days late first."""
    out = [_item(r) for r in rows if r["state"] == state]
    out.sort(key=lambda r: (-(r["days_late"] or 0), r["path"], r["line"] or 0))
    return out
