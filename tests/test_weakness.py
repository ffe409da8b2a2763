"""The weakness classifier: covered weaknesses get their class, sentences that name no weakness
of the taxonomy get none, the numpy model is the scikit-learn one, and review time needs
neither scikit-learn nor the training data.

The sentences below are written for this file (not taken from the training data), and the
expected answers are what a reader of the taxonomy would say, not the model's output."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from reviewer.models.embedder import get_encoder
from reviewer.models.weakness import WeaknessModel, default, load
from reviewer.resources import models_dir

COVERED = {
    "Our disk usage alerts are sent to an inbox that nobody has opened since the team moved.": (
        "unowned-alert-destination"
    ),
    "The browser client retried every failed call immediately, with no backoff, hammering the recovering API.": (
        "retry-storm"
    ),
    "The TLS certificate on the login domain expired over the weekend.": "credential-expiry",
    "The orders volume ran out of free space because old export files are never deleted.": "disk-full",
    "A developer pushed the production database password to a public repository.": "secret-exposed",
    "Nobody had ever tried restoring the nightly database dumps, and the first restore failed.": (
        "backups-not-restorable"
    ),
}

OFF_TAXONOMY = [
    "The incident lasted about an hour and mostly affected users in Asia.",
    "Our quarterly planning meeting was moved to Thursday.",
    "We restarted the workers and the error rate went back to normal.",
    "The new onboarding screen uses a larger font.",
]


@pytest.fixture(scope="module")
def model() -> WeaknessModel:
    m = default()
    assert m is not None, "models/weakness_classifier.json is missing: python -m reviewer.models.train_weakness"
    return m


def test_a_clearly_covered_weakness_gets_its_class(model: WeaknessModel) -> None:
    vectors = get_encoder().encode(list(COVERED))
    assert model.predict(vectors) == list(COVERED.values())
    probs = model.probabilities(vectors)
    for row, expected in zip(probs, COVERED.values(), strict=True):
        assert model.ids[int(row.argmax())] == expected
        assert row.max() >= model.threshold


def test_an_off_taxonomy_sentence_gets_unknown(model: WeaknessModel) -> None:
    vectors = get_encoder().encode(OFF_TAXONOMY)
    assert model.predict(vectors) == [None] * len(OFF_TAXONOMY)
    # the probabilities callers threshold on stay low: "unknown" is the likeliest outcome
    probs = model.probabilities(vectors)
    assert (probs.max(axis=1) < model.threshold).all()
    assert (model.unknown(vectors) > probs.max(axis=1)).all()


def test_class_and_unknown_probabilities_add_up_to_one(model: WeaknessModel) -> None:
    vectors = get_encoder().encode(list(COVERED) + OFF_TAXONOMY)
    probs = model.probabilities(vectors)
    assert probs.shape == (len(vectors), len(model.ids))
    np.testing.assert_allclose(probs.sum(axis=1) + model.unknown(vectors), 1.0, atol=1e-5)
    assert model.predict(np.zeros((0, get_encoder().dim), dtype=np.float32)) == []
    assert model.label(None) is None
    assert model.label("retry-storm") == model.labels[model.ids.index("retry-storm")]


def test_numpy_inference_matches_sklearn() -> None:
    sklearn = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 16))
    y = rng.integers(0, 5, size=240)  # classes 0..3 are weaknesses, 4 is unknown
    X[np.arange(240), y] += 3.0
    clf = sklearn.LogisticRegression(C=4.0, max_iter=2000).fit(X, y)
    m = WeaknessModel(
        ["a", "b", "c", "d"],
        ["A", "B", "C", "D"],
        ["technical"] * 4,
        clf.coef_[:4].astype(np.float32),
        clf.intercept_[:4].astype(np.float32),
        "test",
        {},
        clf.coef_[4].astype(np.float32),
        float(clf.intercept_[4]),
        0.5,
    )
    expected = clf.predict_proba(X)
    np.testing.assert_allclose(m.probabilities(X), expected[:, :4], atol=1e-4)
    np.testing.assert_allclose(m.unknown(X), expected[:, 4], atol=1e-4)
    top = expected.argmax(axis=1)
    want = [None if k == 4 or expected[i, k] < 0.5 else "abcd"[k] for i, k in enumerate(top)]
    assert m.predict(X) == want


def test_a_model_without_an_unknown_outcome_still_loads(tmp_path: Path, model: WeaknessModel) -> None:
    """Models written before the unknown outcome: rows sum to 1 and ``predict`` is the arg max."""
    old = {
        "ids": model.ids,
        "labels": model.labels,
        "families": model.families,
        "embedder": model.embedder,
        "coef": model.coef.tolist(),
        "intercept": model.intercept.tolist(),
        "meta": {},
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    m = load(path)
    vectors = get_encoder().encode(OFF_TAXONOMY[:2])
    np.testing.assert_allclose(m.probabilities(vectors).sum(axis=1), 1.0, atol=1e-5)
    assert (m.unknown(vectors) == 0).all()
    assert m.predict(vectors) == [m.ids[int(k)] for k in m.probabilities(vectors).argmax(axis=1)]


def test_review_time_needs_neither_sklearn_nor_torch() -> None:
    code = (
        "import sys, numpy as np\n"
        "from reviewer.models.weakness import default\n"
        "m = default()\n"
        "m.predict(np.ones((2, m.coef.shape[1]), dtype=np.float32) / m.coef.shape[1] ** 0.5)\n"
        "bad = sorted(n for n in ('sklearn', 'torch', 'yaml') if n in sys.modules)\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_shipped_model_was_trained_on_the_shipped_data(model: WeaknessModel) -> None:
    for key, sha in (("training_data", "training_sha256"), ("unknown_data", "unknown_sha256")):
        data = (models_dir() / model.meta[key]).read_bytes()
        assert model.meta[sha] == hashlib.sha256(data).hexdigest(), "retrain: python -m reviewer.models.train_weakness"
    assert model.embedder == get_encoder().name
    assert model.coef.shape == (len(model.ids), get_encoder().dim)
    assert model.unknown_coef is not None and model.unknown_coef.shape == (get_encoder().dim,)
    assert 0.0 < model.threshold < 1.0


def test_taxonomy_shape() -> None:
    """At least 30 distinct examples a class, unique ids, the four families, no example in two
    classes, and no held-out unknown sentence among the training sentences."""
    classes = yaml.safe_load((models_dir() / "training" / "weaknesses.yml").read_text(encoding="utf-8"))["classes"]
    ids = [c["id"] for c in classes]
    assert len(ids) == len(set(ids))
    assert {c["family"] for c in classes} == {"detection", "process", "technical", "organisational"}
    seen: dict[str, str] = {}
    for c in classes:
        examples = [e.strip().lower() for e in c["examples"]]
        assert len(set(examples)) >= 30, c["id"]
        for e in examples:
            assert seen.setdefault(e, c["id"]) == c["id"], f"{e!r} is in {seen[e]} and {c['id']}"
    off = yaml.safe_load((models_dir() / "training" / "weakness_unknown.yml").read_text(encoding="utf-8"))
    train = {e.strip().lower() for e in off["unknown"]} | set(seen)
    assert not {e.strip().lower() for e in off["heldout"]} & train
