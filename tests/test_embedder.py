"""Tests for the numpy all-MiniLM-L6-v2 encoder (models/embedder.py)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reviewer.models.embedder import MiniLMEncoder, _erf, get_encoder, model_path

ROOT = Path(__file__).resolve().parent.parent

LONG_300_WORDS = " ".join(
    f"step{i} on-call engineer restarted shard {i % 7} after the alert fired" for i in range(30)
)  # 300 words, far beyond the 256-token limit

SENTENCES = [
    "Outage.",
    "hi",
    "",
    "The primary database failed over at 03:12 UTC and writes were rejected for 14 minutes.",
    "Root cause: a config push disabled TLS on the edge proxies; mitigation was a rollback.",
    "Café naïve résumé — Zürich, São Paulo, Kraków: ünïcödé everywhere.",
    "日本語のテキストと中文字符 mixed with English and emoji 🚀🔥",
    "!!! ??? ... ;;; --- ((( ))) [[[ ]]] {{{ }}} @@@ ### $$$ %%%",
    "ACTION ITEM #42 (owner: @alice, due 2024-07-01): add paging for replica-lag > 30s",
    "We didn't notice because the dashboard's p99 panel was    broken\tand\nnobody checked.",
    "a " * 40,
    LONG_300_WORDS,
]


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return get_encoder()


@pytest.fixture(scope="module")
def reference():
    """sentence-transformers on the shipped weights; it comes with the ``torch`` extra only."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        import sentence_transformers
    except ImportError:
        pytest.skip("the parity test needs the torch extra: pip install -e '.[test,torch]'")
    return sentence_transformers.SentenceTransformer(str(model_path()), device="cpu")


def test_long_input_is_truncated_at_256_tokens(encoder: MiniLMEncoder) -> None:
    assert len(LONG_300_WORDS.split()) == 300
    assert encoder.max_seq_length == 256
    # Anything past the 256-token window must not change the embedding.
    a, b = encoder.encode([LONG_300_WORDS, LONG_300_WORDS + " completely different tail"])
    np.testing.assert_array_equal(a, b)


def test_matches_sentence_transformers(encoder: MiniLMEncoder, reference) -> None:
    ours = encoder.encode(SENTENCES)
    ref = reference.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    cosine = np.sum(ours * ref, axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(ref, axis=1))
    assert cosine.min() >= 0.9999, dict(zip(SENTENCES, cosine.round(6), strict=True))
    np.testing.assert_allclose(ours, ref, atol=1e-4)


def test_dtype_shape_and_normalisation(encoder: MiniLMEncoder) -> None:
    assert encoder.dim == 384
    assert encoder.name.startswith("all-MiniLM-L6-v2")
    vecs = encoder.encode(SENTENCES[:5], batch_size=2)
    assert vecs.dtype == np.float32
    assert vecs.shape == (5, 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(vecs).all()


def test_empty_input(encoder: MiniLMEncoder) -> None:
    empty = encoder.encode([])
    assert empty.shape == (0, 384)
    assert empty.dtype == np.float32


def test_order_preserved_with_mixed_lengths(encoder: MiniLMEncoder) -> None:
    texts = [SENTENCES[i] for i in (11, 0, 3, 1, 10, 6, 4, 8)]
    batched = encoder.encode(texts, batch_size=3)
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)
    # Distinct texts map to clearly distinct rows, so a permutation would fail.
    sims = batched @ one_by_one.T
    assert (np.argmax(sims, axis=1) == np.arange(len(texts))).all()


REFERENCE = ROOT / "tests" / "fixtures" / "embedder" / "reference.npz"


def test_same_vectors_as_the_encoder_before_the_speed_work(encoder: MiniLMEncoder) -> None:
    """The index build's speed-ups (passes by tokens, threads, folded constants, new layer norm)
    change nothing beyond float32 rounding: ``reference.npz`` holds what the encoder of commit
    874d7f4 gave for these 72 texts (12 above, 60 generated, 4 to 220 words), so indexes built
    before stay valid under the same encoder name."""
    ref = np.load(REFERENCE)
    texts = [str(t) for t in ref["texts"]]
    ours = encoder.encode(texts)
    cosine = np.sum(ours * ref["vectors"], axis=1)
    assert cosine.min() >= 0.99999, cosine.min()
    np.testing.assert_allclose(ours, ref["vectors"], atol=1e-5)


def test_threads_passes_and_duplicates_give_the_same_rows(
    encoder: MiniLMEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text's vector does not depend on its pass, its thread or its repeats."""
    from reviewer.models import embedder

    texts = [str(t) for t in np.load(REFERENCE)["texts"]]
    texts = texts + texts[:10]  # repeats: embedded once, given back at every place
    parallel = encoder.encode(texts)
    np.testing.assert_array_equal(parallel[-10:], parallel[:10])
    monkeypatch.setattr(embedder, "_workers", lambda: 1)
    sequential = encoder.encode(texts)
    np.testing.assert_allclose(parallel, sequential, atol=1e-6)
    monkeypatch.setattr(embedder, "BATCH_TOKENS", 64)  # many small passes
    np.testing.assert_allclose(encoder.encode(texts), sequential, atol=1e-6)
    np.testing.assert_allclose(encoder.encode(texts, batch_size=5), sequential, atol=1e-6)


def test_blas_threads_restored_after_a_parallel_encode(encoder: MiniLMEncoder) -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    encoder.encode([str(t) for t in np.load(REFERENCE)["texts"]])
    after = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert after == before


def test_erf_accuracy() -> None:
    xs = np.linspace(-6.0, 6.0, 200_001)
    expected = np.array([math.erf(x) for x in xs])
    assert np.abs(_erf(xs.copy()) - expected).max() < 1e-7


def test_get_encoder_is_cached() -> None:
    assert get_encoder() is get_encoder()


def test_weights_ship_with_the_package() -> None:
    """The upstream all-MiniLM-L6-v2 weights, byte for byte, inside the package with their licence."""
    import hashlib

    path = model_path()
    assert path.resolve() == (ROOT / "models" / "minilm").resolve()
    digest = hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest()
    assert digest == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    assert "Apache License" in (path / "LICENSE").read_text(encoding="utf-8")
    assert "all-MiniLM-L6-v2" in (ROOT / "NOTICE").read_text(encoding="utf-8")


def test_model_path_missing_weights(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from reviewer.models import embedder

    monkeypatch.setattr(embedder, "_MODEL_DIR", tmp_path)
    with pytest.raises(RuntimeError, match="weights not found"):
        model_path()


def test_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from reviewer.models.embedder import get_encoder\n"
        "v = get_encoder().encode(['the pager did not fire'])\n"
        "assert v.shape == (1, 384)\n"
        "heavy = {'torch', 'transformers', 'sentence_transformers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
