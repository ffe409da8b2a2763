"""The digest's period: ``--since`` (``7d``, ``2w``, ``1m`` or an ISO date) read against the as-of day.

A period ends on the as-of day, inclusive, and is as long as ``--since`` says: ``7d`` on
Monday 2026-01-12 is Tuesday 2026-01-06 to Monday 2026-01-12, seven days; ``1m`` on
2026-03-15 is 2026-02-16 to 2026-03-15; an ISO date is the first day itself. The periods
before it, for the recurrence trend, have the same length and touch each other: the N days
(or the calendar month) just before. Pure standard library, so the command line can check
``--since`` before anything heavy loads.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

SINCE = re.compile(r"(\d{1,4})\s*([dwm])", re.I)
MAX_DAYS = 3660  # ten years: anything longer is a typo, not a digest
UNITS = {"d": ("day", "days"), "w": ("week", "weeks"), "m": ("month", "months")}


@dataclass(frozen=True)
class Since:
    """What ``--since`` said: ``count`` of ``unit`` (d, w, m), or a first ``day``."""

    text: str
    count: int = 0
    unit: str = ""
    day: date | None = None

    def periods(self, as_of: date, previous: int) -> list[Period]:
        """The period ending on ``as_of`` and the ``previous`` ones before it, oldest first.

        Months count back from the as-of day itself (period k ends k months before it), so
        the periods of ``1m`` on 2026-03-31 are March, February and January, whole."""
        out = []
        if self.unit == "m":
            for k in range(previous + 1):
                end = add_months(as_of, -k * self.count)
                out.append(Period(add_months(as_of, -(k + 1) * self.count) + timedelta(days=1), end))
        else:
            days = (as_of - self.day).days + 1 if self.day is not None else self.count * (7 if self.unit == "w" else 1)
            for k in range(previous + 1):
                end = as_of - timedelta(days=k * days)
                out.append(Period(end - timedelta(days=days - 1), end))
        return out[::-1]

    def name(self, as_of: date) -> str:
        """How the digest names its period: "week", "2 weeks", "month", "31 days"."""
        if self.day is not None:
            n = (as_of - self.day).days + 1
            return "day" if n == 1 else f"{n} days"
        if self.unit == "d" and self.count % 7 == 0:
            return Since(self.text, self.count // 7, "w").name(as_of)
        one, many = UNITS[self.unit]
        return one if self.count == 1 else f"{self.count} {many}"


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def parse_since(text: str, as_of: date) -> Since:
    """``7d``, ``2w``, ``1m`` or ``YYYY-MM-DD`` (on or before ``as_of``); ValueError says what is wrong."""
    value = text.strip()
    if m := SINCE.fullmatch(value):
        count, unit = int(m.group(1)), m.group(2).lower()
        days = count * {"d": 1, "w": 7, "m": 31}[unit]
        if count < 1 or days > MAX_DAYS:
            raise ValueError(f"{text!r}: a period of 1 day to {MAX_DAYS // 366} years, such as 7d, 2w or 1m")
        return Since(value.lower().replace(" ", ""), count, unit)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r}: expected 7d, 2w, 1m (days, weeks, months) or a date YYYY-MM-DD") from None
    if day > as_of:
        raise ValueError(f"{text!r} is after the as-of day {as_of.isoformat()}")
    if (as_of - day).days + 1 > MAX_DAYS:
        raise ValueError(f"{text!r}: a period of at most {MAX_DAYS // 366} years")
    return Since(value, day=day)


def add_months(day: date, n: int) -> date:
    """The same day of the month ``n`` months later (earlier if negative), or that month's last day."""
    m = day.month - 1 + n
    y, m = day.year + m // 12, m % 12 + 1
    return date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def business_days_after(day: date, as_of: date) -> int:
    """Weekdays (Monday to Friday) after ``day`` up to and including ``as_of``: 0 when ``as_of``
    is not later. No holiday calendar: the digest's "5 business days" is the guides' working week."""
    if as_of <= day:
        return 0
    total = (as_of - day).days
    weeks, rest = divmod(total, 7)
    count = weeks * 5
    for k in range(1, rest + 1):
        if (day + timedelta(days=k)).weekday() < 5:
            count += 1
    return count
