"""Pure-numpy inference for the all-MiniLM-L6-v2 sentence embedding model.

Why this exists: the review path needs sentence embeddings, but importing torch
and sentence-transformers costs ~7-10 s of cold start before the first vector is
produced. The model is a small 6-layer BERT, so a numpy forward pass over the
*same* weights (``models/minilm/model.safetensors``, shipped in pmreview's
wheel with its Apache-2.0 licence) yields the same embeddings as ``SentenceTransformer.encode(...,
normalize_embeddings=True)`` (cosine >= 0.9999) at a fraction of the start-up
cost and with comparable throughput.

Pipeline, mirroring sentence-transformers for this model: WordPiece tokenizer
(``tokenizer.json``, truncation at ``max_seq_length`` = 256) -> BERT encoder ->
attention-mask-aware mean pooling -> L2 normalisation.

This module must never import torch, transformers or sentence_transformers.
"""

from __future__ import annotations

import functools
import json
import os
import pathlib
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

__all__ = ["MiniLMEncoder", "get_encoder", "model_path"]

# The upstream all-MiniLM-L6-v2 release, byte for byte (model.safetensors sha256 53aa5117…).
# Shipped inside the package rather than through a weights package: the ones on PyPI
# depend on sentence-transformers, which pulls torch into every install.
_MODEL_DIR = pathlib.Path(__file__).resolve().parent / "minilm"
_SQRT_HALF = 0.7071067811865476

# Rational approximation of erf on [-4, 4]: erf(x) ~= x * P(x^2) / Q(x^2), the
# minimax fit used by Eigen/XLA. Evaluated in float64 its absolute error is
# < 7e-8 everywhere (|erf(x)| rounds to 1 in float32 beyond the clamp).
_ERF_P = (
    -2.72614225801306e-10,
    2.77068142495902e-08,
    -2.10102402082508e-06,
    -5.69250639462346e-05,
    -7.34990630326855e-04,
    -2.95459980854025e-03,
    -1.60960333262415e-02,
)
_ERF_Q = (
    -1.45660718464996e-05,
    -2.13374055278905e-04,
    -1.68282697438203e-03,
    -7.37332916720468e-03,
    -1.42647390514189e-02,
)


def model_path() -> pathlib.Path:
    """Folder of the all-MiniLM-L6-v2 model shipped with pmreview (``models/minilm``).

    Laid out as a sentence-transformers model folder, so the ``torch`` extra's
    ``SentenceTransformer(str(model_path()))`` loads the very same weights.
    """
    if not (_MODEL_DIR / "model.safetensors").is_file():
        raise RuntimeError(
            f"all-MiniLM-L6-v2 weights not found: {_MODEL_DIR} has no model.safetensors (reinstall pmreview)"
        )
    return _MODEL_DIR


def _erf(z: np.ndarray) -> np.ndarray:
    """Vectorised erf in float64, absolute error < 7e-8. Overwrites ``z``."""
    np.clip(z, -4.0, 4.0, out=z)
    z2 = z * z
    p = z2 * _ERF_P[0]
    p += _ERF_P[1]
    for c in _ERF_P[2:]:
        p *= z2
        p += c
    q = z2 * _ERF_Q[0]
    q += _ERF_Q[1]
    for c in _ERF_Q[2:]:
        q *= z2
        q += c
    p *= z
    p /= q
    return p


def _gelu_(x: np.ndarray, block: int = 32768) -> np.ndarray:
    """Exact (erf) GELU, x * 0.5 * (1 + erf(x / sqrt(2))), in place on float32 ``x``.

    Processed in blocks so the temporaries stay in cache. The erf runs in float32: its error
    rises from 7e-8 to about 4e-7, far below what changes an embedding (cosine to
    sentence-transformers stays above 0.99999), and GELU is a third of the encoder's time.
    """
    flat = x.reshape(-1)
    for start in range(0, flat.size, block):
        xs = flat[start : start + block]
        cdf = _erf(np.multiply(xs, np.float32(_SQRT_HALF), dtype=np.float32))
        cdf += 1.0
        cdf *= 0.5
        np.multiply(xs, cdf, out=xs, casting="same_kind")
    return x


def _layer_norm_(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float, ones: np.ndarray) -> np.ndarray:
    """LayerNorm over the last axis of 2-D float32 ``x``, in place.

    The row means are a matrix-vector product with ``ones`` (1/d each) and the variances an
    einsum: both run several times faster than ``mean(axis=-1)``, and no temporary of ``x``'s
    size is made. Two passes (centre, then square), as torch does, so large means cost no precision.
    """
    x -= (x @ ones)[:, None]
    var = np.einsum("ij,ij->i", x, x)
    var *= np.float32(1.0 / x.shape[1])
    var += np.float32(eps)
    np.sqrt(var, out=var)
    np.reciprocal(var, out=var)
    x *= var[:, None]
    x *= w
    x += b
    return x


class _Layer:
    """Weights of one BERT encoder layer, pre-transposed for ``x @ W``.

    The query weights and bias carry the attention scale 1/sqrt(head_dim), so the scores need
    no multiplication of their own (the same product up to float32 rounding)."""

    def __init__(self, w: dict[str, np.ndarray], prefix: str, head_dim: int) -> None:
        def get(name: str) -> np.ndarray:
            return w[f"{prefix}.{name}"].astype(np.float32, copy=False)

        att = "attention.self"
        scale = np.float32(1.0 / np.sqrt(head_dim))
        weights = [get(f"{att}.{n}.weight") for n in ("query", "key", "value")]
        biases = [get(f"{att}.{n}.bias") for n in ("query", "key", "value")]
        weights[0] = weights[0] * scale
        biases[0] = biases[0] * scale
        self.qkv_w = np.ascontiguousarray(np.concatenate(weights).T)
        self.qkv_b = np.concatenate(biases)
        self.out_w = np.ascontiguousarray(get("attention.output.dense.weight").T)
        self.out_b = get("attention.output.dense.bias")
        self.ln1_w = get("attention.output.LayerNorm.weight")
        self.ln1_b = get("attention.output.LayerNorm.bias")
        self.ff1_w = np.ascontiguousarray(get("intermediate.dense.weight").T)
        self.ff1_b = get("intermediate.dense.bias")
        self.ff2_w = np.ascontiguousarray(get("output.dense.weight").T)
        self.ff2_b = get("output.dense.bias")
        self.ln2_w = get("output.LayerNorm.weight")
        self.ln2_b = get("output.LayerNorm.bias")


# Texts per forward pass are chosen by tokens, not by count: a pass of ~BATCH_TOKENS tokens keeps
# its activations (the largest is tokens x 1536 float32, 6 MiB) in cache, and is big enough that
# the matrix products run at the BLAS's full speed.
BATCH_TOKENS = 1024
_PARALLEL = threading.Lock()


def _workers() -> int:
    """CPUs this process may run on: one forward pass per CPU at a time (see ``encode``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class MiniLMEncoder:
    """all-MiniLM-L6-v2 sentence encoder: BERT forward + mean pooling + L2 norm."""

    name = "all-MiniLM-L6-v2/numpy.v1"
    dim = 384

    def __init__(self, path: pathlib.Path | None = None) -> None:
        path = model_path() if path is None else pathlib.Path(path)
        config = json.loads((path / "config.json").read_text())
        st_config = json.loads((path / "sentence_bert_config.json").read_text())
        self.max_seq_length: int = int(st_config["max_seq_length"])
        self._heads: int = int(config["num_attention_heads"])
        self._eps: float = float(config["layer_norm_eps"])
        if int(config["hidden_size"]) != self.dim:
            raise RuntimeError(f"unexpected hidden_size in {path / 'config.json'}")

        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        # Truncate like sentence-transformers; padding is done per length-sorted
        # batch in encode(), so the tokenizer's fixed-length padding is disabled.
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)
        self._tokenizer.no_padding()

        w = load_file(str(path / "model.safetensors"))
        self._word = w["embeddings.word_embeddings.weight"].astype(np.float32, copy=False)
        # position + token type 0, added once here rather than per batch
        self._pos_type = (
            w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0]
        ).astype(np.float32)
        self._ln_w = w["embeddings.LayerNorm.weight"].astype(np.float32, copy=False)
        self._ln_b = w["embeddings.LayerNorm.bias"].astype(np.float32, copy=False)
        self._ones = np.full(self.dim, 1.0 / self.dim, dtype=np.float32)
        head_dim = self.dim // self._heads
        self._layers = [_Layer(w, f"encoder.layer.{i}", head_dim) for i in range(int(config["num_hidden_layers"]))]

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        """Embed ``texts``; returns float32 (len(texts), 384), rows unit-norm.

        Why it is shaped this way (index builds are bound by this function): a text given twice is
        embedded once; texts are sorted by length so a pass pads little; a pass holds about
        ``BATCH_TOKENS`` tokens (or ``batch_size`` texts when given); and with several passes
        and several CPUs, the passes run in threads, one per CPU, each with a single-threaded
        BLAS. numpy releases the GIL in its loops, so the layer norms, softmax and GELU, which
        run on one core, are spread over all of them too, where a multi-threaded BLAS alone
        left one core idle outside the matrix products. Each text's vector does not depend on
        which pass or thread it ran in beyond float32 rounding.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not a single str")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if len(texts) == 0:
            return out
        slot: dict[str, int] = {}
        where = np.array([slot.setdefault(t, len(slot)) for t in texts])
        ids = [e.ids for e in self._tokenizer.encode_batch(list(slot))]
        order = np.argsort([len(i) for i in ids], kind="stable")
        batches: list[np.ndarray] = []
        start = 0
        while start < len(order):
            stop = start + 1
            if batch_size is not None:
                stop = min(len(order), start + batch_size)
            else:  # sorted by length: the last text of a pass is its longest
                while stop < len(order) and (stop - start + 1) * len(ids[order[stop]]) <= BATCH_TOKENS:
                    stop += 1
            batches.append(order[start:stop])
            start = stop
        unique = np.zeros((len(ids), self.dim), dtype=np.float32)

        def run(chunk: np.ndarray) -> None:
            width = max(len(ids[i]) for i in chunk)
            input_ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.float32)
            for row, i in enumerate(chunk):
                input_ids[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1.0
            unique[chunk] = self._embed(input_ids, mask)

        workers = min(_workers(), len(batches))
        if workers < 2:
            for chunk in batches:
                run(chunk)
        else:
            with _PARALLEL:  # one parallel encode at a time: the BLAS thread setting is process-wide
                limits = _single_threaded_blas()
                if limits is None:
                    for chunk in batches:
                        run(chunk)
                else:
                    with limits, ThreadPoolExecutor(workers) as pool:
                        # longest passes first, so no thread is left with a long one at the end
                        for _ in pool.map(run, batches[::-1]):
                            pass
        out[:] = unique[where]
        return out

    def _embed(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        hidden = self._forward(input_ids, mask)
        summed = np.einsum("bld,bl->bd", hidden, mask)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _forward(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = input_ids.shape
        heads, head_dim = self._heads, self.dim // self._heads
        x = self._word[input_ids]
        x += self._pos_type[:length]
        x = _layer_norm_(x.reshape(batch * length, self.dim), self._ln_w, self._ln_b, self._eps, self._ones)
        # Additive key mask: 0 for real tokens, -inf for padding (every row has
        # at least [CLS] and [SEP], so no softmax row is fully masked).
        bias = np.where(mask > 0, np.float32(0.0), np.float32(-np.inf))[:, None, None, :]
        ctx = np.empty((batch * length, self.dim), dtype=np.float32)
        # the heads' outputs are written straight into ctx's (token, head * head_dim) layout
        ctx_heads = ctx.reshape(batch, length, heads, head_dim).transpose(0, 2, 1, 3)
        for layer in self._layers:
            qkv = x @ layer.qkv_w
            qkv += layer.qkv_b
            qkv = qkv.reshape(batch, length, 3, heads, head_dim)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)  # (batch, heads, length, head_dim), already scaled
            k_t = qkv[:, :, 1].transpose(0, 2, 3, 1)  # (batch, heads, head_dim, length)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            scores = q @ k_t
            scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            # normalise the context (head_dim wide) rather than the scores (length wide)
            total = scores.sum(axis=-1, keepdims=True)
            np.matmul(scores, v, out=ctx_heads)
            ctx_heads /= total
            att = ctx @ layer.out_w
            att += layer.out_b
            att += x
            x = _layer_norm_(att, layer.ln1_w, layer.ln1_b, self._eps, self._ones)
            h = x @ layer.ff1_w
            h += layer.ff1_b
            _gelu_(h)
            ff = h @ layer.ff2_w
            ff += layer.ff2_b
            ff += x
            x = _layer_norm_(ff, layer.ln2_w, layer.ln2_b, self._eps, self._ones)
        return x.reshape(batch, length, self.dim)


def _single_threaded_blas():
    """A context in which the BLAS runs on one thread (``encode``'s threads are the parallelism),
    or None where threadpoolctl (scikit-learn's dependency) is missing: then one thread runs
    the passes and the BLAS keeps its own threads."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=1, user_api="blas")


class LazyEncoder:
    """The shared encoder, loaded on the first ``encode``: an index update with nothing new
    to embed (``recurrence.build``) then never loads the weights."""

    name = MiniLMEncoder.name
    dim = MiniLMEncoder.dim

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> np.ndarray:
        return get_encoder().encode(texts, batch_size)


@functools.cache
def get_encoder() -> MiniLMEncoder:
    """Process-wide shared encoder (weights are loaded once)."""
    return MiniLMEncoder()
