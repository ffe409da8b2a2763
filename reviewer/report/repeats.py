"""Repeated incidents: the same symptom coming back, found in what each postmortem says happened.

Why a second grouping next to the factor clusters. Factor clusters (clusters.py) find the
same *weakness* stated in two postmortems. Real repeats are often written up with different
factors by different authors: three postmortems titled "All services returning 503" can
name a lowered de-registration delay, a replaced network component and a slow release
process. What they share is the symptom, which lives in the title and the summary
(``Incident.context``), not in the factors.

Text. Each incident's title and summary (``CorpusDoc.context`` in the index), cut to its
first MAX_WORDS words: the summary says what happened first
and then tells the story of the cause, which is the part that differs between repeats.

Similarity. A fusion of two cosines: ``W * lexical + (1 - W) * semantic``.
* lexical: sublinear TF-IDF (reviewer.recurrence.TfIdf over reviewer.recurrence.terms:
  light stems and word pairs) after a stop list of the words every postmortem summary uses
  ("outage", "incident", "service", "database", "errors", "customers", dates, durations,
  numbers other than HTTP status codes). IDF comes from the corpus itself, so a word that
  half the corpus uses ("kubernetes" in a platform team's corpus) counts for little.
* semantic: MiniLM (reviewer.models.embedder) cosine of the same text: "sign-in" and
  "login", "disk full" and "ran out of disk space".
Embeddings alone rate any two short outage summaries fairly alike (0.4-0.55 for unrelated
pairs of the tuning set); words alone miss a restatement. The weighted mean needs some of
both, and its lexical part rewards what a repeat inside one organisation usually keeps and
an embedding blurs: system names, status codes, the words of the title.

Grouping. Average-linkage agglomerative clustering with a similarity threshold (no fixed
number of groups): two groups merge while the mean fused similarity between their members
is at least THRESHOLD, so one close pair cannot chain unrelated incidents together. It is
run per connected component of the graph of pairs at or above THRESHOLD, which gives the
same groups as one clustering of everything (an average-linkage merge needs at least one
such pair) with far smaller distance matrices. THRESHOLD and W were chosen on
benchmarks/data/repeat_pairs.yml (benchmarks/tune_repeats.py; numbers in docs/report.md).

Cache. The vectors are kept beside the index keyed by a hash of the model and the text,
and the groups and names keyed by a hash of every text and the parameters, so a warm report
neither loads the model nor recomputes (nor imports SciPy).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reviewer.cache import seal, sealed
from reviewer.recurrence import STOP, CorruptFile, TfIdf, _stem, read_npz, terms
from reviewer.workspace import write_atomic

THRESHOLD = 0.5  # mean fused similarity at which two groups still merge (tune_repeats.py)
LEXICAL_WEIGHT = 0.3  # W above
MAX_WORDS = 60  # title and the start of the summary: what happened, not why
TERMS = 3  # characteristic terms in a group's name
BLOCK = 1024  # rows of the pairwise similarity computed at once (memory: BLOCK x n floats)
MAX_COMPONENT = 6000  # larger components are clustered in parts (memory: a float64 matrix of this size squared)
VERSION = 1  # bump when the text, the features or the grouping change: invalidates the cache
CACHE_FILE = "report-repeats.npz"

# Words in almost every postmortem's "what happened": sharing them says nothing about
# which symptom it was. (reviewer.recurrence.STOP already removes the function words.)
GENERIC = frozenset(
    word
    for line in (
        "incident incidents outage outages service services database databases db issue issues problem problems",
        "error errors failure failures fail fails failed failing impact impacts impacted affect affects affected",
        "customer customers user users client clients system systems platform production prod environment team",
        "teams engineer engineers people postmortem postmortems post mortem report reported summary root cause",
        "causes caused causing due result results resulted resulting because several approximately around total",
        "partial partially major minor severity sev degraded degradation downtime unavailable unable return returns",
        "returned returning occur occurred happen happened started start stopped began find found noticed",
        "investigation investigated resolved mitigated fixed restored recovered back again also later earlier",
        "one two three four five six seven eight nine ten first few multiple new",
        "time times minute minutes min mins hour hours hr hrs day days week weeks month months year years second",
        "seconds ms today yesterday morning afternoon evening night midnight noon am pm utc gmt cet cest est pst",
        "monday tuesday wednesday thursday friday saturday sunday january february march april june july august",
        "september october november december jan feb mar apr jun jul aug sep sept oct nov dec",
    )
    for word in line.split()
)
WORD = re.compile(r"[a-z0-9]+")
STATUS = re.compile(r"[45](?:\d\d|xx)")  # 503, 404, 5xx: the symptom itself
NUMBERISH = re.compile(r"\d+[a-z]{0,3}")  # 2021, 22nd, 15min, 300ms, 90s: dates, counts, durations


@dataclass(frozen=True)
class Group:
    members: list[int]  # indices into the texts, ascending
    terms: list[str]  # the most characteristic words, surface forms


# --- the text ------------------------------------------------------------------------


def head(text: str, words: int = MAX_WORDS) -> str:
    """The first ``words`` words: the title and the sentences that say what happened."""
    return " ".join(text.split()[:words])


def _keep(word: str) -> bool:
    if STATUS.fullmatch(word):
        return True
    return word not in GENERIC and word not in STOP and not NUMBERISH.fullmatch(word)


def lexical_terms(text: str) -> list[str]:
    """reviewer.recurrence.terms (stems and word pairs) of the text without the generic words."""
    return terms(" ".join(w for w in WORD.findall(text.lower()) if _keep(w)))


# --- similarity and grouping ---------------------------------------------------------


def _tfidf_rows(term_lists: list[list[str]]):
    """The TF-IDF vectors of reviewer.recurrence.TfIdf as unit rows of a sparse matrix."""
    from scipy import sparse

    model = TfIdf(term_lists)
    vocab = {t: k for k, t in enumerate(sorted(model.postings))}
    rows, cols, vals = [], [], []
    for t, posting in model.postings.items():
        for i, w in posting:
            rows.append(i)
            cols.append(vocab[t])
            vals.append(w / model.norms[i])
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(term_lists), max(len(vocab), 1)), dtype=np.float32)


def fused(lexical, vectors: np.ndarray, rows: np.ndarray, cols: np.ndarray, weight: float) -> np.ndarray:
    """``weight * TF-IDF cosine + (1 - weight) * MiniLM cosine`` for rows x cols (float32, like the
    vectors: a 5,000-incident corpus is one 5,000 x 5,000 matrix at most).

    A text without a single content word (a title such as "Incident report" and no summary)
    is similar to nothing: MiniLM would call two such texts identical.
    """
    left, right = lexical[rows], lexical[cols]
    sims = (left @ right.T).toarray()
    sims *= np.float32(weight)
    sims += np.float32(1.0 - weight) * (vectors[rows] @ vectors[cols].T)
    sims[left.getnnz(axis=1) == 0, :] = 0.0
    sims[:, right.getnnz(axis=1) == 0] = 0.0
    return sims


def group(
    texts: Sequence[str],
    vectors: np.ndarray,
    threshold: float = THRESHOLD,
    weight: float = LEXICAL_WEIGHT,
) -> list[list[int]]:
    """Groups (>= 2 members) of near-identical texts; ``vectors`` are their unit embeddings.

    Deterministic: members ascending, groups by their first member.
    """
    n = len(texts)
    if n < 2:
        return []
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    lexical = _tfidf_rows([lexical_terms(t) for t in texts])
    edges_i, edges_j = [], []
    everyone = np.arange(n)
    for start in range(0, n, BLOCK):
        rows = everyone[start : start + BLOCK]
        sims = fused(lexical, vectors, rows, everyone, weight)
        i, j = np.nonzero(sims >= threshold)
        upper = j > rows[i]
        edges_i.append(rows[i[upper]])
        edges_j.append(j[upper])
    ei, ej = np.concatenate(edges_i), np.concatenate(edges_j)
    graph = sparse.coo_matrix((np.ones(len(ei)), (ei, ej)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    out: list[list[int]] = []
    for label in np.unique(component[np.unique(np.concatenate([ei, ej]))]) if len(ei) else []:
        members = np.flatnonzero(component == label)
        out.extend(_average_linkage(members, lexical, vectors, threshold, weight))
    return sorted(out)


def _average_linkage(members: np.ndarray, lexical, vectors, threshold: float, weight: float) -> list[list[int]]:
    if len(members) < 3:
        return [members.tolist()] if len(members) == 2 else []
    if len(members) > MAX_COMPONENT:  # only a templated corpus links this many: cut it in order
        parts = [members[i : i + MAX_COMPONENT] for i in range(0, len(members), MAX_COMPONENT)]
        return [g for part in parts for g in _average_linkage(part, lexical, vectors, threshold, weight)]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    dist = np.clip(1.0 - fused(lexical, vectors, members, members, weight).astype(np.float64), 0.0, 2.0)
    dist = (dist + dist.T) / 2  # the float32 products are symmetric only up to rounding
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - threshold + 1e-9, criterion="distance")
    groups = [members[labels == k].tolist() for k in np.unique(labels)]
    return [g for g in groups if len(g) >= 2]


# --- names ---------------------------------------------------------------------------


def name_terms(
    groups: list[list[int]], texts: Sequence[str], titles: Sequence[str], top: int = TERMS
) -> list[list[str]]:
    """Per group, the words most of its incidents use and the rest of the corpus does not.

    Ranked by how many of the group's incidents use the word, then by how many of their
    titles do (the title names the symptom; the summary also tells the story), then by its
    rarity in the corpus (IDF), then by length (the more specific word); shown in the
    group's most common form. Only words the similarity counts (no generic words, no
    numbers but status codes).
    """
    if not groups:
        return []
    words = [_words(t) for t in texts]
    df = Counter(stem for w in words for stem in w)
    n = len(texts)
    out = []
    for g in groups:
        users: Counter[str] = Counter()
        in_titles: Counter[str] = Counter()
        forms: dict[str, Counter[str]] = {}
        for i in g:
            users.update(words[i].keys())
            in_titles.update(_words(titles[i]).keys())
            for stem, form in words[i].items():
                forms.setdefault(stem, Counter()).update(form)
        ranked = sorted(users, key=lambda s: (-users[s], -in_titles[s], -round(math.log(n / df[s]), 9), -len(s), s))
        out.append([max(forms[s].items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))[0] for s in ranked[:top]])
    return out


def title_name(titles: Sequence[str]) -> str | None:
    """The title that shares the most content words with the group's other titles (ties: the
    shorter, then the first alphabetically); None when no two titles share a word."""
    stems = [set(_words(t)) for t in titles]
    best: tuple[int, int, str] | None = None
    for i, title in enumerate(titles):
        score = sum(len(stems[i] & stems[j]) for j in range(len(titles)) if j != i)
        key = (-score, len(title), title)
        if score and title.strip() and (best is None or key < best):
            best = key
    return " ".join(best[2].split()) if best else None


def _words(text: str) -> dict[str, Counter[str]]:
    found: dict[str, Counter[str]] = {}
    for w in WORD.findall(text.lower()):
        if _keep(w) and (len(w) >= 3 or STATUS.fullmatch(w)):
            found.setdefault(_stem(w), Counter())[w] += 1
    return found


# --- the cache -----------------------------------------------------------------------


def text_key(text: str, model: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:32]


def find(
    contexts: Sequence[str],
    titles: Sequence[str],
    cache_dir: Path,
    model: str,
    encoder: Callable[[], Any],
    threshold: float = THRESHOLD,
    weight: float = LEXICAL_WEIGHT,
) -> list[Group]:
    """Groups of repeated incidents among the documents' ``contexts`` (title and summary, in
    index order; ``titles`` only name the groups), through the cache beside the index.

    ``encoder`` is called (and the model loaded) only when a text has no cached vector.
    Afterwards the cache holds exactly this corpus's vectors and groups.
    """
    path = cache_dir / CACHE_FILE
    texts = [head(c) for c in contexts]
    keys = [text_key(t, model) for t in texts]
    corpus_key = hashlib.sha256(
        "\0".join([f"v{VERSION}|{threshold}|{weight}|{MAX_WORDS}", *keys, *titles]).encode()
    ).hexdigest()
    cached_vectors, meta = _load(path, model)
    if meta.get("corpus") == corpus_key and set(keys) <= set(cached_vectors):
        groups = _groups(meta.get("groups"), len(contexts))
        if groups is not None:
            return groups
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cached_vectors}.items())
    if missing:
        fresh = np.asarray(encoder().encode([t for _, t in missing]), dtype=np.float32)
        if cached_vectors and next(iter(cached_vectors.values())).shape != fresh.shape[1:]:
            # vectors of another width were not written by this model: encode everything afresh
            cached_vectors, missing = {}, sorted(dict(zip(keys, texts, strict=True)).items())
            fresh = np.asarray(encoder().encode([t for _, t in missing]), dtype=np.float32)
        cached_vectors.update({k: fresh[i] for i, (k, _) in enumerate(missing)})
    dim = next(iter(cached_vectors.values())).shape[0] if cached_vectors else 0
    vectors = np.stack([cached_vectors[k] for k in keys]) if keys else np.zeros((0, dim), dtype=np.float32)
    members = group(texts, vectors, threshold, weight)
    names = name_terms(members, texts, titles)
    groups = [Group(m, t) for m, t in zip(members, names, strict=True)]
    meta = {"corpus": corpus_key, "groups": [{"members": g.members, "terms": g.terms} for g in groups]}
    _save(path, model, {k: cached_vectors[k] for k in dict.fromkeys(keys)}, meta)
    return groups


def _groups(raw: object, n: int) -> list[Group] | None:
    """Cached groups, or None when they are not groups of ``n`` documents (the cache folder
    may come from a pull request: a member out of range would crash the report)."""
    if not isinstance(raw, list):
        return None
    out = []
    for g in raw:
        members, names = (g.get("members"), g.get("terms")) if isinstance(g, dict) else (None, None)
        if not (isinstance(members, list) and all(type(m) is int and 0 <= m < n for m in members)):
            return None
        if not (isinstance(names, list) and all(isinstance(t, str) for t in names)):
            return None
        out.append(Group(list(members), list(names)))
    return out


MEMBERS = {
    "keys.npy": ("<U32", 1, 64 << 20),
    "vectors.npy": (np.float32, 2, 2 << 30),
    "meta.npy": (np.uint8, 1, 64 << 20),
}
"""What ``_save`` writes, with the most bytes each may hold (reviewer.recurrence.read_npz)."""


def _load(path: Path, model: str) -> tuple[dict[str, np.ndarray], dict]:
    """The cached vectors by text key and the cached meta; empty when the file is not a cache
    of this model (it sits in the corpus folder, which a pull request can replace)."""
    try:
        arrays = read_npz(path, MEMBERS)
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    except (CorruptFile, ValueError, RecursionError):
        return {}, {}
    keys, vectors = [str(k) for k in arrays["keys"]], arrays["vectors"]
    if not isinstance(meta, dict) or meta.get("version") != VERSION or meta.get("model") != model:
        return {}, {}
    if not sealed(_sealed_part(arrays["keys"], vectors, meta), meta.get("seal")):
        return {}, {}  # not written by this user: the corpus folder may come from a pull request
    if len(keys) != len(vectors) or not np.isfinite(vectors).all():
        return {}, {}
    return dict(zip(keys, vectors, strict=True)), meta


def _sealed_part(keys: np.ndarray, vectors: np.ndarray, meta: dict) -> bytes:
    """What the seal covers: the vectors, their keys and the meta (less the seal itself)."""
    body = json.dumps({k: v for k, v in meta.items() if k != "seal"}, separators=(",", ":"), sort_keys=True)
    return b"\0".join((body.encode("utf-8"), keys.astype("<U32").tobytes(), vectors.astype("<f4").tobytes()))


def _save(path: Path, model: str, vectors: dict[str, np.ndarray], meta: dict) -> None:
    """Atomic, like the index; a read-only corpus folder just stays cold."""
    keys = np.array(list(vectors), dtype="<U32")
    matrix = np.stack(list(vectors.values())).astype(np.float32) if vectors else np.zeros((0, 0), np.float32)
    meta = {"version": VERSION, "model": model, **meta}
    tag = seal(_sealed_part(keys, matrix, meta))
    if tag is None:
        return
    body = json.dumps({**meta, "seal": tag}, separators=(",", ":"), sort_keys=True)
    buf = io.BytesIO()
    np.savez(buf, keys=keys, vectors=matrix, meta=np.frombuffer(body.encode(), dtype=np.uint8))
    with contextlib.suppress(OSError):
        write_atomic(path, buf.getvalue())
