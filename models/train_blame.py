"""Train the person-centred-framing classifier (BL009) from models/training/blame_sentences.jsonl.

    python -m reviewer.models.train_blame            # writes models/blame_classifier.json

Features are MiniLM sentence embeddings (the same numpy encoder the review path uses).
A logistic regression is fitted; the decision threshold is chosen on 5-fold
cross-validated probabilities as the lowest one whose precision is at least
TARGET_PRECISION, because the rule only speaks when lexicons and the parse have
found nothing and a false alarm there costs more than a miss. The dev sets in
../shared/data are never used here.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "training" / "blame_sentences.jsonl"
OUT = HERE / "blame_classifier.json"
TARGET_PRECISION = 0.95


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import precision_recall_curve, roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from reviewer.models.embedder import get_encoder
    from reviewer.models.linear import LinearModel

    raw = DATA.read_bytes()
    rows = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
    texts = [r["text"] for r in rows]
    y = np.array([1 if r["label"] == "blame" else 0 for r in rows])
    encoder = get_encoder()
    X = encoder.encode(texts).astype(np.float64)
    clf = LogisticRegression(C=2.0, max_iter=5000)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    proba = cross_val_predict(clf, X, y, cv=folds, method="predict_proba")[:, 1]
    precision, recall, thresholds = precision_recall_curve(y, proba)
    ok = [i for i in range(len(thresholds)) if precision[i] >= TARGET_PRECISION]
    i = ok[0] if ok else len(thresholds) - 1
    threshold = float(thresholds[i])
    clf.fit(X, y)
    model = LinearModel(
        coef=clf.coef_[0],
        intercept=float(clf.intercept_[0]),
        threshold=round(threshold, 4),
        embedder=encoder.name,
        meta={
            "training_data": DATA.relative_to(HERE).as_posix(),
            "training_sha256": hashlib.sha256(raw).hexdigest(),
            "examples": len(rows),
            "positives": int(y.sum()),
            "cv_auc": round(float(roc_auc_score(y, proba)), 4),
            "cv_precision_at_threshold": round(float(precision[i]), 4),
            "cv_recall_at_threshold": round(float(recall[i]), 4),
            "target_precision": TARGET_PRECISION,
        },
    )
    OUT.write_text(model.to_json() + "\n", encoding="utf-8")
    print(json.dumps(model.meta | {"threshold": model.threshold}, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
