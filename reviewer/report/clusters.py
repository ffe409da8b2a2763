"""Recurring factor clusters: contributing factors grouped by meaning, with no fixed number of groups.

Features. Each factor is one vector: its MiniLM embedding (the mean of its sentence rows in
the corpus index) joined with its weakness-class probabilities (the taxonomy classifier),
weighted so that the dot product of two factors is
``(1 - W) * cos(embeddings) + W * P(same weakness class)``, the idea of the matcher's fusion:
two factors confidently in one class of the taxonomy need fewer shared words.

Clustering. scikit-learn's AgglomerativeClustering with ``distance_threshold`` (no k) on
``1 - fused similarity``, with the weight, linkage and threshold chosen on the project's own
data (benchmarks/tune_clusters.py on benchmarks/data/factor_clusters.yml and corpus/examples;
the numbers are in docs/report.md).

Scale. Agglomerative clustering needs every pairwise distance: 35,000 factors would be
612 million pairs (4.9 GB as float64). Factors are therefore clustered within blocks, one
per most-likely weakness class (50 classes): at 5,000 synthetic documents the largest
block has ~2,100 factors and all blocks together ~19 million pairs. A block boundary does
separate some same-weakness pairs (31% of the tuning set's), but mostly pairs the threshold
would not join anyway: at the shipped threshold blocking costs 0.03 recall and removes a
third of the false links. A block above MAX_BLOCK is split with k-means first.

Cache. A block's labels depend only on its factors' features and the parameters, so they
are kept beside the index, keyed by a hash of both: a warm report, or one where a new
postmortem touched a few blocks, re-clusters only what changed (and does not even import
scikit-learn when nothing did).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import MutableMapping

import numpy as np

THRESHOLD = 0.525  # distance (1 - fused similarity) at which groups stop merging (tune_clusters.py)
LINKAGE = "average"  # mean distance between two groups: no single close pair chains them
WEAKNESS_WEIGHT = 0.35  # W above
MAX_BLOCK = 3000
VERSION = 1  # bump when the algorithm changes: invalidates cached labels


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


def features(vectors: np.ndarray, probs: np.ndarray | None, weight: float = WEAKNESS_WEIGHT) -> np.ndarray:
    """Embedding and weakness probabilities in one vector whose dot product is the fused similarity
    ``(1 - W) * cos(embeddings) + W * sum_k p_k q_k``. The second term is the probability that the
    two factors are the same weakness class: near 1 for two confident members of one class,
    near 1/50 for two vague factors (whose flat profiles a cosine would call identical)."""
    if probs is None or weight <= 0:
        return vectors.astype(np.float32)
    return np.hstack([math.sqrt(1 - weight) * vectors, math.sqrt(weight) * probs]).astype(np.float32)


def cluster(
    feats: np.ndarray,
    blocks: np.ndarray,
    threshold: float = THRESHOLD,
    linkage: str = LINKAGE,
    cache: MutableMapping[str, list[int]] | None = None,
) -> np.ndarray:
    """A cluster label per factor. Labels are numbered by each cluster's first factor, so the
    same input gives the same labels whatever the block order or the cache held. Afterwards
    ``cache`` holds exactly the entries this input used (stale blocks are dropped)."""
    labels = np.full(len(feats), -1, dtype=np.int64)
    if len(feats) == 0:
        return labels
    next_label = 0
    used: set[str] = set()
    for block in np.unique(blocks):
        members = np.flatnonzero(blocks == block)
        local = _block_labels(feats[members], threshold, linkage, cache, used)
        labels[members] = local + next_label
        next_label += int(local.max()) + 1
    if cache is not None:
        for key in [k for k in cache if k not in used]:
            del cache[key]
    # renumber by first appearance
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first, kind="stable")
    remap = np.empty(len(order), dtype=np.int64)
    remap[order] = np.arange(len(order))
    _, inverse = np.unique(labels, return_inverse=True)
    return remap[inverse]


def block_key(feats: np.ndarray, threshold: float, linkage: str) -> str:
    h = hashlib.sha256(f"v{VERSION}|{threshold}|{linkage}|{MAX_BLOCK}|{feats.shape}".encode())
    h.update(np.ascontiguousarray(feats, dtype=np.float32).tobytes())
    return h.hexdigest()[:32]


def _block_labels(
    feats: np.ndarray, threshold: float, linkage: str, cache: MutableMapping[str, list[int]] | None, used: set[str]
) -> np.ndarray:
    if len(feats) == 1:
        return np.zeros(1, dtype=np.int64)
    key = block_key(feats, threshold, linkage) if cache is not None else ""
    used.add(key)
    if cache is not None and key in cache and len(cache[key]) == len(feats):
        return np.asarray(cache[key], dtype=np.int64)
    if len(feats) > MAX_BLOCK:
        local = _split_and_cluster(feats, threshold, linkage)
    else:
        local = _agglomerative(feats, threshold, linkage)
    if cache is not None:
        cache[key] = [int(v) for v in local]
    return local


def _agglomerative(feats: np.ndarray, threshold: float, linkage: str) -> np.ndarray:
    if len(feats) < 2:
        return np.zeros(len(feats), dtype=np.int64)
    from sklearn.cluster import AgglomerativeClustering

    # the distance matrix from one matrix product (float32 BLAS) is much faster than
    # scikit-learn's own cosine pdist, and the block is small enough to hold it
    sim = feats @ feats.T
    dist = np.clip(1.0 - sim.astype(np.float64), 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage=linkage, distance_threshold=threshold
    )
    return model.fit_predict(dist).astype(np.int64)


def _split_and_cluster(feats: np.ndarray, threshold: float, linkage: str) -> np.ndarray:
    """A block too big for pairwise distances: k-means into parts of about MAX_BLOCK / 2, then each part."""
    from sklearn.cluster import KMeans

    parts = math.ceil(len(feats) / (MAX_BLOCK // 2))
    assign = KMeans(n_clusters=parts, n_init=1, random_state=0).fit_predict(feats)
    labels = np.zeros(len(feats), dtype=np.int64)
    offset = 0
    for part in range(parts):
        members = np.flatnonzero(assign == part)
        if len(members) == 0:
            continue
        if len(members) > MAX_BLOCK:  # k-means left one part too big: cut it in order
            local = np.concatenate(
                [
                    _agglomerative(feats[members[i : i + MAX_BLOCK]], threshold, linkage) + i
                    for i in range(0, len(members), MAX_BLOCK)
                ]
            )
        else:
            local = _agglomerative(feats[members], threshold, linkage)
        labels[members] = local + offset
        offset += int(local.max()) + 1
    return labels


def _unit(m: np.ndarray) -> np.ndarray:
    m = m.astype(np.float32, copy=False)
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), np.float32(1e-9))
