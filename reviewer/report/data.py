"""The data behind `pmreview report`: one JSON-ready dict, the contract in docs/report.md.

Scope. The documents the report is *about* (S) are every document, or with --since/--until
the dated documents inside that window. The *history* (H) the recurrence is judged against
is S plus every document dated before the window: a 2025 incident that repeats a 2023
factor is a recurrence even in a report that starts in 2025. Documents dated after --until
are the report's future and are left out of H. Undated documents cannot be placed in a
window: they are always listed under ``undated``, and take part in S and H only when no
window is given (and never in a period).

Everything is computed from the corpus and the options alone, so the same corpus and
options give the same bytes: the only date in the output is the explicit as-of date.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from reviewer.cache import seal, sealed
from reviewer.recurrence import CONFIDENT, CorpusDoc, index_path
from reviewer.report import clusters as clustering
from reviewer.report import follow, naming
from reviewer.report import repeats as repeating
from reviewer.report import sla as sla_report
from reviewer.report.corpus import QUALITY_FAMILIES, Reviewed, dated, fresh_index, review, severity
from reviewer.report.naming import Namer, medoid, plain
from reviewer.report.periods import GROUPS, span
from reviewer.source import read_bounded
from reviewer.workspace import write_atomic

VERSION = 1
HALF_LIFE_DAYS = 365.0  # a cluster's score: each incident counts 2^(-age / half-life)
UNDATED_WEIGHT = 0.5  # an undated incident's contribution to a cluster's score
CLUSTER_CACHE = "report-clusters.json"
NAME_CONFIDENT = 0.5  # mean class probability at which a cluster is named after its weakness
CATEGORIES = ("technical", "process", "organisational", "detection")


@dataclass(frozen=True)
class Settings:
    as_of: date
    since: date | None = None
    until: date | None = None
    group_by: str = "quarter"
    target_rate: float = 0.15
    index_dir: Path | None = None
    config_file: Path | None = None
    cache_dir: Path | None = None  # results cache of the review pass; None: no cache


@dataclass
class Doc:
    meta: CorpusDoc
    day: date | None
    source: str | None
    reviewed: Reviewed
    first: int  # its factors are rows first .. first + len(meta.factors) of the factor arrays
    in_scope: bool = False
    in_history: bool = False

    @property
    def iso(self) -> str | None:
        return self.day.isoformat() if self.day else None


def compute(corpus: Path, settings: Settings, warn: Callable[[str], None] | None = None) -> dict:
    """Index (incrementally), review, cluster and aggregate a corpus into the report dict.

    Files that cannot be read are left out and listed under ``errors``; ``warn`` hears
    about an index that had to be rebuilt."""
    if settings.group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}")
    index, unreadable = fresh_index(corpus, settings.index_dir, warn)
    reviewed = review(corpus, index.docs, settings.config_file, settings.cache_dir)
    docs = _documents(index.docs, reviewed, settings)
    cache_dir = index_path(corpus, settings.index_dir).parent
    groups = _repeat_groups(docs, cache_dir, index.model)
    factors = _factors(index, docs, cache_dir, groups)
    found = _clusters(docs, factors, settings)
    repeats = _repeats(docs, factors, found, groups)
    scope = [d for d in docs if d.in_scope]
    recurring = _recurring(docs, factors, found)
    ids = {label: c["id"] for label, c in found.items()}
    clusters = sorted({c["id"]: c for c in found.values()}.values(), key=lambda c: int(c["id"][1:]))
    periods = _periods(scope, factors, recurring, settings)
    actions = [(d.meta.path, a) for d in scope for a in d.reviewed.actions]
    totals = follow.counts(a for _, a in actions)
    overdue = follow.overdue(actions, settings.as_of)
    due_soon = follow.due_soon(actions, settings.as_of)
    dated_scope = [d for d in scope if d.day]
    undated = [{"path": d.meta.path, "title": d.meta.title} for d in docs if d.day is None]
    category_model = factors["category_model"]
    return {
        "version": VERSION,
        "as_of": settings.as_of.isoformat(),
        "corpus": corpus.resolve().name,
        "since": settings.since.isoformat() if settings.since else None,
        "until": settings.until.isoformat() if settings.until else None,
        "group_by": settings.group_by,
        "target_rate": settings.target_rate,
        "summary": {
            "documents": len(scope),
            "dated": len(dated_scope),
            "undated": len(undated),
            "factors": sum(len(d.meta.factors) for d in scope),
            "recurring_clusters": len(clusters),
            "repeated_incidents": len(repeats),
            "recurrence_rate": _rate(sum(recurring[id(d)] for d in dated_scope), len(dated_scope)),
            "actions_total": totals["total"],
            "actions_done": totals["done"],
            "overdue": len(overdue),
            "actions_open": totals["open"],
            "open_without_owner": totals["open_without_owner"],
            "open_without_deadline": totals["open_without_deadline"],
            "open_untracked": totals["open_untracked"],
        },
        "errors": unreadable,
        "documents": [_document(d, factors, ids, recurring) for d in sorted(scope, key=_chronological)],
        "undated": undated,
        "clusters": clusters,
        "repeats": repeats,
        "periods": periods,
        "actions": {
            "total": totals["total"],
            "done": totals["done"],
            "open": totals["open"],
            "with_owner": totals["with_owner"],
            "with_deadline": totals["with_deadline"],
            "open_without_owner": totals["open_without_owner"],
            "open_without_deadline": totals["open_without_deadline"],
            "open_untracked": totals["open_untracked"],
            "owner_coverage": follow.coverage(totals["with_owner"], totals["total"]),
            "deadline_coverage": follow.coverage(totals["with_deadline"], totals["total"]),
            "by_priority": follow.by_priority(a for _, a in actions),
            "overdue": overdue,
            "due_soon": due_soon,  # open, due on as-of or in the 7 days after it (`pmreview digest`)
        },
        "taxonomy": {
            "model": "category_classifier",
            "cv_accuracy": category_model.meta.get("cv_accuracy") if category_model else None,
            "labels": list(category_model.labels) if category_model else list(CATEGORIES),
            "counts": _category_counts(scope, factors),
        },
        # priority SLAs (reviewer/report/sla.py): the policy from the configuration
        "sla": sla_report.section(
            corpus,
            scope,
            settings.as_of,
            settings.group_by,
            sla_report.policy_for(corpus, settings.config_file),
            cache_dir,
        ),
    }


# --- documents -------------------------------------------------------------------------


def _documents(metas: list[CorpusDoc], reviewed: dict[str, Reviewed], settings: Settings) -> list[Doc]:
    window = settings.since is not None or settings.until is not None
    out, first = [], 0
    for meta in metas:
        r = reviewed[meta.path]
        day, source = dated(r.text, meta.path)
        doc = Doc(meta, day, source, r, first)
        first += len(meta.factors)
        if day is None:
            doc.in_scope = doc.in_history = not window
        else:
            after_start = settings.since is None or day >= settings.since
            before_end = settings.until is None or day <= settings.until
            doc.in_scope = after_start and before_end
            doc.in_history = before_end
        out.append(doc)
    return out


def _chronological(d: Doc) -> tuple:
    return (d.day is None, d.day or date.min, d.meta.path)


def _document(d: Doc, factors: dict, ids: dict[int, str], recurring: dict[int, bool]) -> dict:
    labels = factors["labels"][d.first : d.first + len(d.meta.factors)]
    mine = sorted({ids[int(label)] for label in labels if int(label) in ids}, key=lambda c: int(c[1:]))
    done = sum(follow.is_done(a) for a in d.reviewed.actions)
    return {
        "path": d.meta.path,
        "title": d.meta.title,
        "date": d.iso,
        "date_source": d.source,
        "factors": len(d.meta.factors),
        "clusters": mine,
        "recurring": bool(recurring[id(d)]) if d.day else None,
        "quality": d.reviewed.quality,
        "actions": {"total": len(d.reviewed.actions), "done": done, "open": len(d.reviewed.actions) - done},
        # for `pmreview digest`: the stated severity, the summary's first sentence, ST001's sections
        "severity": severity(d.reviewed.text),
        "summary": _first_sentence(d.meta),
        "missing_sections": d.reviewed.missing_sections,
    }


SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9\"'(])")
SUMMARY_CHARS = 300


def _first_sentence(meta: CorpusDoc) -> str | None:
    """The summary's first sentence, from the index's context (the title, then the summary's
    sentences with code and links masked), so the report reads no text again."""
    context = " ".join(meta.context.split())
    title = " ".join(meta.title.split())
    text = context[len(title) :].strip() if title and context.startswith(title) else ""
    if not text:
        return None
    end = SENTENCE_END.search(text)
    return (text[: end.end()] if end else text)[:SUMMARY_CHARS]


# --- factors and clusters --------------------------------------------------------------


def _factors(index, docs: list[Doc], cache_dir: Path, groups: list[repeating.Group]) -> dict:
    """Per factor: vector, weakness probabilities, category and cluster label."""
    from reviewer.models.category import default as category_model
    from reviewer.models.weakness import default as weakness_model

    rows = np.array([int(f.get("rows", 1)) for d in docs for f in d.meta.factors], dtype=np.int64)
    vectors = clustering.factor_vectors(index.vectors, rows)
    weakness = weakness_model()
    probs = weakness.probabilities(vectors) if weakness is not None and len(vectors) else None
    owner = np.array([i for i, d in enumerate(docs) for _ in d.meta.factors], dtype=np.int64)
    clean = [plain(f.get("clean") or f["text"]) for d in docs for f in d.meta.factors]
    cache, phrases = _load_cache(cache_dir / CLUSTER_CACHE)
    before = (dict(cache), dict(phrases))
    words = clustering.Words(clean) if len(clean) else None
    skip = boilerplate(clean, owner, groups)
    labels = clustering.cluster(clustering.features(vectors, probs), words, cache=cache, exclude=skip)
    model = category_model()
    categories = model.predict(vectors) if model is not None and len(vectors) else [None] * len(vectors)
    return {
        "vectors": vectors,
        "probs": probs,
        "labels": labels,
        "categories": categories,
        "owner": owner,
        "clean": clean,
        "paths": [d.meta.path for d in docs for _ in d.meta.factors],
        "weakness": weakness,
        "category_model": model,
        "docs": docs,
        "cache": (cache_dir / CLUSTER_CACHE, cache, phrases, before),
    }


def boilerplate(texts: list[str], owner: np.ndarray, groups: list[repeating.Group]) -> np.ndarray:
    """Factors written word for word in two or more postmortems that are not one repeated incident.

    Such a sentence is the template's prompt ("Things that could have gone better."), a
    standing paragraph about the team, or a section the authors copy into every write-up:
    it recurs because the document does, not because the weakness did. The same sentence in
    the write-ups of one repeated incident (the same symptom again, reviewer/report/repeats.py)
    is a true recurrence, copied because it still holds, and is kept."""
    group_of: dict[int, int] = {}
    for g, grp in enumerate(groups):
        for m in grp.members:
            group_of[m] = g
    where: dict[str, set[int]] = defaultdict(set)
    for i, text in enumerate(texts):
        where[" ".join(text.lower().split())].add(int(owner[i]))
    copied = {key for key, docs in where.items() if len(docs) >= 2 and len({group_of.get(d, -1 - d) for d in docs}) > 1}
    return np.array([" ".join(t.lower().split()) in copied for t in texts], dtype=bool)


def _clusters(docs: list[Doc], factors: dict, settings: Settings) -> dict[int, dict]:
    """Recurring clusters (>= 2 incidents of the history, >= 1 in scope), scored, with ids c1, c2, …

    Clusters whose incidents are exactly the same are one recurrence seen through several
    factors (two write-ups of one failure share many sentences): they are merged into one
    row, so a pair of incidents does not fill the top of the report. Every merged label maps
    to the same cluster.
    """
    members: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(factors["labels"]):
        if docs[factors["owner"][i]].in_history:
            members[int(label)].append(i)
    same_incidents: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for label, rows in sorted(members.items()):
        incidents = tuple(sorted({int(factors["owner"][i]) for i in rows}))
        if len(incidents) >= 2 and any(docs[k].in_scope for k in incidents):
            same_incidents[incidents].append(label)
    candidates = [(labels, sorted(i for label in labels for i in members[label])) for labels in same_incidents.values()]
    phrases = _phrases(factors, sorted({i for _, rows in candidates for i in rows}))
    namer = Namer(factors["clean"], factors["labels"]) if candidates else None
    found = []
    for (labels, rows), incidents in zip(candidates, same_incidents, strict=True):
        subject = naming.subject(rows, factors["paths"], phrases, namer) if phrases is not None else None
        weakness = _shared_weakness(rows, factors)
        if weakness[1] is None and subject == []:
            continue  # nothing shared to name: a cluster of phrasing, not of a weakness (naming.py)
        found.append((labels, _cluster(rows, list(incidents), docs, factors, namer, settings, subject, weakness)))
    _disambiguate([c for _, c in found])
    found.sort(key=lambda lc: (-lc[1]["score"], -lc[1]["count"], _neg_date(lc[1]["last_seen"]), lc[1]["name"]))
    out = {}
    for n, (labels, c) in enumerate(found, 1):
        cluster = {"id": f"c{n}", **c}
        for label in labels:
            out[label] = cluster
    _save_if_changed(factors["cache"])
    return out


def _phrases(factors: dict, rows: list[int]) -> list[list[str]] | None:
    """Noun phrases of the given factors (naming.noun_phrases), through the cluster cache so a
    warm report does not load spaCy; None when no spaCy pipeline could be loaded."""
    _, _, cache, _ = factors["cache"]
    keys = {i: _text_key(factors["clean"][i]) for i in rows}
    missing = sorted({keys[i]: factors["clean"][i] for i in rows if keys[i] not in cache}.items())
    if missing:
        found = naming.noun_phrases([t for _, t in missing])
        if found is None:
            return None
        cache.update({k: p for (k, _), p in zip(missing, found, strict=True)})
    wanted = set(keys.values())
    for key in [k for k in cache if k not in wanted]:
        del cache[key]
    out: list[list[str]] = [[] for _ in factors["clean"]]
    for i in rows:
        out[i] = list(cache[keys[i]])
    return out


def _text_key(text: str) -> str:
    return hashlib.sha256(f"phrases-v{naming.VERSION}\0{text}".encode()).hexdigest()[:32]


def _disambiguate(found: list[dict]) -> None:
    """Two clusters named after the same weakness class get their subject added: "certificate
    or credential expired: SAML signing certificate" and "…: partner gateway"."""
    named: Counter[str] = Counter(c["name"] for c in found)
    for c in found:
        if named[c["name"]] > 1 and c["weakness"] and c["subject"]:
            c["name"] = f"{c['weakness']}: {c['subject'][0]}"


def _neg_date(iso: str | None) -> int:
    return -date.fromisoformat(iso).toordinal() if iso else 0


def _cluster(
    rows: list[int],
    incidents: list[int],
    docs: list[Doc],
    factors: dict,
    namer: Namer,
    settings,
    subject: list[str] | None,
    weakness: tuple[str | None, str | None],
) -> dict:
    owner = factors["owner"]
    terms = namer.terms(rows, factors["paths"])
    rep = rows[medoid(factors["vectors"][rows])]
    first_of: dict[int, int] = {}
    for i in rows:
        first_of.setdefault(int(owner[i]), i)
    entries = []
    for k in incidents:
        d = docs[k]
        f = d.meta.factors[first_of[k] - d.first]
        entries.append(
            {
                "path": d.meta.path,
                "title": d.meta.title,
                "date": d.iso,
                "factor": plain(f["text"]),
                "line": f["line"],
                "in_scope": d.in_scope,
            }
        )
    entries.sort(key=lambda e: (e["date"] is None, e["date"] or "", e["path"]))
    days = sorted(docs[k].day for k in incidents if docs[k].day)
    score = 0.0
    for k in incidents:
        day = docs[k].day
        age = max((settings.as_of - day).days, 0) if day else None
        score += UNDATED_WEIGHT if age is None else 0.5 ** (age / HALF_LIFE_DAYS)
    items = [a for k in incidents for a in docs[k].reviewed.actions]
    done = sum(follow.is_done(a) for a in items)
    rep_doc = docs[int(owner[rep])]
    rep_factor = rep_doc.meta.factors[rep - rep_doc.first]
    weakness_id, weakness_label = weakness
    cats = Counter(c for c in (factors["categories"][i] for i in rows) if c)
    order = list(CATEGORIES)
    category = min(cats, key=lambda c: (-cats[c], order.index(c) if c in order else 99, c)) if cats else None
    # A lead reads the name first: the shared weakness where the classifier gives one, else
    # what the factors are about (noun phrases), else (no spaCy pipeline) the terms.
    name = (weakness_label if _named_by_weakness(rows, factors, weakness_id) else None) or " · ".join(
        subject or ([] if weakness_label else terms)
    )
    name = name or weakness_label
    return {
        "name": name,
        "terms": terms,
        "subject": subject or [],
        "weakness": weakness_label,
        "weakness_id": weakness_id,
        "category": category,
        "representative": {"text": plain(rep_factor["text"]), "path": rep_doc.meta.path, "line": rep_factor["line"]},
        "count": len(incidents),
        "factors": len(rows),
        "first_seen": days[0].isoformat() if days else None,
        "last_seen": days[-1].isoformat() if days else None,
        "score": round(score, 4),
        "incidents": entries,
        "actions": {"total": len(items), "done": done, "open": len(items) - done},
    }


def _named_by_weakness(rows: list[int], factors: dict, weakness_id: str | None) -> bool:
    """Is the classifier sure enough of the shared weakness to name the cluster after it? A name
    is read as a finding, so it takes a mean probability of NAME_CONFIDENT over the factors whose
    most likely class it is; a less certain class is still shown as the shared weakness, under
    a name from the text."""
    if weakness_id is None:
        return False
    k = factors["weakness"].ids.index(weakness_id)
    probs = factors["probs"][rows]
    voters = probs[probs.argmax(axis=1) == k, k]  # the factors that are this weakness, not the others
    return len(voters) > 0 and float(voters.mean()) >= NAME_CONFIDENT


def _shared_weakness(rows: list[int], factors: dict) -> tuple[str | None, str | None]:
    """The taxonomy class most of the cluster's factors are confidently in, if any (not a trigger)."""
    probs, model = factors["probs"], factors["weakness"]
    if probs is None or model is None:
        return None, None
    top = probs[rows].argmax(axis=1)
    sure = probs[rows].max(axis=1) >= CONFIDENT
    votes = Counter(int(t) for t, s in zip(top, sure, strict=True) if s)
    if not votes:
        return None, None
    cls, n = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    if n * 2 < len(rows) or model.ids[cls].startswith(("trigger-", "unknown", "other", "none")):
        return None, None
    return model.ids[cls], model.labels[cls]


def _recurring(docs: list[Doc], factors: dict, found: dict[int, dict]) -> dict[int, bool]:
    """Per document (by id): does it share a recurring cluster with an incident dated strictly earlier?"""
    earliest: dict[int, date] = {}
    for i, label in enumerate(factors["labels"]):
        d = docs[factors["owner"][i]]
        label = int(label)
        if label in found and d.in_history and d.day and (label not in earliest or d.day < earliest[label]):
            earliest[label] = d.day
    out = {}
    for d in docs:
        labels = {int(x) for x in factors["labels"][d.first : d.first + len(d.meta.factors)]}
        out[id(d)] = bool(d.day) and any(label in earliest and earliest[label] < d.day for label in labels)
    return out


# --- repeated incidents ----------------------------------------------------------------


def _repeat_groups(docs: list[Doc], cache_dir: Path, model: str) -> list[repeating.Group]:
    """Incidents whose title and summary say the same thing happened (reviewer/report/repeats.py),
    over the whole corpus, so a window does not change which incidents belong together."""

    def encoder():
        from reviewer.models.embedder import get_encoder

        return get_encoder()

    contexts = [d.meta.context for d in docs]
    return repeating.find(contexts, [d.meta.title for d in docs], cache_dir, model, encoder)


def _repeats(docs: list[Doc], factors: dict, found: dict[int, dict], groups: list[repeating.Group]) -> list[dict]:
    """The repeated incidents listed: a group is listed when at least two of its incidents are
    in the history and one is in scope. ``factor_clusters`` are the listed factor clusters
    that at least two of its incidents share (``factor_cluster_names`` their names, in the
    same order): empty when the write-ups name different factors, which is the case this
    view exists for.

    Its ``name`` is the title of its incidents that shares the most words with the others'
    titles ("All services returning 503 in Kubernetes"): a lead recognises an incident by
    its title, and three characteristic words (``terms``) read as a riddle."""
    ids = {label: c["id"] for label, c in found.items()}
    names = {c["id"]: c["name"] for c in found.values()}
    out = []
    for g in groups:
        members = [docs[i] for i in g.members if docs[i].in_history]
        if len(members) < 2 or not any(d.in_scope for d in members):
            continue
        members.sort(key=_chronological)
        days = [d.day for d in members if d.day]
        shared: Counter[str] = Counter()
        for d in members:
            labels = {int(x) for x in factors["labels"][d.first : d.first + len(d.meta.factors)]}
            shared.update(ids[label] for label in labels if label in ids)
        clusters = sorted((c for c, n in shared.items() if n >= 2), key=lambda c: int(c[1:]))
        out.append(
            {
                "name": repeating.title_name([d.meta.title for d in members]) or " · ".join(g.terms),
                "terms": list(g.terms),
                "incidents": [
                    {"path": d.meta.path, "title": d.meta.title, "date": d.iso, "in_scope": d.in_scope} for d in members
                ],
                "count": len(members),
                "first_seen": days[0].isoformat() if days else None,
                "last_seen": days[-1].isoformat() if days else None,
                "factor_clusters": clusters,
                "factor_cluster_names": [names[c] for c in clusters],
            }
        )
    out.sort(key=lambda r: (-r["count"], _neg_date(r["last_seen"]), r["name"], r["incidents"][0]["path"]))
    return [{"id": f"r{n}", **r} for n, r in enumerate(out, 1)]


# --- periods ---------------------------------------------------------------------------


def _periods(scope: list[Doc], factors: dict, recurring: dict[int, bool], settings: Settings) -> list[dict]:
    days = [d.day for d in scope if d.day]
    if not days and (settings.since is None or settings.until is None):
        return []
    first = settings.since or min(days)
    last = settings.until or max(days)
    out = []
    for p in span(first, last, settings.group_by):
        inside = [d for d in scope if d.day and p.start <= d.day <= p.end]
        reviewed = [d for d in inside if d.reviewed.quality is not None]
        quality = {
            fam: (round(sum(d.reviewed.quality[fam] for d in reviewed) / len(reviewed), 4) if reviewed else None)
            for fam in QUALITY_FAMILIES
        }
        counts = follow.counts(a for d in inside for a in d.reviewed.actions)
        n_recurring = sum(recurring[id(d)] for d in inside)
        out.append(
            {
                "period": p.name,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "incidents": len(inside),
                "recurring": n_recurring,
                "recurrence_rate": _rate(n_recurring, len(inside)),
                "actions": counts,
                "quality": quality,
                "categories": _category_counts(inside, factors),
            }
        )
    return out


def _category_counts(docs: list[Doc], factors: dict) -> dict[str, int]:
    labels = factors["category_model"].labels if factors["category_model"] else list(CATEGORIES)
    out = dict.fromkeys(labels, 0)
    for d in docs:
        for c in factors["categories"][d.first : d.first + len(d.meta.factors)]:
            if c in out:
                out[c] += 1
    return out


def _rate(part: int, total: int) -> float | None:
    return round(part / total, 4) if total else None


# --- the cluster cache -----------------------------------------------------------------


def _load_cache(path: Path) -> tuple[dict[str, list[int]], dict[str, list[str]]]:
    """The cached cluster labels and noun phrases, if this user wrote them (reviewer.cache.sealed:
    the folder may come from a pull request); an entry of the wrong shape is dropped."""
    try:
        data = json.loads(read_bounded(path, CACHE_LIMIT)[:CACHE_LIMIT])
        blocks, phrases = data["blocks"], data["phrases"]
        if data.get("version") != clustering.VERSION or not sealed(_canonical(blocks, phrases), data.get("seal")):
            return {}, {}
    except (OSError, ValueError, AttributeError, KeyError, TypeError, RecursionError):
        return {}, {}
    if not isinstance(blocks, dict) or not isinstance(phrases, dict):
        return {}, {}
    labels = {
        k: v for k, v in blocks.items() if isinstance(v, list) and all(type(x) is int and 0 <= x < len(v) for x in v)
    }
    words = {k: v for k, v in phrases.items() if isinstance(v, list) and all(isinstance(x, str) for x in v)}
    return labels, words


def _canonical(blocks: object, phrases: object) -> bytes:
    return json.dumps({"blocks": blocks, "phrases": phrases}, separators=(",", ":"), sort_keys=True).encode("utf-8")


CACHE_LIMIT = 64 << 20
"""A cluster cache holds a few labels per factor and a few phrases per clustered factor: far less than this."""


def _save_if_changed(state: tuple) -> None:
    path, blocks, phrases, before = state
    if (blocks, phrases) != before:
        _save_cache(path, blocks, phrases)


def _save_cache(path: Path, blocks: dict[str, list[int]], phrases: dict[str, list[str]]) -> None:
    """Atomic, like the index: a reader never sees half a file. A read-only corpus just stays cold."""
    tag = seal(_canonical(blocks, phrases))
    if tag is None:
        return
    body = json.dumps(
        {"version": clustering.VERSION, "blocks": blocks, "phrases": phrases, "seal": tag}, separators=(",", ":")
    )
    with contextlib.suppress(OSError):
        write_atomic(path, body.encode("utf-8"))
