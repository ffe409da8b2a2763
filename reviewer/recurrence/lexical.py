"""Lexical evidence: stemmed words and word pairs, BM25 over factor sentences, TF-IDF cosine.

Shared with the report (``reviewer/report/repeats.py``, ``naming.py``), which reuses the
same stems and stop words so a cluster's name and a match's evidence agree."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict

import numpy as np

STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "without",
        "into",
        "onto",
        "over",
        "under",
        "after",
        "before",
        "during",
        "while",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "not",
        "no",
        "nor",
        "so",
        "than",
        "then",
        "there",
        "their",
        "they",
        "them",
        "we",
        "our",
        "us",
        "you",
        "your",
        "he",
        "she",
        "his",
        "her",
        "i",
        "me",
        "my",
        "as",
        "about",
        "also",
        "any",
        "all",
        "some",
        "such",
        "only",
        "own",
        "same",
        "other",
        "more",
        "most",
        "very",
        "can",
        "could",
        "should",
        "would",
        "will",
        "may",
        "might",
        "must",
        "just",
        "up",
        "down",
        "out",
        "off",
        "again",
        "once",
        "each",
        "few",
        "both",
        "between",
        "through",
        "per",
        "via",
    ]
)


def _stem(word: str) -> str:
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def terms(text: str) -> list[str]:
    words = [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 1]
    return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


class BM25:
    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self.avg = float(self.lengths.mean()) if self.n else 1.0
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, d in enumerate(docs):
            for term, tf in Counter(d).items():
                postings[term].append((i, tf))
        self.postings = {
            t: (np.array([r for r, _ in p]), np.array([f for _, f in p], dtype=np.float32)) for t, p in postings.items()
        }

    def scores(self, query: list[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self.lengths / max(self.avg, 1e-9))
        for term in set(query):
            if term not in self.postings:
                continue
            rows, tf = self.postings[term]
            idf = math.log(1 + (self.n - len(rows) + 0.5) / (len(rows) + 0.5))
            out[rows] += idf * tf * (self.k1 + 1) / (tf + norm[rows])
        return out


class TfIdf:
    """Cosine of sublinear TF-IDF vectors over an inverted index (no dense matrix)."""

    def __init__(self, docs: list[list[str]]) -> None:
        self.n = len(docs)
        counts = [Counter(d) for d in docs]
        df: Counter = Counter()
        for c in counts:
            df.update(c.keys())
        self.idf = {t: math.log((1 + self.n) / (1 + f)) + 1 for t, f in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        norms = np.zeros(self.n, dtype=np.float64)
        for i, c in enumerate(counts):
            for t, tf in c.items():
                w = (1 + math.log(tf)) * self.idf[t]
                self.postings[t].append((i, w))
                norms[i] += w * w
        self.norms = np.sqrt(np.maximum(norms, 1e-12))

    def cosine(self, query: list[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float64)
        qn = 0.0
        for t, tf in Counter(query).items():
            if t not in self.idf:
                continue
            w = (1 + math.log(tf)) * self.idf[t]
            qn += w * w
            for i, dw in self.postings[t]:
                out[i] += w * dw
        return out / (self.norms * math.sqrt(qn)) if qn > 0 else out
