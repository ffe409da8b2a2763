"""Factor-level matching: every (draft factor, corpus factor) pair scored by fusing three kinds of evidence.

* semantic similarity: cosine of the MiniLM vectors (a factor scores as its best sentence);
* the shared weakness: both factors' class probabilities under a taxonomy of systemic
  weaknesses (``models/training/weaknesses.yml``, classifier in ``models/``), so that
  "lag warnings go to a muted channel" meets "disk alerts go to an unread mailing list"
  even though the words differ, and "the warning threshold was above the failover
  limit" does not, although it shares them;
* lexical similarity: BM25 over stemmed words and word pairs, scaled per query, which
  rewards the same system or component (and, measured on the paraphrase set, also the
  distractors that share words but not the weakness: its weight is kept small).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from reviewer.recurrence.lexical import BM25, terms
from reviewer.recurrence.store import REINDEX, CorpusDoc, Index, IndexError_, sentences

# Fusion weights: the weakness classes carry most of the signal across different wordings,
# the embeddings break ties and cover weaknesses outside the taxonomy, the lexical score
# rewards the same system or component. The weights were set from the taxonomy's own
# examples (models/train_weakness.py prints pair statistics). benchmarks/eval_recurrence.py
# prints every corpus without BM25 too: no change on the real corpora or the held-out
# paraphrases, a little better on the tuned ones, but unrelated sample pairs score higher.
W_SEM, W_WEAK, W_LEX = 0.4, 0.5, 0.1
CONFIDENT = 0.3  # a class probability at which a factor "is" that weakness
# The threshold: with the 60-class taxonomy the sample drafts' shared factor (01/05) scores
# 0.65 and the best unrelated pair 0.61; 0.63 lies between. On the real repeat groups of four
# organisations (eval_recurrence.py sweeps it), precision rises from 0.60 to 0.65 at nearly
# the same recall.
DEFAULT_THRESHOLD = 0.63
# A factor written word for word in this many documents is the template's ("Things that could
# have gone better."), not the incident's: it is no evidence that two incidents are alike. Two
# documents sharing a sentence can be a real repeat (a lesson copied from the last time).
TEMPLATE_DOCS = 3


def _key(text: str) -> str:
    """A factor's words, lower case, for telling the same sentence in several documents."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _unit(p: np.ndarray) -> np.ndarray:
    """Class probabilities as unit vectors: their dot product (cosine) compares weakness profiles."""
    return p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-9)


@dataclass
class Match:
    doc: CorpusDoc
    factor: dict
    score: float
    semantic: float
    lexical: float
    weakness: float
    shared_weakness: str | None


@dataclass
class Scores:
    """Everything one scoring pass computes, kept so that factor matches and incident rankings
    can be read from the same pass."""

    per_factor: np.ndarray  # (draft factors, corpus factors): fused score, -1 where excluded
    rows: np.ndarray  # (draft sentences, corpus rows): fused score per sentence pair
    semantic: np.ndarray
    lexical: np.ndarray
    weak: np.ndarray
    raw: np.ndarray | None  # draft sentences' class probabilities
    which: np.ndarray | None  # (draft factors, corpus factors): the draft sentence that scored best
    excluded: list[int]  # document numbers left out


class Matcher:
    """Scores draft factors against an index; the corpus-side work is done once."""

    def __init__(self, index: Index, encoder, weakness=None, weights: tuple[float, float, float] | None = None) -> None:
        if index.vectors.shape[1] != encoder.dim:
            raise IndexError_(
                index.path or index.root,
                f"its vectors have {index.vectors.shape[1]} values, not {encoder.dim}",
                REINDEX,
            )
        self.index = index
        self.encoder = encoder
        self.weakness = weakness
        self.weights = weights or (W_SEM, W_WEAK, W_LEX)
        self.owner = [d for d in index.docs for _ in d.factors]
        self.factor = [f for d in index.docs for f in d.factors]
        self.owner_doc = np.array([i for i, d in enumerate(index.docs) for _ in d.factors], dtype=np.int64)
        counts = np.array([int(f.get("rows", 1)) for f in self.factor], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else np.zeros(0, dtype=np.int64)
        # the first factor column of each document that has factors, for per-document maxima
        self.doc_first = (
            np.flatnonzero(np.r_[True, self.owner_doc[1:] != self.owner_doc[:-1]]) if len(counts) else counts
        )
        self.doc_with_factors = self.owner_doc[self.doc_first] if len(counts) else counts
        self.incident_vectors = index.incident_vectors
        seen: dict[str, set[int]] = defaultdict(set)
        for f, d in zip(self.factor, self.owner_doc, strict=True):
            seen[_key(f["clean"])].add(int(d))
        self.templates = {k for k, docs in seen.items() if len(docs) >= TEMPLATE_DOCS}
        self.template = np.array([_key(f["clean"]) in self.templates for f in self.factor], dtype=bool)
        # one text per vector row (``load`` checked that they agree)
        row_texts = [
            s for f in self.factor for s in (sentences(f["clean"]) if int(f.get("rows", 1)) > 1 else [f["clean"]])
        ]
        self.texts = row_texts
        self.bm25 = BM25([terms(t) for t in row_texts])
        probs = weakness.probabilities(index.vectors) if weakness is not None and len(row_texts) else None
        self.corpus_raw = probs
        self.corpus_probs = _unit(probs) if probs is not None else None
        if probs is not None:
            self.corpus_top = probs.argmax(axis=1)
            self.corpus_sure = probs.max(axis=1) >= CONFIDENT

    def excluded(self, exclude: set[str]) -> list[int]:
        """Document numbers named in ``exclude`` by corpus path or content hash (the draft itself)."""
        return [i for i, d in enumerate(self.index.docs) if d.path in exclude or d.sha in exclude]

    def scores(self, texts: list[str], exclude: set[str] = frozenset(), vectors: np.ndarray | None = None) -> Scores:  # type: ignore[assignment]
        """One pass over the corpus for the draft factors ``texts`` (``vectors``: one per text, already embedded)."""
        w_sem, w_weak, w_lex = self.weights
        pieces = [sentences(t) for t in texts] if vectors is None else [[t] for t in texts]
        flat = [p for ps in pieces for p in ps]
        q = vectors if vectors is not None else self.encoder.encode(flat)
        # (query sentences, corpus rows); corpus-major product: it streams the big matrix once, ~30% faster
        semantic = np.ascontiguousarray((self.index.vectors @ q.T).T)
        if w_lex:
            lex = np.stack([self.bm25.scores(terms(t)) for t in flat])
            top = lex.max(axis=1, keepdims=True)
            lex = np.divide(lex, top, out=np.zeros_like(lex), where=top > 0)
        else:
            lex = np.zeros_like(semantic)
        raw = self.weakness.probabilities(q) if self.corpus_probs is not None else None
        if raw is not None:
            # half: how alike the two weakness profiles are; half: whether both are
            # confidently the same class of the taxonomy
            qtop = raw.argmax(axis=1)
            qsure = raw.max(axis=1) >= CONFIDENT
            weak = _unit(raw) @ self.corpus_probs.T
            weak *= np.float32(0.5)
            for j in np.flatnonzero(qsure):  # in place: no (queries x corpus) temporaries at 100k+ rows
                weak[j, (self.corpus_top == qtop[j]) & self.corpus_sure] += np.float32(0.5)
            rows = semantic * np.float32(w_sem)
            rows += np.float32(w_weak) * weak
            if w_lex:
                rows += np.float32(w_lex) * lex
        else:
            weak = np.zeros_like(lex)
            rows = (w_sem + w_weak / 2) * semantic + (w_lex + w_weak / 2) * lex
        # rows (corpus sentences) -> corpus factors: a factor is as close as its closest sentence
        one_row_each = len(self.starts) == rows.shape[1]
        fused = rows if one_row_each else np.maximum.reduceat(rows, self.starts, axis=1)
        excluded = self.excluded(exclude)
        # per draft factor: its best sentence against each corpus factor
        bounds = np.cumsum([0] + [len(ps) for ps in pieces])
        if all(len(ps) == 1 for ps in pieces):
            per_factor, which = fused, None  # each draft factor is one query row: row i
        else:
            per_factor = np.maximum.reduceat(fused, bounds[:-1], axis=0)
            which = np.stack([fused[a:b].argmax(axis=0) + a for a, b in itertools.pairwise(bounds)])
        drop = np.isin(self.owner_doc, excluded) if excluded else None
        if self.templates:
            drop = self.template if drop is None else drop | self.template
        if drop is not None:
            per_factor = np.where(drop[None, :], np.float32(-1.0), per_factor)
        if self.templates:  # a draft factor that is a line of the corpus's template matches nothing
            per_factor[[_key(t) in self.templates for t in texts]] = -1.0
        return Scores(per_factor, rows, semantic, lex, weak, raw, which, excluded)

    def pair(self, s: Scores, i: int, c: int) -> Match:
        """The match of draft factor ``i`` with corpus factor ``c``: its evidence and the weakness both
        share, where both are confidently the same class of the taxonomy (triggers are no weakness)."""
        qj = i if s.which is None else int(s.which[i, c])
        span = slice(self.starts[c], self.starts[c] + int(self.factor[c].get("rows", 1)))
        r = span.start + int(s.rows[qj, span].argmax())
        shared = None
        if s.raw is not None:
            qa = int(s.raw[qj].argmax())
            corpus_best = self.corpus_raw[span][:, qa].max()
            label_id = self.weakness.ids[qa]
            confident = s.raw[qj][qa] >= CONFIDENT and corpus_best >= CONFIDENT
            if confident and s.weak[qj, r] >= 0.6 and not label_id.startswith("trigger-"):
                shared = self.weakness.labels[qa]
        return Match(
            self.owner[c],
            self.factor[c],
            float(s.per_factor[i, c]),
            float(s.semantic[qj, r]),
            float(s.lexical[qj, r]),
            float(s.weak[qj, r]),
            shared,
        )

    def match(
        self, texts: list[str], exclude: set[str] = frozenset(), top_k: int = 5, vectors: np.ndarray | None = None
    ):  # type: ignore[assignment]
        """For each draft factor text, its best corpus factors (excluding documents in ``exclude``)."""
        if not texts or not self.factor:
            return [[] for _ in texts]
        return self.top(self.scores(texts, exclude, vectors), top_k)

    def top(self, s: Scores, top_k: int) -> list[list[Match]]:
        """The ``top_k`` corpus factors of each draft factor, best first."""
        per_factor = s.per_factor
        k = min(top_k, per_factor.shape[1])
        tops = (
            np.argpartition(per_factor, per_factor.shape[1] - k, axis=1)[:, -k:]
            if k < per_factor.shape[1]
            else np.tile(np.arange(per_factor.shape[1]), (len(per_factor), 1))
        )
        out = []
        for i in range(len(per_factor)):
            order = tops[i][np.argsort(-per_factor[i][tops[i]])]
            out.append([self.pair(s, i, int(c)) for c in order if per_factor[i, c] >= 0])
        return out

    def by_document(self, s: Scores) -> np.ndarray:
        """Per draft factor and document, the best fused score against the document's factors
        (-1: it has none, or it is excluded): (draft factors, documents)."""
        best = np.full((len(s.per_factor), len(self.index.docs)), -1.0, dtype=np.float32)
        if len(self.doc_first) and len(s.per_factor):
            best[:, self.doc_with_factors] = np.maximum.reduceat(s.per_factor, self.doc_first, axis=1)
        if s.excluded:
            best[:, s.excluded] = -1.0
        return best

    def columns(self, doc: int) -> slice:
        """The corpus factor columns of document number ``doc``."""
        a, b = np.searchsorted(self.owner_doc, [doc, doc + 1])
        return slice(int(a), int(b))
