"""The digest as Markdown: a Slack or email message and a GitHub issue body alike.

Short sections under ``###`` headings, one list item per thing, links to each postmortem's
line, no HTML and no tables (a table is unreadable in Slack and in a plain-text email).

Everything taken from a document is hostile and goes through ``text``:

* ``&``, ``<`` and ``>`` become entities: no HTML, and no Slack control sequence
  (``<!channel>``, ``<@U123>``) survives; GitHub and Slack both show the characters.
* Markdown's marks (``\\ ` * _ [ ] ~ | $``) are backslash-escaped, so a title cannot open a
  link, an image, emphasis or math, and a leading ``#``, ``>``, ``-``, ``+`` or ``1.`` cannot
  start a heading, quote or list.
* Mentions are neutralised: a WORD JOINER (U+2060, invisible) after every ``@`` and ``#``
  that precedes a name or number, and inside ``GH-12``, so ``@everyone``, ``@org/team``,
  ``#42`` and ``GH-42`` ping nobody and cross-reference no issue when the digest is posted
  as one; owners are shown the same way. ``http://``, ``https://`` and ``www.`` in a text
  get one too, so a document's URL is not made a link by GitHub's autolinker: the digest
  links only to the postmortems.
* Control and bidirectional-override characters are dropped, newlines become spaces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reviewer.digest.links import href

WJ = "\u2060"  # WORD JOINER: invisible, and breaks a mention, an issue reference or a URL
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKS = re.compile(r"([\\`*_\[\]~|$])")
_MENTION = re.compile(r"([@#])(?=[\w\-/])")
_REFERENCE = re.compile(r"\b(GH)-(?=\d)", re.I)
_AUTOLINK = re.compile(r"\b(https?:|ftp:|www)(?=//|\.)", re.I)
_LEADING = re.compile(r"^([#+\-=])")
_NUMBERED = re.compile(r"^(\d{1,9})([.)])")


def text(value: object) -> str:
    """Inline Markdown that shows ``value`` as written and does nothing else (module doc)."""
    flat = " ".join(_DROP.sub("", str(value)).split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    flat = _MARKS.sub(r"\\\1", flat)
    flat = _MENTION.sub(lambda m: m.group(1) + WJ, flat)
    flat = _REFERENCE.sub(lambda m: m.group(1) + WJ + "-", flat)
    flat = _AUTOLINK.sub(lambda m: m.group(1) + WJ, flat)
    flat = _NUMBERED.sub(lambda m: m.group(1) + "\\" + m.group(2), flat)
    return _LEADING.sub(lambda m: "\\" + m.group(1), flat)


def link(label: str, path: object, base: str, line: object = None) -> str:
    """``[label](url)``, or the label alone where the path gets no link (reviewer/digest/links.py)."""
    url = href(path, base, line)
    return f"[{text(label)}]({url})" if url else text(label)


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def pct(rate: float | None) -> str:
    if rate is None:
        return "–"
    value = rate * 100
    return f"{value:.0f}%" if abs(value - round(value)) < 0.05 or value >= 10 else f"{value:.1f}%"


def render(digest: Mapping[str, Any], *, link_base: str = "") -> str:
    """The digest dict (reviewer/digest/data.py) as Markdown, ending with one newline."""
    period = digest["period"]
    words = period_words(period["name"], len(digest["recurrence"]["trend"]) - 1)
    s = digest["summary"]
    rec = digest["recurrence"]
    out = [
        f"## Postmortem digest: {words['title']} to {digest['as_of']}",
        "",
        f"{text(digest.get('corpus') or 'corpus')} · as of {digest['as_of']} · "
        f"{period['start']} to {period['end']} ({plural(period['days'], 'day')})",
        "",
        " · ".join(
            [
                plural(s["incidents"], "incident"),
                plural(s["past_due"], "action item") + " past due or past SLA",
                f"{s['due_soon']} due in the next 7 days",
                f"recurrence {pct(rec['rate'])} (target {pct(rec['target'])})",
                plural(s["write_ups"], "write-up") + " to finish",
            ]
        ),
        "",
    ]
    out += _incidents(digest, words, link_base)
    out += _past_due(digest, link_base)
    out += _due_soon(digest, link_base)
    out += _recurrence(rec, words)
    out += _write_ups(digest, link_base)
    out += _footer(digest)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def period_words(name: str, previous: int = 4) -> dict[str, str]:
    """How the text names the period and the ones before it: "this week", "the 4 weeks before"."""
    if name in ("day", "week", "month"):
        this = "today" if name == "day" else f"this {name}"
        return {"title": name, "this": this, "before": f"the {previous} {name}s before"}
    return {"title": name, "this": f"these {name}", "before": f"the {previous} periods of {name} before"}


def _incidents(digest: Mapping[str, Any], words: dict[str, str], base: str) -> list[str]:
    items = digest["incidents"]
    out = [f"### Incidents {words['this']} ({digest['summary']['incidents']})", ""]
    if not items:
        return [*out, f"No postmortem is dated {words['this']}.", ""]
    for i in items:
        severity = f"**{text(i['severity'])}**" if i["severity"] else "no severity"
        line = f"- {severity} · {i['date']} · {link(i['title'], i['path'], base)}"
        if i["summary"]:
            line += f": {text(i['summary'])}"
        if i["recurring"]:
            again = "; ".join(text(_capital(a)) for a in i["again"])
            line += f" *Recurring{': ' + again if again else ''}.*"
        out.append(line)
    if more := digest["more"]["incidents"]:
        out.append(f"- and {plural(more, 'more incident')} (`pmreview report` lists them all)")
    return [*out, ""]


def _past_due(digest: Mapping[str, Any], base: str) -> list[str]:
    groups = digest["past_due"]
    out = [f"### Past due or past SLA ({digest['summary']['past_due']})", ""]
    if not groups:
        return [*out, "No open action item is past its due date or its priority's SLA.", ""]
    for g in groups:
        owner = f"**{text(g['owner'])}**" if g["owner"] else "**No owner**"
        out += [f"{owner} ({g['count']})", ""]
        for item in g["items"]:
            out.append(f"- {link(item['text'], item['path'], base, item['line'])} {_lateness(item)}")
        if g["more"]:
            out.append(f"- and {g['more']} more, due later than these")
        out.append("")
    more = digest["more"]
    if more["owners"]:
        out += [f"And {plural(more['owners'], 'more owner')} with {plural(more['owner_items'], 'item')} past due.", ""]
    return out


def _lateness(item: Mapping[str, Any]) -> str:
    """ "(due 2025-12-15, 28 days late · P1 SLA of 14 days: due 2025-12-02, 41 days late · in <title>)"."""
    parts = []
    if item.get("deadline"):
        parts.append(f"due {item['deadline']}, {plural(item.get('days_overdue') or 0, 'day')} late")
    if sla := item.get("sla"):
        parts.append(_sla(sla) + f": due {sla['due']}, {plural(sla.get('days_late') or 0, 'day')} late")
    elif item.get("priority"):
        parts.append(text(item["priority"]))
    parts.append(f"in {text(item['postmortem'])}")
    return "(" + " · ".join(parts) + ")"


def _sla(sla: Mapping[str, Any]) -> str:
    return f"{text(sla['priority'])} SLA of {plural(sla['sla_days'], 'day')}"


def _due_soon(digest: Mapping[str, Any], base: str) -> list[str]:
    items = digest["due_soon"]
    out = [f"### Due in the next 7 days ({digest['summary']['due_soon']})", ""]
    if not items:
        return [*out, "No open action item is due in the next 7 days.", ""]
    for item in items:
        when = "today" if item["days_left"] == 0 else f"in {plural(item['days_left'], 'day')}"
        who = text(item["owner"]) if item["owner"] else "no owner"
        if item.get("due_by") == "sla":
            extra = f"{_sla(item['sla'])} · "
        else:
            extra = f"{text(item['priority'])} · " if item.get("priority") else ""
        item_link = link(item["text"], item["path"], base, item["line"])
        out.append(f"- {item['due']} ({when}) · {who} · {item_link} ({extra}in {text(item['postmortem'])})")
    if more := digest["more"]["due_soon"]:
        out.append(f"- and {more} more")
    return [*out, ""]


def _recurrence(rec: Mapping[str, Any], words: dict[str, str]) -> list[str]:
    before = rec["previous"]
    if rec["rate"] is None:
        lines = [f"No incidents {words['this']}, so no recurrence rate (target {pct(rec['target'])})."]
    else:
        lines = [
            f"**{pct(rec['rate'])}** of the incidents {words['this']} recur an earlier one "
            f"({rec['recurring']} of {rec['incidents']}), {rec['status']} the {pct(rec['target'])} target."
        ]
    counted = f"{pct(before['rate'])} ({before['recurring']} of {before['incidents']})"
    if before["rate"] is None:
        lines.append(f"No incidents in {words['before']} to compare with.")
    elif rec["rate"] is None:
        lines.append(f"In {words['before']}: {counted}.")
    else:
        change = {"up": "Up from", "down": "Down from", "same": "The same as"}[rec["change"]]
        lines.append(f"{change} {counted} in {words['before']}.")
    out = ["### Recurrence", "", " ".join(lines), ""]
    for row in rec["trend"]:
        value = f"{pct(row['rate'])} ({row['recurring']} of {row['incidents']})" if row["incidents"] else "no incidents"
        out.append(f"- {row['start']} to {row['end']}: {value}")
    return [*out, ""]


def _write_ups(digest: Mapping[str, Any], base: str) -> list[str]:
    items = digest["write_ups"]
    grace = digest.get("grace_business_days", 5)
    out = [f"### Write-ups to finish ({digest['summary']['write_ups']})", ""]
    if not items:
        done = f"No recent postmortem lacks a section, nor its action items after {grace} business days."
        return [*out, done, ""]
    for w in items:
        gaps = []
        if w["missing_sections"]:
            gaps.append("missing " + ", ".join(text(s) for s in w["missing_sections"]))
        if w["no_action_items"]:
            gaps.append("no action items")
        age = plural(w["business_days"], "business day")
        out.append(f"- {link(w['title'], w['path'], base)} ({w['date']}, {age} ago): {'; '.join(gaps)}")
    if more := digest["more"]["write_ups"]:
        out.append(f"- and {more} more")
    return [*out, ""]


def _footer(digest: Mapping[str, Any]) -> list[str]:
    out = []
    if n := digest.get("undated"):
        has, its = ("has", "its") if n == 1 else ("have", "their")
        out.append(f"_{plural(n, 'postmortem')} {has} no date: in no period, but {its} action items count above._")
    for error in digest.get("errors", []):
        out.append(f"_Not read: {text(error)}_")
    return out


def _capital(value: str) -> str:
    return value[:1].upper() + value[1:]
