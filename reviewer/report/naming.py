"""What to call a cluster: its most characteristic terms (class-based TF-IDF) and its medoid.

Class-based TF-IDF (as in BERTopic) treats each cluster's factor texts as one document and
weighs a term by how often the cluster uses it against how often all factors do:
``tf(t, c) / words(c) * log(1 + A / f(t))``, with A the mean number of words per cluster and
f(t) the term's count over every factor. Terms used by at least two of the cluster's
incidents are preferred, so the name says what the incidents share, not what one verbose
factor repeats; between equal weights (common in a small corpus) the longer word wins, as
the more specific one. Words are compared by a light stem ("logs" = "log") and shown in the
form the cluster uses most.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache

import numpy as np

from reviewer.recurrence import STOP, _stem

WORD = re.compile(r"[a-z][a-z0-9]*(?:[-.][a-z0-9]+)*")
# words every factor uses: they say nothing about which weakness this is
GENERIC = frozenset(
    [
        "because",
        "caused",
        "cause",
        "causing",
        "did",
        "does",
        "get",
        "got",
        "had",
        "has",
        "have",
        "having",
        "into",
        "made",
        "make",
        "makes",
        "many",
        "much",
        "new",
        "none",
        "once",
        "one",
        "two",
        "three",
        "first",
        "last",
        "time",
        "times",
        "again",
        "even",
        "still",
        "yet",
        "already",
        "however",
        "although",
        "though",
        "since",
        "until",
        "within",
        "without",
        "team",
        "teams",
        "our",
        "ours",
        "we",
        "us",
        "also",
        "which",
        "while",
        "what",
        "whom",
        "there",
        "here",
        "than",
        "then",
        "would",
        "could",
        "should",
        "might",
        "lot",
        "lots",
        "way",
        "ways",
        "thing",
        "things",
        "use",
        "used",
        "using",
    ]
)
TERMS = 3


@cache
def _content(word: str) -> tuple[str, str] | None:
    word = word.strip(".-")
    if len(word) < 3 or word in STOP or word in GENERIC or word.isdigit():
        return None
    return _stem(word), word


def words(text: str) -> list[tuple[str, str]]:
    """(stem, surface form) of each content word."""
    return [c for c in map(_content, WORD.findall(text.lower())) if c is not None]


class Namer:
    """Term statistics over every factor of the corpus, computed once; then names per cluster."""

    def __init__(self, texts: list[str], labels: np.ndarray) -> None:
        memo: dict[str, list[tuple[str, str]]] = {}
        self.tokens = [memo[t] if t in memo else memo.setdefault(t, words(t)) for t in texts]
        self.total: Counter[str] = Counter()
        for toks in self.tokens:
            self.total.update(s for s, _ in toks)
        n_clusters = max(len(set(labels.tolist())), 1)
        self.avg = sum(self.total.values()) / n_clusters

    def terms(self, members: list[int], incident_of: list[str], top: int = TERMS) -> list[str]:
        counts: Counter[str] = Counter()
        shared: dict[str, set[str]] = {}
        surface: dict[str, Counter[str]] = {}
        for i in members:
            for stem, form in self.tokens[i]:
                counts[stem] += 1
                shared.setdefault(stem, set()).add(incident_of[i])
                surface.setdefault(stem, Counter())[form] += 1
        size = max(sum(counts.values()), 1)
        weight = {t: c / size * math.log(1 + self.avg / self.total[t]) for t, c in counts.items()}
        common = [t for t in weight if len(shared[t]) >= 2]
        pool = common if len(common) >= top else list(weight)
        ranked = sorted(pool, key=lambda t: (-round(weight[t], 9), -len(t), t))
        chosen = ranked[:top]
        if len(chosen) < top:
            chosen += [t for t in sorted(weight, key=lambda t: (-round(weight[t], 9), -len(t), t)) if t not in chosen][
                : top - len(chosen)
            ]
        return [max(surface[t].items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))[0] for t in chosen]


LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
EMPHASIS = re.compile(r"(\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`)")


def plain(text: str) -> str:
    """A factor as a reader quotes it: Markdown links reduced to their text, emphasis and code
    marks dropped ("**Customer comms** – …" → "Customer comms – …")."""
    return " ".join(EMPHASIS.sub("", LINK.sub(r"\1", text)).split())


def medoid(vectors: np.ndarray) -> int:
    """Index of the member closest to all the others (highest summed cosine; first on ties)."""
    if len(vectors) <= 2:
        return 0
    sims = vectors @ vectors.T
    return int(np.argmax(sims.sum(axis=1)))
