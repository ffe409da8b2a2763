"""A logistic-regression model stored as plain JSON, applied with numpy.

Training uses scikit-learn (``models/train_blame.py``); the review path only needs a
dot product, so it does not pay scikit-learn's ~1.5 s import. ``tests/test_classifier.py``
checks that this gives the same probabilities as the fitted scikit-learn model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class LinearModel:
    coef: np.ndarray  # (dim,)
    intercept: float
    threshold: float
    embedder: str
    meta: dict

    def probability(self, features: np.ndarray) -> np.ndarray:
        z = features.astype(np.float64) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> str:
        return json.dumps(
            {
                "embedder": self.embedder,
                "threshold": self.threshold,
                "intercept": self.intercept,
                "coef": [round(float(c), 7) for c in self.coef],
                "meta": self.meta,
            },
            indent=1,
        )


def softmax(vectors: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """Class probabilities of a multinomial logistic regression (coef: classes x dim), in float32."""
    z = vectors.astype(np.float32) @ coef.T.astype(np.float32) + intercept.astype(np.float32)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def load(path: Path) -> LinearModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return LinearModel(
        coef=np.asarray(data["coef"], dtype=np.float64),
        intercept=float(data["intercept"]),
        threshold=float(data["threshold"]),
        embedder=str(data["embedder"]),
        meta=dict(data.get("meta", {})),
    )


@cache
def load_named(name: str) -> LinearModel:
    """A model shipped under models/ (``reviewer/models`` in an installed wheel)."""
    return load(Path(__file__).resolve().parent / name)
