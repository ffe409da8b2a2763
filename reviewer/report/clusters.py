"""Recurring factor clusters: contributing factors grouped by meaning, with no fixed number of groups.

Similarity. Two factors are compared by three signals, weighted into one score:
``(1 - W - L) * cos(embeddings) + W * P(same weakness class) + L * shared words``.
* cos: their MiniLM embeddings (the mean of their sentence rows in the corpus index).
* P(same weakness class): ``sum_k p_k q_k`` over the taxonomy classifier's probabilities,
  near 1 for two confident members of one class: two such factors need fewer shared words.
* shared words: the content words (reviewer/report/naming.py: no stop words, no words every
  factor uses) the two have in common, weighted by their rarity in the corpus (IDF): the
  geometric mean of the TF-IDF cosine and of the share of the *shorter* factor's weight
  found in the other, halved when only one word is shared. Why: real postmortems often state
  a repeat in a few words ("Priority classes not implemented") next to a long first version
  of it; the embedding of a four-word factor and a forty-word one is only loosely alike, and
  its weakness is rarely confident, but every rare word of the short one is in the long one.
  A cosine alone would punish the length difference; containment alone would let one
  shared system name ("Traefik") link anything written about that system.

Clustering. Average linkage (scikit-learn's AgglomerativeClustering with
``distance_threshold``, no k) on ``1 - similarity``, with the weights and the threshold
chosen on the project's own data (benchmarks/tune_clusters.py on
benchmarks/data/factor_clusters.yml and corpus/examples; numbers in docs/report.md).

Scale. Agglomerative clustering needs every pairwise distance, so it runs per connected
component of the graph of pairs at or above the similarity threshold: an average-linkage
merge needs at least one such pair, so this gives exactly the clusters of one clustering of
everything, with far smaller matrices. (An earlier version cut the corpus into one block per
most-likely weakness class instead; that separated two short factors whose flat class
profiles happened to peak on different classes, which is most short factors.) The graph is
computed BLOCK rows at a time; a component above MAX_BLOCK is split with k-means first.

Cache. A component's labels depend only on its distances, and the whole corpus's labels
only on its features, its words and the parameters, so both are kept beside the index keyed
by a hash: a warm report computes nothing (and does not import scikit-learn), and one where a
new postmortem touched a few components re-clusters only those.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import MutableMapping, Sequence

import numpy as np

THRESHOLD = 0.5  # distance (1 - similarity) at which groups stop merging (tune_clusters.py)
LINKAGE = "average"  # mean distance between two groups: no single close pair chains them
WEAKNESS_WEIGHT = 0.15  # W above
LEXICAL_WEIGHT = 0.4  # L above
ONE_WORD = 0.5  # the shared-words score of two factors that share a single content word is halved
COMMON_SHARE, COMMON_MIN = 0.05, 100  # words in more factors than both are left out of the shared words
MAX_BLOCK = 3000
BLOCK = 1024  # rows of the similarity graph computed at once (memory: BLOCK x n floats)
VERSION = 2  # bump when the algorithm changes: invalidates cached labels


def factor_vectors(rows: np.ndarray, rows_per_factor: np.ndarray) -> np.ndarray:
    """One unit vector per factor from the index's per-sentence rows (mean, renormalised)."""
    if len(rows_per_factor) == 0:
        return np.zeros((0, rows.shape[1] if rows.ndim == 2 else 0), dtype=np.float32)
    rows = rows.astype(np.float32, copy=False)
    if np.all(rows_per_factor == 1):
        return _unit(rows)
    starts = np.concatenate([[0], np.cumsum(rows_per_factor)[:-1]]).astype(np.int64)
    return _unit(np.add.reduceat(rows, starts, axis=0))


def embed(texts: list[str], encoder) -> np.ndarray:
    """Factor vectors for texts outside an index, computed exactly as the index does (per sentence)."""
    from reviewer.recurrence import sentences

    pieces = [sentences(t) for t in texts]
    rows = encoder.encode([p for ps in pieces for p in ps])
    return factor_vectors(rows, np.array([len(ps) for ps in pieces], dtype=np.int64))


def features(
    vectors: np.ndarray,
    probs: np.ndarray | None,
    weight: float = WEAKNESS_WEIGHT,
    lexical_weight: float = LEXICAL_WEIGHT,
) -> np.ndarray:
    """Embedding and weakness probabilities in one vector whose dot product is the dense part
    of the similarity, ``(1 - W - L) * cos + W * sum_k p_k q_k``. The second term is the
    probability that the two factors are the same weakness class: near 1 for two confident
    members of one class, near 1/50 for two vague factors (whose flat profiles a cosine would
    call identical)."""
    if probs is None or weight <= 0:
        return (math.sqrt(max(1 - lexical_weight, 0.0)) * vectors).astype(np.float32)
    return np.hstack([math.sqrt(1 - weight - lexical_weight) * vectors, math.sqrt(weight) * probs]).astype(np.float32)


class Words:
    """Each factor's distinct content words with their corpus IDF, as sparse rows."""

    def __init__(self, texts: Sequence[str], weight: float = LEXICAL_WEIGHT) -> None:
        from scipy import sparse

        from reviewer.report.naming import words

        memo: dict[str, list[str]] = {}
        stems = [memo.setdefault(t, list(dict.fromkeys(s for s, _ in words(t)))) for t in texts]
        df: dict[str, int] = {}
        for row in stems:
            for s in row:
                df[s] = df.get(s, 0) + 1
        # a word in a twentieth of a large corpus's factors says little (its IDF is low) and
        # makes most of the pairs that share a word: left out, the graph stays near-linear
        common = {s for s, f in df.items() if f > max(COMMON_MIN, COMMON_SHARE * len(texts))}
        if common:
            stems = [[s for s in row if s not in common] for row in stems]
            df = {s: f for s, f in df.items() if s not in common}
        vocab = {s: k for k, s in enumerate(sorted(df))}
        n = len(texts)
        idf = {s: math.log((1 + n) / (1 + f)) + 1 for s, f in df.items()}
        indptr = np.concatenate([[0], np.cumsum([len(r) for r in stems])]).astype(np.int64)
        cols = np.array([vocab[s] for r in stems for s in r], dtype=np.int64)
        vals = np.array([idf[s] for r in stems for s in r], dtype=np.float32)
        shape = (n, max(len(vocab), 1))
        self.weights = sparse.csr_matrix((vals, cols, indptr), shape=shape)
        self.present = sparse.csr_matrix((np.ones_like(vals), cols, indptr), shape=shape)
        self.tagged = (self.weights + 1j * self.present).astype(np.complex128).tocsr()  # see pairs()
        self.mass = np.asarray(self.weights.sum(axis=1)).ravel().astype(np.float32)
        self.norm = np.sqrt(np.asarray(self.weights.multiply(self.weights).sum(axis=1)).ravel()).astype(np.float32)
        self.weight = weight
        self.stems = stems

    def digest(self, rows: np.ndarray | None = None) -> bytes:
        picked = self.stems if rows is None else [self.stems[i] for i in rows]
        return "\n".join(" ".join(r) for r in picked).encode("utf-8")

    def similarity(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The shared-words score for rows x cols, in [0, 1] (dense)."""
        out = np.zeros((len(rows), len(cols)), dtype=np.float32)
        i, j, v = self.pairs(rows, cols)
        out[i, j] = v
        return out

    def pairs(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The shared-words score of every pair (row position, column position) that shares a
        word: only those, so a block costs what its shared words cost, not rows x cols.

        One sparse product gives both sums it needs: with the right factor's entries
        ``idf + 1j``, ``sum_k idf_k (idf_k + 1j)`` is the TF-IDF dot product (real part) plus
        the IDF mass of the shared words (imaginary part). A single shared word is the case
        ``mass**2 == dot``; two or more make the square strictly larger."""
        product = (self.weights[rows] @ self.tagged[cols].T).tocoo()
        if product.nnz == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=np.float32)
        i, j = product.row.astype(np.int64), product.col.astype(np.int64)
        dot, shared = product.data.real.astype(np.float64), product.data.imag.astype(np.float64)
        norm = np.maximum(self.norm[rows][i] * self.norm[cols][j], 1e-9)
        mass = np.maximum(np.minimum(self.mass[rows][i], self.mass[cols][j]), 1e-9)
        cosine = np.clip(dot / norm, 0, 1)
        contained = np.clip(shared / mass, 0, 1)  # IDF mass of the words both have, over the smaller
        score = np.sqrt(cosine * contained).astype(np.float32)
        score[shared * shared - dot <= 1e-4 * dot] *= ONE_WORD
        return i, j, score


def similarity(feats: np.ndarray, words: Words | None, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    sims = feats[rows] @ feats[cols].T
    if words is not None and words.weight > 0:
        i, j, v = words.pairs(rows, cols)
        sims[i, j] += np.float32(words.weight) * v
    return sims


def cluster(
    feats: np.ndarray,
    words: Words | None = None,
    threshold: float = THRESHOLD,
    linkage: str = LINKAGE,
    cache: MutableMapping[str, list[int]] | None = None,
    exclude: np.ndarray | None = None,
) -> np.ndarray:
    """A cluster label per factor. Labels are numbered by each cluster's first factor, so the
    same input gives the same labels whatever the cache held. ``exclude`` (a boolean mask)
    marks factors that join no cluster. Afterwards ``cache`` holds exactly the entries this
    input used (stale ones are dropped)."""
    n = len(feats)
    if n == 0:
        return np.full(0, -1, dtype=np.int64)
    skip = np.zeros(n, dtype=bool) if exclude is None else np.asarray(exclude, dtype=bool)
    used: set[str] = set()
    whole = _whole_key(feats, words, skip, threshold, linkage)
    if cache is not None and whole in cache and len(cache[whole]) == n:
        labels = np.asarray(cache[whole], dtype=np.int64)
        used.add(whole)
        _forget(cache, used | {k for k in cache if k.startswith("c:")})
        return labels
    labels = np.arange(n, dtype=np.int64) + n  # singletons unless a component joins them
    components = _components(feats, words, skip, 1.0 - threshold)
    next_label = 0
    for members in components:
        local = _component_labels(feats, words, members, threshold, linkage, cache, used)
        labels[members] = local + next_label
        next_label += int(local.max()) + 1
    labels = _renumber(labels)
    if cache is not None:
        cache[whole] = [int(v) for v in labels]
        used.add(whole)
        _forget(cache, used)
    return labels


def _forget(cache: MutableMapping[str, list[int]], keep: set[str]) -> None:
    for key in [k for k in cache if k not in keep]:
        del cache[key]


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Labels numbered by first appearance: 0 for the first factor's cluster, and so on."""
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first, kind="stable")
    remap = np.empty(len(order), dtype=np.int64)
    remap[order] = np.arange(len(order))
    _, inverse = np.unique(labels, return_inverse=True)
    return remap[inverse]


def _whole_key(feats: np.ndarray, words: Words | None, skip: np.ndarray, threshold: float, linkage: str) -> str:
    h = hashlib.sha256(f"v{VERSION}|all|{threshold}|{linkage}|{MAX_BLOCK}|{feats.shape}".encode())
    h.update(np.ascontiguousarray(feats, dtype=np.float32).tobytes())
    h.update(skip.tobytes())
    if words is not None:
        h.update(f"|{words.weight}|{ONE_WORD}|".encode())
        h.update(words.digest())
    return "all:" + h.hexdigest()[:32]


def _components(feats: np.ndarray, words: Words | None, skip: np.ndarray, floor: float) -> list[np.ndarray]:
    """Groups of factors connected by pairs above ``floor`` (two or more members), in order."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    n = len(feats)
    keep = np.flatnonzero(~skip)
    edges_i, edges_j = [], []
    for start in range(0, len(keep), BLOCK):
        rows = keep[start : start + BLOCK]
        sims = similarity(feats, words, rows, keep)
        i, j = np.nonzero(sims > floor)  # distance below the threshold: what average linkage merges
        upper = keep[j] > rows[i]
        edges_i.append(rows[i[upper]])
        edges_j.append(keep[j[upper]])
    ei = np.concatenate(edges_i) if edges_i else np.zeros(0, dtype=np.int64)
    ej = np.concatenate(edges_j) if edges_j else np.zeros(0, dtype=np.int64)
    if len(ei) == 0:
        return []
    graph = sparse.coo_matrix((np.ones(len(ei)), (ei, ej)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    linked = np.unique(np.concatenate([ei, ej]))
    out = [np.flatnonzero(component == c) for c in np.unique(component[linked])]
    return sorted(out, key=lambda m: int(m[0]))


def _component_labels(
    feats: np.ndarray,
    words: Words | None,
    members: np.ndarray,
    threshold: float,
    linkage: str,
    cache: MutableMapping[str, list[int]] | None,
    used: set[str],
) -> np.ndarray:
    if len(members) == 2:
        return np.zeros(2, dtype=np.int64)  # the pair is at or above the threshold: one cluster
    if len(members) > MAX_BLOCK:
        return _split_and_cluster(feats, words, members, threshold, linkage)
    dist = _distances(feats, words, members)
    key = ""
    if cache is not None:
        h = hashlib.sha256(f"v{VERSION}|{threshold}|{linkage}|{dist.shape}".encode())
        h.update(np.round(dist, 6).astype(np.float64).tobytes())
        key = "c:" + h.hexdigest()[:32]
        used.add(key)
        if key in cache and len(cache[key]) == len(members):
            return np.asarray(cache[key], dtype=np.int64)
    local = _agglomerative(dist, threshold, linkage)
    if cache is not None:
        cache[key] = [int(v) for v in local]
    return local


def _distances(feats: np.ndarray, words: Words | None, members: np.ndarray) -> np.ndarray:
    sims = similarity(feats, words, members, members).astype(np.float64)
    dist = np.clip(1.0 - (sims + sims.T) / 2, 0.0, 2.0)  # float32 products are symmetric only up to rounding
    np.fill_diagonal(dist, 0.0)
    return dist


def _agglomerative(dist: np.ndarray, threshold: float, linkage: str) -> np.ndarray:
    if len(dist) < 2:
        return np.zeros(len(dist), dtype=np.int64)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage=linkage, distance_threshold=threshold
    )
    return model.fit_predict(dist).astype(np.int64)


def _split_and_cluster(
    feats: np.ndarray, words: Words | None, members: np.ndarray, threshold: float, linkage: str
) -> np.ndarray:
    """A component too big for pairwise distances (a templated corpus): k-means into parts of
    about MAX_BLOCK / 2 on the dense features, then each part."""
    from sklearn.cluster import KMeans

    parts = math.ceil(len(members) / (MAX_BLOCK // 2))
    assign = KMeans(n_clusters=parts, n_init=1, random_state=0).fit_predict(feats[members])
    labels = np.zeros(len(members), dtype=np.int64)
    offset = 0
    for part in range(parts):
        inside = np.flatnonzero(assign == part)
        if len(inside) == 0:
            continue
        chunks = [inside[i : i + MAX_BLOCK] for i in range(0, len(inside), MAX_BLOCK)]
        for chunk in chunks:  # k-means left one part too big: cut it in order
            local = _agglomerative(_distances(feats, words, members[chunk]), threshold, linkage)
            labels[chunk] = local + offset
            offset += int(local.max()) + 1
    return labels


def _unit(m: np.ndarray) -> np.ndarray:
    m = m.astype(np.float32, copy=False)
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), np.float32(1e-9))
