"""Calendar buckets for the report's trends: month ("2025-03"), quarter ("2025-Q1"), year ("2025").

Periods are contiguous from the first to the last (or from --since to --until), empty ones
included, so a trend line shows a quiet quarter as a gap rather than skipping it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

GROUPS = ("month", "quarter", "year")


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    name: str


def period_of(day: date, group_by: str) -> Period:
    if group_by == "month":
        first, months = date(day.year, day.month, 1), 1
        name = f"{day.year}-{day.month:02d}"
    elif group_by == "quarter":
        q = (day.month - 1) // 3
        first, months = date(day.year, 3 * q + 1, 1), 3
        name = f"{day.year}-Q{q + 1}"
    elif group_by == "year":
        first, months = date(day.year, 1, 1), 12
        name = str(day.year)
    else:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}, not {group_by!r}")
    last_month = first.month + months - 1
    end = date(first.year, last_month, calendar.monthrange(first.year, last_month)[1])
    return Period(first, end, name)


def span(first: date, last: date, group_by: str) -> list[Period]:
    """Every period from the one holding ``first`` to the one holding ``last``."""
    out: list[Period] = []
    if last < first:
        return out
    p = period_of(first, group_by)
    while p.start <= last:
        out.append(p)
        nxt = date.fromordinal(p.end.toordinal() + 1)
        p = period_of(nxt, group_by)
    return out
