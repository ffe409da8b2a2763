"""Factor-category classifier on held-out factors: accuracy and a confusion matrix.

    python benchmarks/eval_categories.py

The set (benchmarks/data/factor_categories.yml, 60 factors written for pmreview, 15 per
category) is never used in training; the model (models/category_classifier.json) is
trained on the weakness taxonomy's examples labelled by family (models/train_category.py).
Also printed: each held-out factor's closest training example, so that a high score
cannot come from near-copies, and a majority-class baseline.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "factor_categories.yml"
TRAINING = ROOT / "models" / "training" / "weaknesses.yml"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from reviewer.models.category import default
    from reviewer.models.embedder import get_encoder

    model = default()
    if model is None:
        print("no models/category_classifier.json: run python -m reviewer.models.train_category", file=sys.stderr)
        return 2
    rows = yaml.safe_load(DATA.read_text(encoding="utf-8"))["factors"]
    texts = [r["text"] for r in rows]
    truth = [r["category"] for r in rows]
    encoder = get_encoder()
    vectors = encoder.encode(texts)
    predicted = model.predict(vectors)
    labels = model.labels
    accuracy = sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(rows)
    majority = max(truth.count(label) for label in labels) / len(rows)
    print(f"held-out factors: {len(rows)}")
    print(f"accuracy:         {accuracy:.3f}   (majority-class baseline {majority:.3f})")
    print(f"training CV:      {model.meta.get('cv_accuracy')} ({model.meta.get('cv')})")
    print()
    width = max(len(label) for label in labels)
    print(" " * (width + 2) + "predicted →")
    print(" " * (width + 2) + "  ".join(f"{label[:5]:>5}" for label in labels) + "  recall")
    for t in labels:
        counts = [sum(1 for p, tt in zip(predicted, truth, strict=True) if tt == t and p == q) for q in labels]
        total = sum(counts)
        recall = counts[labels.index(t)] / total if total else 0.0
        print(f"{t:>{width}}  " + "  ".join(f"{c:>5}" for c in counts) + f"  {recall:.2f}")
    classes = yaml.safe_load(TRAINING.read_text(encoding="utf-8"))["classes"]
    train = [ex for c in classes for ex in c["examples"]]
    nearest = (vectors @ encoder.encode(train).T).max(axis=1)
    print()
    print(f"closest training example: cosine median {np.median(nearest):.2f}, max {nearest.max():.2f}")
    wrong = [(t, p, x) for t, p, x in zip(truth, predicted, texts, strict=True) if t != p]
    if wrong:
        print("\nmisclassified:")
        for t, p, x in wrong:
            print(f"  {t:>14} → {p:<14} {x[:90]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
