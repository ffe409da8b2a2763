"""The BL009 model: its numpy inference matches scikit-learn, and the shipped artefact matches its data."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from reviewer.models.embedder import get_encoder
from reviewer.models.linear import LinearModel, load_named
from reviewer.resources import models_dir


def test_numpy_inference_matches_sklearn() -> None:
    sklearn = pytest.importorskip("sklearn.linear_model")
    rows = [json.loads(line) for line in (models_dir() / "training" / "blame_sentences.jsonl").read_text().splitlines()]
    rows = rows[::6]  # a spread-out subset keeps the test fast
    X = get_encoder().encode([r["text"] for r in rows]).astype(np.float64)
    y = np.array([r["label"] == "blame" for r in rows], dtype=int)
    clf = sklearn.LogisticRegression(C=2.0, max_iter=5000).fit(X, y)
    model = LinearModel(clf.coef_[0], float(clf.intercept_[0]), 0.5, get_encoder().name, {})
    np.testing.assert_allclose(model.probability(X), clf.predict_proba(X)[:, 1], atol=1e-9)


def test_shipped_model_was_trained_on_the_shipped_data() -> None:
    model = load_named("blame_classifier.json")
    data = (models_dir() / model.meta["training_data"]).read_bytes()
    assert model.meta["training_sha256"] == hashlib.sha256(data).hexdigest(), (
        "retrain: python -m reviewer.models.train_blame"
    )
    assert model.embedder == get_encoder().name
    assert model.coef.shape == (get_encoder().dim,)
    assert 0.5 < model.threshold < 1.0


def test_preview_rule_is_off_by_default_and_opt_in(review) -> None:
    text = "Piet thinks alerts are somebody else's problem."
    assert "BL009" not in {f.code for f in review(text)}
    assert "BL009" in {f.code for f in review(text, extend_select=("BL009",))}


def test_weakness_model_was_trained_on_the_shipped_taxonomy() -> None:
    from reviewer.models.weakness import default

    model = default()
    assert model is not None
    data = (models_dir() / model.meta["training_data"]).read_bytes()
    assert model.meta["training_sha256"] == hashlib.sha256(data).hexdigest(), (
        "retrain: python -m reviewer.models.train_weakness"
    )
    assert model.coef.shape == (len(model.ids), get_encoder().dim)
    assert len(set(model.ids)) == len(model.ids) == len(model.labels)
    vectors = get_encoder().encode(["Disk alerts are emailed to a list that nobody reads."])
    # the weakness classes and the "unknown" outcome share the probability mass
    assert abs(float(model.probabilities(vectors).sum() + model.unknown(vectors).sum()) - 1.0) < 1e-4
