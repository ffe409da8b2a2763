"""Render the SRE lead's report (the dict from ``reviewer.report``) as one self-contained HTML file.

Why one file with everything inline: the report is mailed, attached to tickets and opened
from disk, often where the corpus is private; a page that fetched a font, a chart library
or an image would leak that it was opened and break offline. A strict Content-Security-
Policy in the page itself makes that a guarantee rather than a habit.

Why so much normalising here: the dict comes from analysis code that grows keys and may
leave lists empty or counts at zero; the template only ever sees clean values, so a missing
key renders as "–" instead of raising, and nothing from the corpus reaches the page
without Jinja's autoescaping (the SVG module escapes its own text).

Output is deterministic: no clock, no randomness, no set iteration; the same dict gives
the same bytes, so reports can be diffed and cached.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import markupsafe

from reviewer.report import svg

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "report.html.j2"
DEFAULT_TARGET = 0.15
QUALITY_CODES = (
    ("BL", "BL blaming language", "q-BL", "circle"),
    ("QU", "QU person-centred questions", "q-QU", "square"),
    ("RC", "RC single root cause", "q-RC", "diamond"),
)
PERIOD_WORDS = {
    "day": ("Day", "days"),
    "week": ("Week", "weeks"),
    "month": ("Month", "months"),
    "quarter": ("Quarter", "quarters"),
    "half": ("Half-year", "half-years"),
    "year": ("Year", "years"),
}
CATEGORY_SLOTS = 8
# A URL scheme ("javascript:", "data:", "https:") or a Windows drive: not a relative path.
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def render(data: Mapping[str, Any], *, link_base: str = "") -> str:
    """The report as an HTML document.

    ``link_base`` is prepended to corpus paths in links, for a report written somewhere other
    than the directory the paths are relative to (e.g. ``"../"``); it must itself be relative.
    """
    context = build_context(data, link_base=link_base)
    script = _script()
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(**context, script=markupsafe.Markup(script), script_hash=markupsafe.Markup(script_hash(script)))
    )


@cache
def _script() -> str:
    return (TEMPLATES / "report.js").read_text(encoding="utf-8")


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script and no other (``'sha256-…'``).

    A hash instead of ``'unsafe-inline'``: should anything from the corpus ever slip past
    the escaping as a ``<script>``, the browser still refuses to run it.
    """
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _environment() -> jinja2.Environment:
    """Templates from the package directory, so an installed wheel finds them too; autoescape always on."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = _pct
    env.filters["num"] = _num
    return env


# -- links -----------------------------------------------------------------------------------


def safe_href(path: object, base: str = "") -> str | None:
    """A percent-encoded relative link to a corpus file, or None where the path is not one.

    Only relative paths become links: a scheme (``javascript:``, ``data:``, ``http:``), an
    absolute or protocol-relative path, or control characters mean the text is shown without
    a link (a drive letter, ``C:\\``, reads as a scheme and is refused too). Everything else
    is percent-encoded, ':' included, so no later segment can be read as a scheme either.
    """
    if not isinstance(path, str) or not path.strip():
        return None
    if not _relative(path) or not _relative(base or "x"):
        return None
    joined = (base or "") + path.replace("\\", "/")
    return quote(joined, safe="/-._~!$&'()*+,;=@")


def _relative(path: str) -> bool:
    text = path.strip()
    return not (_SCHEME.match(text) or text.startswith(("/", "\\")) or _CONTROL.search(path))


# -- small coercions: tolerate missing keys, None, wrong types -----------------------------------


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str | bytes) else []


def _int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float) and value == value:
        return int(value)
    return 0


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return float(value)


def _text(value: object, default: str = "") -> str:
    if value is None:
        return default
    return value if isinstance(value, str) else str(value)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _pct(value: float | None) -> str:
    return "–" if value is None else svg.fmt_percent(value)


def _num(value: float | None) -> str:
    return "–" if value is None else svg.fmt_number(value)


def _link(path: object, base: str, line: object = None) -> dict[str, Any]:
    text = _text(path)
    return {"text": text, "href": safe_href(text, base), "line": _int(line) or None}


# -- the view model ------------------------------------------------------------------------------


def category_classes(labels: Sequence[str], *more: Sequence[str]) -> dict[str, str]:
    """One colour slot per category: the taxonomy's own order first, any others alphabetically.

    Every chart and table asks this map, which is what keeps "detection" the same colour
    in the clusters table, the per-period bars and the taxonomy table.
    """
    ordered = [label for label in dict.fromkeys(labels) if label]
    extra = sorted({label for group in more for label in group if label and label not in ordered})
    return {label: f"cat-{i % CATEGORY_SLOTS}" for i, label in enumerate([*ordered, *extra])}


def build_context(data: Mapping[str, Any], *, link_base: str = "") -> dict[str, Any]:
    """Everything the template needs, computed and cleaned; the template does no arithmetic."""
    data = _dict(data)
    group_by = _text(data.get("group_by"), "period") or "period"
    period_word, periods_word = PERIOD_WORDS.get(group_by, (group_by.capitalize(), group_by + "s"))
    target = _float(data.get("target_rate"))
    target = DEFAULT_TARGET if target is None else target

    periods = [_period(p) for p in _list(data.get("periods")) if isinstance(p, Mapping)]
    clusters_raw = [c for c in _list(data.get("clusters")) if isinstance(c, Mapping)]
    documents_raw = [d for d in _list(data.get("documents")) if isinstance(d, Mapping)]
    taxonomy = _dict(data.get("taxonomy"))
    labels = [_text(x) for x in _list(taxonomy.get("labels"))]
    classes = category_classes(
        labels,
        sorted({k for p in periods for k in p["categories"]}),
        sorted({_text(c.get("category")) for c in clusters_raw}),
    )

    summary = _summary(data, documents_raw, periods, target)
    clusters = [_cluster(c, base=link_base, classes=classes) for c in clusters_raw]
    names = {c["id"]: c["name"] for c in clusters if c["id"]}
    repeats = _repeats(data, names, link_base)
    context: dict[str, Any] = {
        "title": f"Postmortem review: {_text(data.get('corpus'), 'corpus')}",
        "corpus": _text(data.get("corpus")),
        "as_of": _text(data.get("as_of")),
        "since": _text(data.get("since")),
        "until": _text(data.get("until")),
        "group_by": group_by,
        "period_word": period_word,
        "periods_word": periods_word,
        "target": target,
        "summary": summary,
        "periods": periods,
        "clusters": clusters,
        "repeats": repeats,
        "actions": _actions(_dict(data.get("actions")), summary, link_base),
        "quality": _quality(documents_raw, periods),
        "taxonomy": _taxonomy(taxonomy, periods, clusters_raw, classes),
        "undated": _undated(data, documents_raw, link_base),
        "documents": [_document(d, link_base, names) for d in documents_raw],
        "charts": _charts(periods, target, classes, period_word, periods_word),
    }
    from reviewer.report.sla_html import view as sla_view  # imports this module's coercions

    context["sla"] = sla_view(data.get("sla"), link_base)  # None: no section (a report without the key)
    return context


def _period(p: Mapping[str, Any]) -> dict[str, Any]:
    incidents = _int(p.get("incidents"))
    actions = _dict(p.get("actions"))
    total = _int(actions.get("total"))
    done = _int(actions.get("done"))
    open_ = _int(actions.get("open")) if "open" in actions else max(0, total - done)
    quality = _dict(p.get("quality"))
    rate = _float(p.get("recurrence_rate"))
    if rate is None and incidents and "recurring" in p:
        rate = _int(p.get("recurring")) / incidents
    return {
        "period": _text(p.get("period"), "?"),
        "start": _text(p.get("start")),
        "end": _text(p.get("end")),
        "incidents": incidents,
        "recurring": _int(p.get("recurring")),
        "rate": rate if incidents else None,
        "actions": {
            "total": total,
            "done": done,
            "open": open_,
            "with_owner": _int(actions.get("with_owner")),
            "with_deadline": _int(actions.get("with_deadline")),
        },
        # Findings per document mean nothing in a period without documents: a gap, not a zero.
        "quality": {code: (_float(quality.get(code)) if incidents else None) for code, *_ in QUALITY_CODES},
        "categories": {
            _text(k): _int(v) for k, v in sorted(_dict(p.get("categories")).items(), key=lambda kv: str(kv[0]))
        },
    }


def _summary(
    data: Mapping[str, Any], documents: list[Mapping[str, Any]], periods: list[dict[str, Any]], target: float
) -> dict[str, Any]:
    s = _dict(data.get("summary"))
    undated = _list(data.get("undated"))
    documents_n = _int(s.get("documents")) if "documents" in s else len(documents)
    undated_n = _int(s.get("undated")) if "undated" in s else len(undated)
    dated_n = _int(s.get("dated")) if "dated" in s else max(0, documents_n - undated_n)
    rate = _float(s.get("recurrence_rate"))
    if rate is None:
        incidents = sum(p["incidents"] for p in periods)
        rate = _ratio(sum(p["recurring"] for p in periods), incidents)
    actions_total = _int(s.get("actions_total"))
    actions_done = _int(s.get("actions_done"))
    delta = None if rate is None else rate - target
    if delta is None:
        status, verdict = "unknown", "no dated incidents"
    elif delta > 1e-9:
        status, verdict = "over", f"▲ {_points(delta)} above the {svg.fmt_percent(target)} target"
    elif delta < -1e-9:
        status, verdict = "under", f"▼ {_points(-delta)} below the {svg.fmt_percent(target)} target"
    else:
        status, verdict = "under", f"at the {svg.fmt_percent(target)} target"
    return {
        "documents": documents_n,
        "dated": dated_n,
        "undated": undated_n,
        "factors": _int(s.get("factors")),
        "clusters": _int(s.get("recurring_clusters")),
        "rate": rate,
        "rate_status": status,
        "rate_verdict": verdict,
        "actions_total": actions_total,
        "actions_done": actions_done,
        "actions_done_rate": _ratio(actions_done, actions_total),
        "overdue": _int(s.get("overdue")),
        # open items that can never be overdue (no owner or no deadline); None in reports from before
        "actions_open": _int(s.get("actions_open")) if "actions_open" in s else None,
        "open_untracked": _int(s.get("open_untracked")) if "open_untracked" in s else None,
        "open_without_owner": _int(s.get("open_without_owner")) if "open_without_owner" in s else None,
        "open_without_deadline": _int(s.get("open_without_deadline")) if "open_without_deadline" in s else None,
    }


def _points(delta: float) -> str:
    """Percentage points: '1 pt', '16 pts'."""
    n = round(delta * 100)
    return f"{n} pt" if n == 1 else f"{n} pts"


def display_name(name: str) -> str:
    """A name as a heading: first letter upper case ("priority-classes" → "Priority-classes")."""
    return name[:1].upper() + name[1:] if name[:1].islower() else name


def _cluster(c: Mapping[str, Any], *, base: str, classes: Mapping[str, str]) -> dict[str, Any]:
    rep = _dict(c.get("representative"))
    actions = _dict(c.get("actions"))
    total = _int(actions.get("total"))
    done = _int(actions.get("done"))
    incidents = []
    for i in _list(c.get("incidents")):
        if not isinstance(i, Mapping):
            continue
        incidents.append(
            {
                "date": _text(i.get("date")),
                "title": _text(i.get("title")) or _text(i.get("path"), "untitled"),
                "link": _link(i.get("path"), base, i.get("line")),
                "factor": _text(i.get("factor")),
            }
        )
    category = _text(c.get("category"))
    terms = [_text(t) for t in _list(c.get("terms")) if t]
    subject = [_text(t) for t in _list(c.get("subject")) if t]
    name = _text(c.get("name")) or " · ".join(terms) or _text(c.get("id"), "cluster")
    weakness = _text(c.get("weakness"))
    return {
        "id": _text(c.get("id")),
        "name": display_name(name),
        "terms": terms,
        "subject": subject,
        # the weakness line repeats nothing the name already says
        "named_by_weakness": bool(weakness) and name.startswith(weakness),
        "weakness": weakness,
        "category": category,
        "category_class": classes.get(category, ""),
        "count": _int(c.get("count")) if "count" in c else len(incidents),
        "first_seen": _text(c.get("first_seen")),
        "last_seen": _text(c.get("last_seen")),
        "score": _float(c.get("score")),
        "representative": {"text": _text(rep.get("text")), "link": _link(rep.get("path"), base, rep.get("line"))},
        "incidents": incidents,
        "actions": {"total": total, "done": done, "open": _int(actions.get("open")), "rate": _ratio(done, total)},
    }


def _repeats(data: Mapping[str, Any], cluster_ids: Mapping[str, str], base: str) -> list[dict[str, Any]]:
    """The repeated-incident groups; a report written before they existed has none (key absent).

    A shared factor cluster is shown by its name (a lead does not know what "c2" is) and
    becomes an in-page link only when that cluster's row is on the page, so no link points at
    nothing. ``cluster_ids`` maps the ids of the clusters on the page to their names.
    """
    out = []
    for r in _list(data.get("repeats")):
        if not isinstance(r, Mapping):
            continue
        given = [_text(n) for n in _list(r.get("factor_cluster_names"))]
        incidents = [
            {
                "date": _text(i.get("date")),
                "title": _text(i.get("title")) or _text(i.get("path"), "untitled"),
                "link": _link(i.get("path"), base),
            }
            for i in _list(r.get("incidents"))
            if isinstance(i, Mapping)
        ]
        ids = [_text(c) if c else "" for c in _list(r.get("factor_clusters"))]
        shared = [c for c in ids if c]
        named = {c: given[k] for k, c in enumerate(ids) if c and k < len(given) and given[k]}
        out.append(
            {
                "id": _text(r.get("id")),
                "name": _text(r.get("name")) or _text(r.get("id"), "repeated incident"),
                "count": _int(r.get("count")) if "count" in r else len(incidents),
                "first_seen": _text(r.get("first_seen")),
                "last_seen": _text(r.get("last_seen")),
                "incidents": incidents,
                "factor_clusters": [
                    {"id": c, "linked": c in cluster_ids, "name": cluster_ids.get(c) or named.get(c) or c}
                    for c in shared
                ],
            }
        )
    return out


def _priority_key(name: str) -> tuple[int, int, str]:
    """P1 before P2 before P10; 'none' and anything unrecognised after the numbered ones."""
    match = re.fullmatch(r"[Pp](\d+)", name)
    if match:
        return (0, int(match.group(1)), name)
    return (1 if name.lower() != "none" else 2, 0, name)


def _actions(a: Mapping[str, Any], summary: Mapping[str, Any], base: str) -> dict[str, Any]:
    total = _int(a.get("total")) if "total" in a else summary["actions_total"]
    done = _int(a.get("done")) if "done" in a else summary["actions_done"]
    open_ = _int(a.get("open")) if "open" in a else max(0, total - done)
    by_priority = []
    for name, row in sorted(_dict(a.get("by_priority")).items(), key=lambda kv: _priority_key(str(kv[0]))):
        row = _dict(row)
        p_total, p_done = _int(row.get("total")), _int(row.get("done"))
        by_priority.append(
            {
                "name": "no priority" if str(name).lower() == "none" else _text(name),
                "order": len(by_priority),
                "total": p_total,
                "done": p_done,
                "open": max(0, p_total - p_done),
                "rate": _ratio(p_done, p_total),
            }
        )
    overdue = []
    for o in _list(a.get("overdue")):
        if not isinstance(o, Mapping):
            continue
        overdue.append(
            {
                "text": _text(o.get("text")),
                "link": _link(o.get("path"), base, o.get("line")),
                "owner": _text(o.get("owner")),
                "deadline": _text(o.get("deadline")),
                "priority": _text(o.get("priority")),
                "days": _int(o.get("days_overdue")),
            }
        )
    # Longest overdue first; ties by deadline then text so the order never depends on input order.
    overdue.sort(key=lambda o: (-o["days"], o["deadline"], o["text"]))
    return {
        "total": total,
        "done": done,
        "open": open_,
        "done_rate": _ratio(done, total),
        "open_untracked": _int(a.get("open_untracked")) if "open_untracked" in a else None,
        "open_without_owner": _int(a.get("open_without_owner")) if "open_without_owner" in a else None,
        "open_without_deadline": _int(a.get("open_without_deadline")) if "open_without_deadline" in a else None,
        "owner_coverage": _float(a.get("owner_coverage")),
        "deadline_coverage": _float(a.get("deadline_coverage")),
        "by_priority": by_priority,
        "overdue": overdue,
    }


def _quality(documents: list[Mapping[str, Any]], periods: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-document averages over all dated documents, for the sentence under the chart."""
    dated = [d for d in documents if d.get("date")]
    overall = {}
    for code, *_ in QUALITY_CODES:
        values = [_int(_dict(d.get("quality")).get(code)) for d in dated]
        overall[code] = (sum(values) / len(values)) if values else None
    latest = next((p for p in reversed(periods) if p["incidents"]), None)
    return {"overall": overall, "latest": latest, "codes": [(code, name) for code, name, *_ in QUALITY_CODES]}


def _taxonomy(
    t: Mapping[str, Any],
    periods: list[dict[str, Any]],
    clusters: list[Mapping[str, Any]],
    classes: Mapping[str, str],
) -> dict[str, Any]:
    counts = {label: 0 for label in classes}
    for p in periods:
        for k, v in p["categories"].items():
            counts[k] = counts.get(k, 0) + v
    cluster_counts: dict[str, int] = {}
    for c in clusters:
        key = _text(c.get("category"))
        cluster_counts[key] = cluster_counts.get(key, 0) + 1
    total = sum(counts.values())
    rows = [
        {
            "label": label,
            "css": classes.get(label, ""),
            "count": n,
            "share": _ratio(n, total),
            "clusters": cluster_counts.get(label, 0),
        }
        for label, n in counts.items()
    ]
    accuracy = _float(t.get("cv_accuracy"))
    return {
        "model": _text(t.get("model")),
        "accuracy": accuracy,
        # "About 1 in 6 factors": a lead reads error rates more easily as a fraction.
        "error_one_in": round(1 / (1 - accuracy)) if accuracy is not None and 0 < accuracy < 1 else None,
        "rows": rows,
        "total": total,
    }


def _undated(data: Mapping[str, Any], documents: list[Mapping[str, Any]], base: str) -> list[dict[str, Any]]:
    """The explicit list, or else documents without a date: never silently dropped."""
    entries = [u for u in _list(data.get("undated")) if isinstance(u, Mapping)]
    if not entries and "undated" not in data:
        entries = [d for d in documents if not d.get("date")]
    return [
        {"title": _text(u.get("title")) or _text(u.get("path"), "untitled"), "link": _link(u.get("path"), base)}
        for u in entries
    ]


def _document(d: Mapping[str, Any], base: str, names: Mapping[str, str]) -> dict[str, Any]:
    quality = _dict(d.get("quality"))
    actions = _dict(d.get("actions"))
    return {
        "title": _text(d.get("title")) or _text(d.get("path"), "untitled"),
        "link": _link(d.get("path"), base),
        "date": _text(d.get("date")),
        "date_source": _text(d.get("date_source")),
        "factors": _int(d.get("factors")),
        "clusters": [
            {"id": _text(c), "name": names.get(_text(c), _text(c)), "linked": _text(c) in names}
            for c in _list(d.get("clusters"))
        ],
        "quality": {code: _int(quality.get(code)) for code, *_ in QUALITY_CODES},
        "actions_total": _int(actions.get("total")),
        "actions_done": _int(actions.get("done")),
    }


def _charts(
    periods: list[dict[str, Any]],
    target: float,
    classes: Mapping[str, str],
    period_word: str,
    periods_word: str,
) -> dict[str, str]:
    labels = [p["period"] for p in periods]
    has_incidents = any(p["incidents"] for p in periods)
    span = f"{labels[0]} to {labels[-1]}" if labels else "no periods"

    rates = [p["rate"] for p in periods]
    over = sum(1 for r in rates if r is not None and r > target + 1e-12)
    measured = sum(1 for r in rates if r is not None)
    rate_tips = [
        f"{p['period']}: {_pct(p['rate'])} recurring ({p['recurring']} of {p['incidents']} incidents)"
        + ("" if p["rate"] is None else (" – above target" if p["rate"] > target + 1e-12 else " – at or below target"))
        if p["incidents"]
        else f"{p['period']}: no incidents"
        for p in periods
    ]
    recurrence = svg.line_chart(
        "chart-recurrence",
        f"Recurrence rate per {period_word.lower()}",
        f"Share of incidents that repeat an earlier cluster, {span}; {over} of {measured} {periods_word} "
        f"with incidents are above the {svg.fmt_percent(target)} target.",
        labels,
        [svg.Series("recurrence rate", rates, "s-rate")],
        y_label=f"% of the {period_word.lower()}'s incidents recurring",
        x_label=period_word,
        percent=True,
        target=target,
        tooltips=rate_tips,
        value_labels=True,
    )

    actions_tips = [
        f"{p['period']}: {p['actions']['done']} done, {p['actions']['open']} open of {p['actions']['total']} "
        f"action items ({p['actions']['with_owner']} with owner, {p['actions']['with_deadline']} with deadline)"
        for p in periods
    ]
    actions = svg.stacked_bar_chart(
        "chart-actions",
        f"Action items done and open per {period_word.lower()}",
        f"Action items from the incidents of each {period_word.lower()}, {span}, split into done and still open.",
        labels,
        [
            svg.Series("done", [p["actions"]["done"] for p in periods], "s-done"),
            svg.Series("open", [p["actions"]["open"] for p in periods], "s-open"),
        ],
        y_label="Action items",
        x_label=period_word,
        tooltips=actions_tips,
        empty_message="No action items in dated incidents, so there is nothing to chart.",
    )

    cats = list(classes)
    categories = svg.stacked_bar_chart(
        "chart-categories",
        f"Contributing factors by category per {period_word.lower()}",
        f"Contributing factors of each {period_word.lower()}'s incidents, {span}, stacked by category: "
        + ", ".join(cats)
        + ".",
        labels,
        [svg.Series(c, [p["categories"].get(c, 0) for p in periods], classes[c]) for c in cats],
        y_label="Contributing factors",
        x_label=period_word,
    )

    quality = svg.grouped_bar_chart(
        "chart-quality",
        f"Writing-quality findings per document per {period_word.lower()}",
        f"Average findings per postmortem for blaming language (BL), person-centred questions (QU) and "
        f"single-root-cause framing (RC), {span}.",
        labels,
        [
            svg.Series(name, [p["quality"][code] for p in periods], css, marker)
            for code, name, css, marker in QUALITY_CODES
        ],
        y_label="Findings per document",
        x_label=period_word,
        tooltips=[
            f"{p['period']}: "
            + (
                f"{p['incidents']} postmortem{'s' if p['incidents'] != 1 else ''}; "
                + ", ".join(f"{code} {_num(p['quality'][code])}" for code, *_ in QUALITY_CODES)
                + " per document"
                if p["incidents"]
                else "no postmortems"
            )
            for p in periods
        ],
    )
    if not has_incidents:
        empty = svg.empty_chart()
        recurrence, categories, quality = empty, empty, empty
        if not any(p["actions"]["total"] for p in periods):
            actions = empty
    return {"recurrence": recurrence, "actions": actions, "categories": categories, "quality": quality}
