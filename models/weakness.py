"""The weakness taxonomy classifier: multinomial logistic regression over MiniLM vectors,
stored as JSON and applied with numpy (trained by ``models/train_weakness.py`` from
``models/training/weaknesses.yml``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from reviewer.models.linear import softmax


@dataclass(frozen=True)
class WeaknessModel:
    ids: list[str]
    labels: list[str]  # short phrases shown to readers ("alerts routed to a destination no one watches")
    families: list[str]
    coef: np.ndarray  # (classes, dim)
    intercept: np.ndarray  # (classes,)
    embedder: str
    meta: dict

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        return softmax(vectors, self.coef, self.intercept)


PATH = Path(__file__).resolve().parent / "weakness_classifier.json"


def load(path: Path = PATH) -> WeaknessModel:
    d = json.loads(path.read_text(encoding="utf-8"))
    return WeaknessModel(
        d["ids"],
        d["labels"],
        d["families"],
        np.asarray(d["coef"], dtype=np.float32),
        np.asarray(d["intercept"], dtype=np.float32),
        d["embedder"],
        d.get("meta", {}),
    )


@cache
def default() -> WeaknessModel | None:
    return load() if PATH.is_file() else None
