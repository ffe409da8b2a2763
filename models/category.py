"""The factor-category classifier (technical, process, organisational, detection): multinomial
logistic regression over MiniLM vectors, stored as JSON and applied with numpy so the report
does not pay scikit-learn's import (trained by ``models/train_category.py``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from reviewer.models.linear import softmax

PATH = Path(__file__).resolve().parent / "category_classifier.json"


@dataclass(frozen=True)
class CategoryModel:
    labels: list[str]
    coef: np.ndarray  # (labels, dim)
    intercept: np.ndarray  # (labels,)
    embedder: str
    meta: dict

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        return softmax(vectors, self.coef, self.intercept)

    def predict(self, vectors: np.ndarray) -> list[str]:
        if len(vectors) == 0:
            return []
        return [self.labels[i] for i in self.probabilities(vectors).argmax(axis=1)]


def load(path: Path = PATH) -> CategoryModel:
    d = json.loads(path.read_text(encoding="utf-8"))
    return CategoryModel(
        list(d["labels"]),
        np.asarray(d["coef"], dtype=np.float32),
        np.asarray(d["intercept"], dtype=np.float32),
        d["embedder"],
        d.get("meta", {}),
    )


@cache
def default() -> CategoryModel | None:
    return load() if PATH.is_file() else None
