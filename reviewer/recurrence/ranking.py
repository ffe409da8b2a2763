"""Past incidents ranked for a draft: factor-level and whole-incident evidence in one calibrated score.

Repeats of the same symptom often list different factors, so the best factor pair alone
misses them; the whole incident (one MiniLM vector each side, of the opening of its title,
summary and factors: ``store.opening``) finds those. The two are merged by a logistic
calibration fitted on the repeat groups of several organisations at once
(benchmarks/eval_recurrence.py --calibrate prints the fit and its precision and recall per
organisation), so a score means "how often pairs scoring this were repeats" whatever the
corpus, instead of being scaled to the best candidate of the corpus at hand. Every incident
is ranked; the recurrence threshold only marks which of them carry factor-level evidence
strong enough for RE001 and the report's "recurring".
"""

from __future__ import annotations

import math

import numpy as np

from reviewer.recurrence.matcher import DEFAULT_THRESHOLD, Matcher, Scores
from reviewer.recurrence.store import opening

# logit = A * best factor score + B * whole-incident cosine + C, fitted on the pairs of the
# dfds, jupyterhub, rust-lang and pypi folders pooled (benchmarks/eval_recurrence.py --calibrate)
CALIBRATION = (2.54, 3.28, -4.23)
PAIRS_SHOWN = 3  # factor pairs listed per incident as its evidence


def calibrated(factor: float, similarity: float) -> float:
    """The incident score: a probability-like value on one scale for every corpus."""
    a, b, c = CALIBRATION
    return 1 / (1 + math.exp(-(a * max(factor, 0.0) + b * similarity + c)))


def incidents(
    matcher: Matcher,
    texts: list[str],
    profile: str = "",
    exclude: set[str] = frozenset(),  # type: ignore[assignment]
    threshold: float = DEFAULT_THRESHOLD,
    top_k: int = 5,
    scores: Scores | None = None,
    profile_vector: np.ndarray | None = None,
) -> list[dict]:
    """The ``top_k`` past incidents closest to a draft whose factors are ``texts`` and whose
    whole text (``Incident.profile``) is ``profile``, best first; all of them when ``top_k`` is 0.

    Each incident says its score, its best factor score and whole-incident similarity, whether
    it ``passes_threshold`` (a factor pair at or above ``threshold``), how many draft factors
    reach the threshold against it (``shared_factors``), the weakness its best pair shares, and
    its closest factor pairs (``pairs``: the draft factor's number in ``texts``, whatever their score)."""
    docs = matcher.index.docs
    if not docs:
        return []
    s = scores if scores is not None or not texts or not matcher.factor else matcher.scores(texts, exclude)
    best = matcher.by_document(s) if s is not None else np.full((0, len(docs)), -1.0, dtype=np.float32)
    factor = best.max(axis=0) if len(best) else np.full(len(docs), -1.0, dtype=np.float32)
    similarity = np.zeros(len(docs), dtype=np.float32)
    if profile or profile_vector is not None:
        q = profile_vector if profile_vector is not None else matcher.encoder.encode([opening(profile)])[0]
        similarity = matcher.incident_vectors @ q
    a, b, c = CALIBRATION
    score = 1 / (1 + np.exp(-(a * np.maximum(factor, 0.0) + b * similarity + c)))
    left_out = matcher.excluded(exclude) + (s.excluded if s is not None else [])
    score[left_out] = -1.0
    n = len(docs) - len(set(left_out))
    k = min(top_k, n) if top_k else n
    # the k best at once (a large corpus has tens of thousands of incidents), then in order, ties by path
    head = np.argpartition(-score, k - 1)[:k] if 0 < k < len(docs) else np.arange(len(docs))
    order = sorted((int(i) for i in head if score[i] >= 0), key=lambda i: (-float(score[i]), docs[i].path))[:k]
    ranked = []
    for i in order:
        doc = docs[i]
        pairs = []
        if s is not None and len(best):
            cols = matcher.columns(i)
            for q in np.argsort(-best[:, i], kind="stable")[:PAIRS_SHOWN]:
                if best[q, i] < 0:
                    continue
                c = cols.start + int(s.per_factor[q, cols].argmax())
                m = matcher.pair(s, int(q), c)
                pairs.append(
                    {
                        "draft_factor": int(q),
                        "factor": m.factor["text"],
                        "factor_line": m.factor["line"],
                        "score": round(m.score, 4),
                        "weakness": m.shared_weakness,
                    }
                )
        ranked.append(
            {
                "path": doc.path,
                "title": doc.title,
                "date": doc.date,
                "score": round(float(score[i]), 4),
                "factor_score": round(max(float(factor[i]), 0.0), 4),
                "similarity": round(float(similarity[i]), 4),
                "passes_threshold": bool(factor[i] >= threshold),
                "shared_factors": int((best[:, i] >= threshold).sum()) if len(best) else 0,
                "weakness": pairs[0]["weakness"] if pairs else None,
                "pairs": pairs,
                "action_items": doc.actions,
            }
        )
    return ranked
