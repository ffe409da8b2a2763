"""Time to detect, acknowledge, mitigate and resolve, read from a postmortem's timeline.

Why from the words: a timeline entry says what happened ("the alert fires and pages the
on-call", "Bruno acknowledges", "the config is reverted", "error rates return to baseline"),
and the guides a lead follows break MTTR down by exactly those moments. Each figure names the
two entries it was measured between; a figure is left empty rather than guessed: no entry
says when the impact started (a trigger, a failing pipeline or probe, a report of a failure
already under way, or a failure first seen while people were already at work on it is no
start), the moments come out of order (a "notice" after the rollback), or the clock went
backwards with no date to explain it. An entry given in another time zone than the rest is
left out, and so is a revert in staging.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reviewer.markdown import Block, Document

TIME = re.compile(r"(?<![\d:.])([01]?\d|2[0-3])[:.h]([0-5]\d)(?::[0-5]\d)?(?:\s*([ap])\.?m\.?\b)?", re.I)
ISO_DATE = re.compile(r"\b(20\d{2})-(\d{2})-(\d{2})\b")
ZONE = re.compile(r"\b(UTC|GMT|Z|PT|ET|CT|MT|[A-Z]{1,3}[SD]?T)\b")
# a build or pipeline failing is no impact on users ("the deploy pipeline failed")
NOT_IMPACT = re.compile(
    r"\b(?:pipelines?|builds?|jobs?|tests?|ci|deploy(?:ment)?s?|plans?)\b[^.;]{0,40}\bfail|"
    r"\bfail(?:ed|ing)\s+(?:pipelines?|builds?|jobs?|tests?|ci|deploy(?:ment)?s?|plans?)\b",
    re.I,
)
# a probe that fails is how the impact was seen, not when it began ("Uptime check fails")
PROBE_FAILS = r"\b(?:checks?|probes?|monitors?|synthetics?|canar(?:y|ies))\b(?:\s+\S+){0,3}?\s+fail(?:s|ed|ing)?\b"
# "Failed node terminated": an adjective opening the entry names a thing, it reports no failure
ADJECTIVE_FAILED = re.compile(r"^\W*(?:\S*\d\S*\W+){0,3}failed\s+(?!to\b|over\b|with\b|for\b|on\b|in\b|at\b)", re.I)
# an entry the writer labelled with its moment ("**Detection:** …", "**Recovery:** …")
LABELLED = {
    "detect": re.compile(r"^\W*(?:\S*\d\S*\W+){0,3}(?:detection|detected)\s*:", re.I),
    "mitigate": re.compile(r"^\W*(?:\S*\d\S*\W+){0,3}mitigation\s*:", re.I),
    "resolve": re.compile(r"^\W*(?:\S*\d\S*\W+){0,3}(?:recovery|resolution|resolved)\s*:", re.I),
}
HINDSIGHT = re.compile(r"\b(?:should|could|would|might)(?:n't| not)? have\b[^,.;]*", re.I)

EVENTS = {
    # the impact, not its trigger: "starts returning 404", "checkout errors spike", "the site is down"
    "start": re.compile(
        r"\b(?:impact (?:starts?|began|begins)|(?:outage|incident|errors?|failures?|degradation|impact) "
        r"(?:start|began|begin|spike|rise)|start(?:s|ed)? (?:to )?(?:fail|error|return|reject|drop|time out|"
        r"log(?:ging)? errors?|degrade|crash)|fail(?:s|ed|ing)\b|returning (?:\d{3}|errors?)|(?:is|are|was|were|goes|went) "
        r"(?:down|unavailable|unreachable|degraded|unhealthy)|timing out|time out|degrad(?:es|ed|ing)|"
        r"crash(?:es|ed|ing|looping)|out of memory|\boom\b)",
        re.I,
    ),
    "detect": re.compile(
        r"\b(?:alerts?|alarms?|monitors?)\b[^.]{0,40}\b(?:fire[sd]?|firing|trigger(?:s|ed)?|went off|goes off)|"
        rf"{PROBE_FAILS}|\bpage[sd]\b|\bpaging\b|\b(?:notic(?:e|es|ed|ing)|detect(?:s|ed)?|spott(?:ed)|report(?:s|ed))\b|"
        r"\b(?:customers?|users?) (?:report|complain)",
        re.I,
    ),
    "acknowledge": re.compile(
        r"\back(?:nowledge[sd]?|ed|s)?\b(?! of| that)|\bpick(?:s|ed)? up (?:the )?(?:alert|page|ticket|report)|\b(?:is|was) on it\b|\bjoins? the (?:call|bridge)",
        re.I,
    ),
    "mitigate": re.compile(
        r"\b(?:mitigat\w*|roll(?:s|ed)? back|rollback|revert(?:s|ed)?|is reverted|fail(?:s|ed)? over|failover|"
        r"workaround|scal(?:es|ed) (?:up|out)|maintenance (?:mode|flag)|paus(?:es|ed) (?:all )?writes)\b",
        re.I,
    ),
    "resolve": re.compile(
        r"\b(?:resolv(?:es|ed)|recover(?:s|ed)|(?:back|return(?:s|ed)?) to (?:normal|baseline)|all clear|"
        r"(?:incident|outage) (?:is )?(?:closed|over|ended)|(?:is|are|was|were|been|fully) restored|"
        r"working (?:as intended|normally|again)|(?:declared|marked) resolved|stable again)\b",
        re.I,
    ),
}


def _not_impact(text: str, m: re.Match) -> bool:
    """A failing pipeline, a failing probe or a "Failed node" opening the entry is no impact start."""
    word = m.group(0).lower()
    if word.startswith("fail") and (NOT_IMPACT.search(text) or re.search(PROBE_FAILS, text, re.I)):
        return True
    return word.startswith("failed") and bool(ADJECTIVE_FAILED.match(text)) and m.start() < 40


# the team already at work on the problem: investigating, attempting, restarting, cordoning, deleting
RESPONSE = re.compile(
    r"\b(?:investigat\w*|attempt(?:s|ed|ing)?|tr(?:y|ies|ied|ying) to|restart(?:s|ed|ing)?|cordon\w*|drain(?:s|ed|ing)?|"
    r"debug\w*|troubleshoot\w*|delet(?:e|es|ed|ing)|incident (?:is |was )?(?:declared|raised|opened))\b",
    re.I,
)
STAGING = re.compile(r"\b(?:in|to|on|from) (?:the )?(?:staging|test|dev)\b", re.I)


FIGURES = {
    "time_to_detect": ("start", "detect"),
    "time_to_acknowledge": ("detect", "acknowledge"),
    "time_to_mitigate": ("start", "mitigate"),
    "time_to_resolve": ("start", "resolve"),
}


UNDATED = date(1970, 1, 1)  # the day of entries that give only a time


@dataclass
class Entry:
    line: int
    at: datetime | None
    zone: str | None
    text: str


def entries(doc: Document) -> list[Entry]:
    """The timeline's entries with their times, in order: list items, table rows and paragraphs
    that open with a time, and subheadings that are a time ("### 14:05") with the text under them."""
    timeline = doc.sections_named("timeline")
    day: date | None = None
    out: list[Entry] = []
    seen_items: set[int] = set()
    heading_entry: Entry | None = None
    for b in doc.blocks:
        if b.section not in timeline or b.quoted:
            continue
        text = " ".join(doc.masked[b.start : b.end].split())
        if b.kind == "heading":
            d = ISO_DATE.search(text)
            if d:
                day = _date(d)
            heading_entry = None
            if TIME.search(text):
                heading_entry = _entry(b, text, day)
                out.append(heading_entry)
            continue
        if b.header:
            continue
        if b.list_item is not None:
            if doc.list_items[b.list_item].parent is not None or b.list_item in seen_items:
                continue
            seen_items.add(b.list_item)
        if b.timestamp or (b.kind == "table_row" and TIME.search(text[:40])):
            out.append(_entry(b, text, day))
            heading_entry = None
        elif heading_entry is not None:
            heading_entry.text += " " + text  # what happened at the heading's time
    return out


def _date(m: re.Match) -> date | None:
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _entry(b: Block, text: str, day: date | None) -> Entry:
    head = text[:60]
    t = TIME.search(head)
    d = ISO_DATE.search(head)
    on = _date(d) if d else day
    at = None
    if t:
        hour, minute = int(t.group(1)), int(t.group(2))
        if t.group(3):
            hour = hour % 12 + (12 if t.group(3).lower() == "p" else 0)
        at = datetime.combine(on or UNDATED, datetime.min.time()).replace(hour=hour, minute=minute)
    z = ZONE.search(head)
    return Entry(b.line, at, z.group(1) if z else None, text)


def metrics(doc: Document) -> dict[str, dict | None]:
    """Each figure as {"minutes", "from_line", "to_line"}, or None where the timeline does not tell."""
    timed = [e for e in entries(doc) if e.at is not None]
    zones = Counter(e.zone for e in timed if e.zone)
    if zones:  # an entry given in another zone ("17:40 PT: …" among UTC ones) is left out
        main = zones.most_common(1)[0][0]
        timed = [e for e in timed if e.zone in (None, main)]
    out: dict[str, dict | None] = dict.fromkeys(FIGURES)
    if len(timed) < 2:
        return out
    # minutes from the first entry; a clock that goes backwards without a date is a new day only
    # when the entries carry dates, otherwise the rest cannot be placed
    placed: list[tuple[Entry, float]] = []
    previous: datetime | None = None
    dated = timed[0].at.date() != UNDATED
    for e in timed:
        if dated and e.at.date() == UNDATED and previous is not None:
            e.at = datetime.combine(previous.date(), e.at.time())  # a time under a dated entry: that day
        if (e.at.date() != UNDATED) != dated:
            break  # a date after undated entries: the gap between them is unknown
        if previous is not None and e.at < previous:
            if dated and e.at.date() != previous.date():
                break  # dated and yet earlier: out of order, stop here
            at = e.at + timedelta(days=1)
            if at - previous > timedelta(hours=12):
                break  # past midnight is a guess this far apart
            e.at = at
        previous = e.at
        placed.append((e, (e.at - timed[0].at).total_seconds() / 60))
    first: dict[str, tuple[Entry, float]] = {}
    labelled: set[str] = set()
    for e, minutes in placed:
        said = HINDSIGHT.sub(" ", e.text)  # "should have rolled back" is not a rollback
        for name, pattern in EVENTS.items():
            if name in first:
                continue
            m = LABELLED[name].search(said) if name in LABELLED else None
            if m is not None:
                labelled.add(name)
            else:
                m = pattern.search(said)
            if m and name == "start" and _not_impact(said, m):
                continue
            if m and name == "mitigate" and STAGING.search(said):
                continue  # a revert in staging lessens nobody's impact
            if m:
                first[name] = (e, minutes)
    if "start" in first and any(first[k][1] < first["start"][1] for k in first if k != "start"):
        del first["start"]  # the "start" came after the response began: a fix rolled out, not the impact
    if "start" in first and any(
        RESPONSE.search(e.text) for e, _ in placed if e is not first["start"][0] and e.line < first["start"][0].line
    ):
        del first["start"]  # people were already at work on it: what fails now is a symptom, the start is earlier
    if "start" in first and "detect" in first and first["start"][0] is first["detect"][0] and "detect" not in labelled:
        del first["start"]  # "users report launches failing": known then, begun earlier, when is not said
    for late, before in (("detect", ("mitigate", "resolve")), ("acknowledge", ("mitigate", "resolve"))):
        if late in first and any(k in first and first[k][1] < first[late][1] for k in before):
            del first[late]  # "noticed" after the rollback: the real detection is not in the words
    for figure, (a, b) in FIGURES.items():
        same = a in first and b in first and first[a][0] is first[b][0] and b not in labelled
        if a in first and b in first and first[b][1] >= first[a][1] and not same:
            # one entry for both ("we noticed the site was down") says when it was known, not how long
            # it took, unless the writer labelled it the detection ("**Detection:** X fails"): 0 min
            (ea, ma), (eb, mb) = first[a], first[b]
            out[figure] = {"minutes": round(mb - ma), "from_line": ea.line, "to_line": eb.line}
    return out
