"""The digest as one self-contained HTML page, in the report's styles (its CSS, inlined).

Why the report's CSS and not a copy: a lead who reads both should see one product, light and
dark mode and the 700 px layout included, and a fix to one reaches the other. Why no script:
the digest is a page to read and mail, with nothing to sort or expand; its Content-Security-
Policy allows no script at all, so should anything from the corpus slip past Jinja's
autoescaping as a ``<script>``, the browser still refuses to run it.

The template only shows values: links, wording and percentages are made here from the digest
dict (reviewer/digest/data.py); the same dict gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from reviewer.digest.links import href
from reviewer.digest.markdown import pct, period_words, plural

TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT_TEMPLATES = Path(__file__).resolve().parent.parent / "report" / "templates"  # report.css
TEMPLATE = "digest.html.j2"


def render(digest: Mapping[str, Any], *, link_base: str = "") -> str:
    """The digest as an HTML document; ``link_base`` as for the Markdown (reviewer/digest/links.py)."""
    return _environment().get_template(TEMPLATE).render(**build_context(digest, link_base))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(TEMPLATES), str(REPORT_TEMPLATES)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = pct
    return env


def build_context(digest: Mapping[str, Any], link_base: str = "") -> dict[str, Any]:
    """What the template shows, with every link and phrase made here."""
    period = digest["period"]
    rec = digest["recurrence"]
    words = period_words(period["name"], len(rec["trend"]) - 1)

    def link(path: str, line: object = None) -> str | None:
        return href(path, link_base, line)

    incidents = [
        {**i, "href": link(i["path"]), "again": [a[:1].upper() + a[1:] for a in i["again"]]}
        for i in digest["incidents"]
    ]
    owners = [
        {
            "owner": g["owner"],
            "count": g["count"],
            "more": g.get("more", 0),
            "items": [{**item, "href": link(item["path"], item["line"]), "terms": _terms(item)} for item in g["items"]],
        }
        for g in digest["past_due"]
    ]
    due = [
        {
            **item,
            "href": link(item["path"], item["line"]),
            "when": "today" if item["days_left"] == 0 else f"in {plural(item['days_left'], 'day')}",
            "terms": _sla(item["sla"]) if item.get("due_by") == "sla" else (item.get("priority") or ""),
        }
        for item in digest["due_soon"]
    ]
    write_ups = [
        {**w, "href": link(w["path"]), "age": plural(w["business_days"], "business day")} for w in digest["write_ups"]
    ]
    before = rec["previous"]
    trend = [
        {**row, "current": n == len(rec["trend"]) - 1, "width": f"{(row['rate'] or 0) * 100:.1f}"}
        for n, row in enumerate(rec["trend"])
    ]
    change = {"up": "up from", "down": "down from", "same": "the same as"}.get(rec["change"] or "")
    return {
        "title": f"Postmortem digest: {words['title']} to {digest['as_of']}",
        "corpus": digest.get("corpus") or "corpus",
        "as_of": digest["as_of"],
        "period": period,
        "days": plural(period["days"], "day"),
        "words": words,
        "summary": digest["summary"],
        "incidents": incidents,
        "owners": owners,
        "past_due": digest["summary"]["past_due"],
        "more": digest["more"],
        "due": due,
        "rec": rec,
        "rate_class": {"above": "over", "within": "under"}.get(rec["status"] or "", ""),
        "before": before,
        "change": change,
        "trend": trend,
        "write_ups": write_ups,
        "grace": digest.get("grace_business_days", 5),
        "undated": digest.get("undated", 0),
        "undated_text": _undated(digest.get("undated", 0)),
        "errors": digest.get("errors", []),
    }


def _sla(sla: Mapping[str, Any]) -> str:
    return f"{sla['priority']} SLA of {plural(sla['sla_days'], 'day')}"


def _terms(item: Mapping[str, Any]) -> str:
    """The priority, or the SLA the item is past: "P1 SLA of 14 days: due 2025-12-02, 41 days late"."""
    if sla := item.get("sla"):
        return f"{_sla(sla)}: due {sla['due']}, {plural(sla.get('days_late') or 0, 'day')} late"
    return item.get("priority") or ""


def _undated(n: int) -> str:
    if not n:
        return ""
    has, its = ("has", "its") if n == 1 else ("have", "their")
    return f"{plural(n, 'postmortem')} {has} no date: in no period, but {its} action items count above."
