"""Deadlines and priorities in action items, normalised to ISO dates where possible.

"due 2024-06-14", "by Friday", "end of sprint 42", "Q3 2024", "within two weeks",
"next sprint", "by end of June", "P1". Relative forms resolve against the
postmortem's own date when it has one; without it they still count as deadlines,
just without an ISO date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m
}
MONTHS["sept"] = 9
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)} | {
    d.lower(): i for i, d in enumerate(calendar.day_abbr)
}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "a": 1, "an": 1}
MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*"
NUM = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|a|an)"

ISO = re.compile(r"\b(20\d{2})-(\d{1,2})-(\d{1,2})\b")
DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({MONTH})\.?(?:,?\s+(20\d{{2}}))?\b", re.I)
MONTH_DAY = re.compile(rf"\b({MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(20\d{{2}}))?\b", re.I)
QUARTER = re.compile(r"\b(?:end of\s+)?Q([1-4])(?:\s*(?:'|FY)?\s*(20\d{2}|\d{2}))?\b", re.I)
HALF = re.compile(r"\b(?:end of\s+)?H([12])(?:\s*(20\d{2}))?\b")
MONTH_END = re.compile(
    rf"\b(?:by|before|until|till|due|in|end of|by end of|by the end of|eo)\s+({MONTH})(?:\s+(20\d{{2}}))?\b(?!\.?\s*\d{{1,2}}\b)",
    re.I,
)
WEEKDAY = re.compile(rf"\b(?:by|before|until|due|on|this|next)\s+(next\s+)?({DAY})\b", re.I)
WITHIN = re.compile(rf"\b(?:within|in)\s+(?:the\s+next\s+)?({NUM})\s+(day|week|month|sprint|quarter)s?\b", re.I)
NEXT = re.compile(
    r"\b(next|this|current|following|end of(?: the)?|by end of(?: the)?|by the end of(?: the)?)\s+(week|month|sprint|quarter|year|release|iteration|cycle)\b",
    re.I,
)
SPRINT = re.compile(r"\b(?:end of\s+)?sprint\s*#?(\d+)\b", re.I)
SHORTHAND = re.compile(r"\b(EOD|EOW|EOM|EOQ|EOY|tomorrow|today|tonight)\b", re.I)
PRIORITY = re.compile(
    r"(?<![\w-])\[?P([0-4])\]?(?![\w-])|\b(?:priority\s*[:=]?\s*)(critical|urgent|high|medium|med|low)\b|\b(critical|urgent|high|medium|low)[- ]priority\b",
    re.I,
)


@dataclass(frozen=True)
class Deadline:
    text: str
    start: int
    end: int
    iso: str | None  # normalised date, when the form and the document date allow
    valid: bool = True  # False: a date that does not exist (2024-02-31)


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _year(y: str | None, ref: date | None, month: int, day: int = 1) -> int | None:
    if y:
        return int(y) if len(y) == 4 else 2000 + int(y)
    if ref is None:
        return None
    # a written date without a year is the next such date on or after the document's date
    candidate = date(ref.year, month, min(day, calendar.monthrange(ref.year, month)[1]))
    return ref.year if candidate >= ref else ref.year + 1


def find_deadline(text: str, ref: date | None) -> Deadline | None:
    """The first deadline-like expression in ``text`` (priorities are separate)."""
    found: list[Deadline] = []
    for m in ISO.finditer(text):
        y, mo, d = (int(g) for g in m.groups())
        try:
            found.append(Deadline(m.group(0), m.start(), m.end(), date(y, mo, d).isoformat()))
        except ValueError:
            found.append(Deadline(m.group(0), m.start(), m.end(), None, valid=False))
    for pattern, order in ((DAY_MONTH, "dm"), (MONTH_DAY, "md")):
        for m in pattern.finditer(text):
            if order == "dm":
                day, mon, y = m.group(1), m.group(2), m.group(3)
            else:
                mon, day, y = m.group(1), m.group(2), m.group(3)
            month = MONTHS.get(mon.lower().rstrip("."), MONTHS.get(mon.lower()[:3]))
            if month is None:
                continue
            year = _year(y, ref, month, int(day))
            try:
                iso = date(year, month, int(day)).isoformat() if year else None
                found.append(Deadline(m.group(0), m.start(), m.end(), iso))
            except ValueError:
                found.append(Deadline(m.group(0), m.start(), m.end(), None, valid=False))
    for m in QUARTER.finditer(text):
        q = int(m.group(1))
        year = _year(m.group(2), ref, q * 3, 28)
        iso = date(year, q * 3, calendar.monthrange(year, q * 3)[1]).isoformat() if year else None
        found.append(Deadline(m.group(0), m.start(), m.end(), iso))
    for m in HALF.finditer(text):
        h = int(m.group(1))
        year = _year(m.group(2), ref, h * 6, 28)
        iso = date(year, h * 6, 30 if h == 1 else 31).isoformat() if year else None
        found.append(Deadline(m.group(0), m.start(), m.end(), iso))
    for m in MONTH_END.finditer(text):
        name = m.group(1).lower()
        month = MONTHS.get(name) or MONTHS.get(name[:3])
        if month is None:
            continue
        year = _year(m.group(2), ref, month, 28)
        iso = date(year, month, calendar.monthrange(year, month)[1]).isoformat() if year else None
        found.append(Deadline(m.group(0), m.start(), m.end(), iso))
    for m in WEEKDAY.finditer(text):
        wd = WEEKDAYS.get(m.group(2).lower()[:3])
        if wd is None:
            continue
        iso = None
        if ref is not None:
            days = (wd - ref.weekday()) % 7 or 7
            if m.group(1) or m.group(0).lower().startswith("next"):
                days += 7 if days < 7 else 0
            iso = (ref + timedelta(days=days)).isoformat()
        found.append(Deadline(m.group(0), m.start(), m.end(), iso))
    for m in WITHIN.finditer(text):
        raw = m.group(1).lower()
        n = int(raw) if raw.isdigit() else NUMBERS[raw]
        unit = m.group(2).lower()
        iso = None
        if ref is not None:
            delta = {"day": timedelta(days=n), "week": timedelta(weeks=n), "sprint": timedelta(weeks=2 * n)}.get(unit)
            iso = (
                (ref + delta).isoformat()
                if delta
                else _add_months(ref, n * (3 if unit == "quarter" else 1)).isoformat()
            )
        found.append(Deadline(m.group(0), m.start(), m.end(), iso))
    for m in NEXT.finditer(text):
        unit = m.group(2).lower()
        iso = None
        if ref is not None and unit in ("week", "month", "year"):
            nxt = m.group(1).lower() in ("next", "following")
            if unit == "week":
                end = ref + timedelta(days=6 - ref.weekday()) + (timedelta(weeks=1) if nxt else timedelta())
            elif unit == "month":
                base = _add_months(ref, 1) if nxt else ref
                end = date(base.year, base.month, calendar.monthrange(base.year, base.month)[1])
            else:
                end = date(ref.year + (1 if nxt else 0), 12, 31)
            iso = end.isoformat()
        found.append(Deadline(m.group(0), m.start(), m.end(), iso))
    for m in SPRINT.finditer(text):
        found.append(Deadline(m.group(0), m.start(), m.end(), None))
    for m in SHORTHAND.finditer(text):
        found.append(Deadline(m.group(0), m.start(), m.end(), None))
    if not found:
        return None
    return min(found, key=lambda d: (d.start, -(d.end - d.start)))


def find_priority(text: str) -> tuple[str, int, int] | None:
    m = PRIORITY.search(text)
    if not m:
        return None
    if m.group(1) is not None:
        return f"P{m.group(1)}", m.start(), m.end()
    word = (m.group(2) or m.group(3)).lower()
    return (
        {"critical": "P0", "urgent": "P0", "high": "P1", "medium": "P2", "med": "P2", "low": "P3"}[word],
        m.start(),
        m.end(),
    )


DOC_DATE_LINE = re.compile(
    r"^\W*(?:incident\s+)?(?:date|started|start(?:ed)? at|occurred|when|incident date)\W*[:|]\W*(.+)$", re.I | re.M
)
FILE_DATE = re.compile(r"(20\d{2})-(\d{2})-(\d{2})")


def document_date(front_matter: str | None, text: str, path: str) -> date | None:
    """The postmortem's date (see ``dated``)."""
    return dated(front_matter, text, path)[0]


TEXT_DATE_WINDOW = 3000  # characters after the front matter searched for a written date


@lru_cache(maxsize=32)  # asked for by several rules and the action items of one document
def dated(front_matter: str | None, text: str, path: str) -> tuple[date | None, str | None]:
    """The postmortem's date and where it came from, most explicit first: ``front-matter``
    (``date:``), ``date-line`` (a ``Date:`` line), ``file-name`` (2026-11-03-….md), or ``text``:
    the first full date written near the top ("On Tuesday 22nd June 2021 …"), which is how
    many real postmortems give it. (None, None) when there is none."""
    if front_matter:
        m = re.search(r"^\s*(?:date|incident_date|started)\s*[:=]\s*['\"]?(20\d{2}-\d{2}-\d{2})", front_matter, re.M)
        if m and (d := _iso(m.group(1))):
            return d, "front-matter"
    for m in DOC_DATE_LINE.finditer(text[:4000]):
        d = find_deadline(m.group(1), None)
        if d is not None and d.iso and (day := _iso(d.iso)):
            return day, "date-line"
    m = FILE_DATE.search(path.rsplit("/", 1)[-1])
    if m and (d := _iso(m.group(0))):
        return d, "file-name"
    begin = 0
    if front_matter and (at := text.find(front_matter)) >= 0:
        begin = at + len(front_matter)
    written = _first_written_date(text[begin : begin + TEXT_DATE_WINDOW])
    return (written, "text") if written else (None, None)


def _first_written_date(text: str) -> date | None:
    """The first full date (with a year) in ``text``: 2021-06-22, 22nd June 2021, June 22, 2021."""
    found: list[tuple[int, date]] = []
    for m in ISO.finditer(text):
        if d := _make(int(m.group(1)), int(m.group(2)), int(m.group(3))):
            found.append((m.start(), d))
    for pattern, day_first in ((DAY_MONTH, True), (MONTH_DAY, False)):
        for m in pattern.finditer(text):
            if not m.group(3):
                continue
            day, name = (m.group(1), m.group(2)) if day_first else (m.group(2), m.group(1))
            month = MONTHS.get(name.lower().rstrip(".")) or MONTHS.get(name.lower()[:3])
            if month and (d := _make(int(m.group(3)), month, int(day))):
                found.append((m.start(), d))
    return min(found)[1] if found else None


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _iso(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
