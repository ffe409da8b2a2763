"""The weakness taxonomy classifier: multinomial logistic regression over MiniLM vectors,
stored as JSON and applied with numpy (trained by ``models/train_weakness.py`` from
``models/training/weaknesses.yml`` and ``models/training/weakness_unknown.yml``).

Besides one class per weakness the model has an "unknown" outcome, trained on factor-like
sentences that name no weakness of the taxonomy (timelines, impact, what responders did,
"human error", weaknesses the taxonomy lacks). Why it is not just another column: callers
compare factors by their class probabilities, and two unrelated sentences that are both
"unknown" must not look alike. So ``probabilities`` gives, per weakness class, the
probability that the sentence *is* that weakness; what is missing from 1 in a row is the
probability that it is none of them (``unknown``). A vague sentence therefore has a small
row that no caller's confidence threshold passes. ``predict`` gives the class id, or None
when the model is unsure (the arg max is unknown, or below the calibrated ``threshold``).
"""

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
    unknown_coef: np.ndarray | None = None  # (dim,): the "no weakness of the taxonomy" outcome
    unknown_intercept: float = 0.0
    threshold: float = 0.0  # lowest class probability at which ``predict`` names a class

    def _joint(self, vectors: np.ndarray) -> np.ndarray:
        """Probabilities of the weakness classes and, last, of unknown; rows sum to 1."""
        if self.unknown_coef is None:
            return softmax(vectors, self.coef, self.intercept)
        coef = np.vstack([self.coef, self.unknown_coef[None, :]])
        intercept = np.append(self.intercept, np.float32(self.unknown_intercept))
        return softmax(vectors, coef, intercept)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(n, classes): the probability that each row is each weakness; 1 - row sum is unknown."""
        return self._joint(vectors)[:, : len(self.ids)]

    def unknown(self, vectors: np.ndarray) -> np.ndarray:
        """(n,): the probability that each row names no weakness of the taxonomy."""
        if self.unknown_coef is None:
            return np.zeros(len(vectors), dtype=np.float32)
        return self._joint(vectors)[:, -1]

    def predict(self, vectors: np.ndarray) -> list[str | None]:
        """The weakness id of each row, or None where the model is unsure."""
        if len(vectors) == 0:
            return []
        joint = self._joint(vectors)
        top = joint.argmax(axis=1)
        return [
            self.ids[k] if k < len(self.ids) and joint[i, k] >= self.threshold else None
            for i, k in enumerate(top.tolist())
        ]

    def label(self, weakness_id: str | None) -> str | None:
        """The reader's phrase for a class id (None stays None)."""
        return None if weakness_id is None else self.labels[self.ids.index(weakness_id)]


PATH = Path(__file__).resolve().parent / "weakness_classifier.json"


def load(path: Path = PATH) -> WeaknessModel:
    d = json.loads(path.read_text(encoding="utf-8"))
    unknown = d.get("unknown_coef")
    return WeaknessModel(
        d["ids"],
        d["labels"],
        d["families"],
        np.asarray(d["coef"], dtype=np.float32),
        np.asarray(d["intercept"], dtype=np.float32),
        d["embedder"],
        d.get("meta", {}),
        np.asarray(unknown, dtype=np.float32) if unknown is not None else None,
        float(d.get("unknown_intercept", 0.0)),
        float(d.get("threshold", 0.0)),
    )


@cache
def default() -> WeaknessModel | None:
    return load() if PATH.is_file() else None
