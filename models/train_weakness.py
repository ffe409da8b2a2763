"""Train the weakness classifier from models/training/weaknesses.yml.

    python -m reviewer.models.train_weakness        # writes models/weakness_classifier.json

Prints the cross-validated class accuracy, and the distribution of the fused match
score for same-weakness and different-weakness example pairs, from which the default
recurrence threshold is read (the lowest score at which pairs are the same weakness
with at least 90% precision). The evaluation sets under benchmarks/ are not used.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
DATA = HERE / "training" / "weaknesses.yml"
OUT = HERE / "weakness_classifier.json"


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from reviewer.models.embedder import get_encoder

    raw = DATA.read_bytes()
    data = yaml.safe_load(raw)
    classes = data["classes"]
    texts, y = [], []
    for k, c in enumerate(classes):
        for ex in c["examples"]:
            texts.append(ex)
            y.append(k)
    y = np.array(y)
    encoder = get_encoder()
    X = encoder.encode(texts)
    clf = LogisticRegression(C=8.0, max_iter=5000)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    proba = cross_val_predict(clf, X, y, cv=folds, method="predict_proba")
    accuracy = float((proba.argmax(1) == y).mean())
    clf.fit(X, y)
    model = {
        "ids": [c["id"] for c in classes],
        "labels": [c["label"] for c in classes],
        "families": [c["family"] for c in classes],
        "embedder": encoder.name,
        "coef": [[round(float(v), 6) for v in row] for row in clf.coef_],
        "intercept": [round(float(v), 6) for v in clf.intercept_],
        "meta": {
            "training_data": DATA.relative_to(HERE).as_posix(),
            "training_sha256": hashlib.sha256(raw).hexdigest(),
            "classes": len(classes),
            "examples": len(texts),
            "cv_accuracy": round(accuracy, 4),
        },
    }
    OUT.write_text(json.dumps(model) + "\n", encoding="utf-8")
    # pair statistics with cross-validated probabilities: what the fused score looks like
    from reviewer.recurrence import BM25, W_LEX, W_SEM, W_WEAK, terms

    sem = X @ X.T
    unit = proba / np.linalg.norm(proba, axis=1, keepdims=True)
    weak = unit @ unit.T
    bm = BM25([terms(t) for t in texts])
    lex = np.zeros_like(sem)
    for i, t in enumerate(texts):
        s = bm.scores(terms(t))
        s[i] = 0
        lex[i] = s / s.max() if s.max() > 0 else s
    fused = W_SEM * sem + W_WEAK * weak + W_LEX * lex
    same = y[:, None] == y[None, :]
    off = ~np.eye(len(y), dtype=bool)
    pos, neg = fused[same & off], fused[~same]
    for t in np.arange(0.40, 0.86, 0.05):
        p = (pos >= t).sum() / max((pos >= t).sum() + (neg >= t).sum(), 1)
        r = (pos >= t).mean()
        print(f"threshold {t:.2f}: pair precision {p:.3f} recall {r:.3f}", file=sys.stderr)
    print(json.dumps(model["meta"], indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
