"""Priority SLAs: how long an action item of each priority may take, and whether it kept to it.

The guides a lead works from state follow-through as dates: "90% of P0 items completed within
one week, 80% of P1 within the sprint". So each item with a priority the policy names gets a due
day, counted from the postmortem's date (the incident day: the day the clock starts for every
item of that postmortem, whatever its own deadline says), and a state:

* ``met``: done, and the completion date is on or before the due day;
* ``late``: done after the due day (``days_late`` says by how much);
* ``open``: not done, and the due day has not passed as of the report's as-of date;
* ``overdue``: not done, and the due day has passed (``days_late`` as of the as-of date);
* ``done_undated``: marked done, but no usable completion date is known, so whether it kept
  to the SLA cannot be said. Counted, never in the share met.

Decisions, for the edge cases:

* An item is done when its status is ``done`` (a ticked box, a done status cell, a completion
  note), the same rule as the report's follow-through (``reviewer/report/follow.py``). A
  completion date on an item still marked open is shown but does not make it done.
* Completion dates: the document's (``completed``, reviewer/completion.py) wins over git's
  (``completed_git``, reviewer/completion_git.py); ``completed_source`` says which was used.
* A completion date *before the incident* is impossible (the item did not exist yet): a typo or
  a copied line. It is not taken as "met": the item is ``done_undated`` with
  ``completed_before_incident: true``, and the date is still shown, so the lead can fix it.
  When the document's date is impossible and git's is not, git's is used (still flagged).
* A completion date after the as-of date means the item was not yet done on that day: a report
  "as of" a past day judges the state of that day (``open`` or ``overdue``).
* No SLA (``judge`` returns None): no incident date to count from, no priority, or a priority
  the policy does not name. ``reviewer/actions.py`` already reads "high", "critical" and "[P1]"
  as P-levels; any other word ("Blocker", "S1", "nice to have") has no SLA.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # pragma: no cover - typing only
    from reviewer.config import Config

DEFAULT_DAYS: dict[str, int] = {"P0": 7, "P1": 14, "P2": 90}
STATES = ("met", "late", "open", "overdue", "done_undated")
PRIORITY = re.compile(r"^P[0-4]$")


@dataclass(frozen=True)
class Policy:
    """Priority (P0-P4) -> days from the postmortem's date within which such an item is due."""

    days: dict[str, int]
    DEFAULT: ClassVar[Policy]

    @classmethod
    def from_config(cls, config: Config | None) -> Policy:
        """The defaults with what ``[tool.pmreview.sla]`` sets laid over them (a file that names
        only P3 keeps P0-P2 at their defaults); keys are checked by reviewer/config.py."""
        days = dict(DEFAULT_DAYS)
        if config is not None:
            days.update(dict(config.sla))
        return cls({k: days[k] for k in sorted(days)})

    def sla_days(self, priority: object) -> int | None:
        """The SLA of a written priority, or None: "p1" and " P1 " are P1; "HIGH" is no P-level here."""
        if not isinstance(priority, str):
            return None
        name = priority.strip().upper()
        return self.days.get(name) if PRIORITY.match(name) else None

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.days.items())))


Policy.DEFAULT = Policy(dict(DEFAULT_DAYS))


def _day(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def judge(item: dict, incident_day: date | None, as_of: date, policy: Policy) -> dict | None:
    """The SLA verdict of one action record (``ActionItem.record()``, optionally with
    ``completed_git``), or None when the item has no SLA. See the module's docstring."""
    sla_days = policy.sla_days(item.get("priority"))
    if sla_days is None or incident_day is None:
        return None
    due = incident_day + timedelta(days=sla_days)
    candidates = [
        (d, s) for d, s in ((_day(item.get("completed")), "document"), (_day(item.get("completed_git")), "git")) if d
    ]
    possible = [(d, s) for d, s in candidates if d >= incident_day]
    completed, source = (possible or candidates or [(None, None)])[0]
    before_incident = any(d < incident_day for d, _ in candidates)  # flagged even when git's date stands in
    done = item.get("status") == "done" and not (completed is not None and completed > as_of)
    days_late: int | None = None
    if done and (completed is None or completed < incident_day):
        state = "done_undated"
    elif done:
        state = "met" if completed <= due else "late"
        days_late = (completed - due).days if state == "late" else None
    elif as_of > due:
        state, days_late = "overdue", (as_of - due).days
    else:
        state = "open"
    return {
        "priority": item["priority"].strip().upper(),
        "sla_days": sla_days,
        "due": due.isoformat(),
        "completed": completed.isoformat() if completed else None,
        "completed_source": source,
        "state": state,
        "days_late": days_late,
        "days_left": (due - as_of).days if state == "open" else None,
        "completed_before_incident": before_incident,
    }


def _counts(rows: list[dict]) -> dict:
    out: dict = {"due": len(rows)} | dict.fromkeys(STATES, 0)
    for r in rows:
        out[r["state"]] += 1
    out["decided"] = out["met"] + out["late"] + out["overdue"]
    out["met_share"] = round(out["met"] / out["decided"], 4) if out["decided"] else None
    out["completed_before_incident"] = sum(bool(r.get("completed_before_incident")) for r in rows)
    return out


def summarise(rows: Iterable[dict]) -> dict:
    """Counts of ``judge`` verdicts, overall and per priority (P0 first).

    ``due``: items with an SLA (each has a due day); ``met`` … ``done_undated``: per state;
    ``decided``: met + late + overdue, the items whose outcome is known; ``met_share``: met /
    decided ("90% of P0 completed within one week"), None when nothing is decided. An open item
    not yet due and a done item without a date are in neither the share's numerator nor its
    denominator: counting them either way would make the share up."""
    rows = list(rows)
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["priority"], []).append(r)
    return _counts(rows) | {"by_priority": {p: _counts(by[p]) for p in sorted(by)}}


# --- who and what: the team and the services an item counts under ---------------------------------

TEAM_WORDS = re.compile(
    r"(?<![A-Za-z])(?:team|squad|group|guild|crew|sre|ops|devops|platform|infra|infrastructure|eng|engineering|"
    r"oncall|on-call|dba|dbas|qa|security|secops|networking|support|release)s?(?![A-Za-z])",
    re.I,
)


def front_matter_values(front_matter: str | None, *keys: str) -> list[str]:
    """The values of the first of ``keys`` the YAML or TOML front matter sets: ``team: payments``,
    ``services: [api, web]``, or a list of ``- name`` lines under the key."""
    if not front_matter:
        return []
    for key in keys:
        m = re.search(rf"^{re.escape(key)}\s*[:=][ \t]*(.*)$", front_matter, re.M | re.I)
        if m is None:
            continue
        inline = m.group(1).split("#", 1)[0].strip()
        if inline:
            names = inline.strip("[]").split(",")
        else:
            names = []
            for line in front_matter[m.end() :].lstrip("\n").splitlines():
                entry = re.match(r"\s+-\s+(.+)$", line)
                if entry is None:
                    break
                names.append(entry.group(1))
        out = [" ".join(n.strip(" '\"").split())[:60] for n in names]
        return [n for n in dict.fromkeys(out) if n]
    return []


def team_of(item: dict, front_matter: str | None) -> str | None:
    """The team an item counts under: its owner when the owner is a team ("@search-team",
    "Platform SRE", a GitHub team handle "@org/payments"), else the postmortem's ``team:``.

    The owner first: the SLA is on the item, and the team that owns it is the one that has to
    keep to it, whichever team wrote the postmortem. A person's name or handle names no team."""
    owner = item.get("owner")
    if isinstance(owner, str) and owner.strip():
        owner = " ".join(owner.split())
        if (owner.startswith("@") and "/" in owner) or TEAM_WORDS.search(owner):
            return owner[:60]
    teams = front_matter_values(front_matter, "team", "teams", "owning_team", "owning-team")
    return teams[0] if teams else None


def services_of(front_matter: str | None) -> list[str]:
    """The services the postmortem's front matter names (``service:`` or ``services:``)."""
    return front_matter_values(front_matter, "services", "service")
