"""Benchmark the numpy MiniLM encoder against sentence-transformers.

Prints, for both implementations:
  * cold start: wall seconds of a fresh ``python`` subprocess that imports the
    library, loads the model and encodes one sentence;
  * throughput: sentences/s at batch size 32 over ~500 generated sentences
    (model already loaded, one warm-up call excluded).

Run from the repository root: ``python benchmarks/bench_embedder.py``.
No assertions; numbers only.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N_SENTENCES = 500
BATCH_SIZE = 32
COLD_RUNS = 3

_NUMPY_COLD = """
from reviewer.models.embedder import get_encoder
get_encoder().encode(["The primary database failed over at 03:12 UTC."])
"""

_ST_COLD = """
from sentence_transformers import SentenceTransformer
from reviewer.models.embedder import model_path
m = SentenceTransformer(str(model_path()), device="cpu")
m.encode(["The primary database failed over at 03:12 UTC."], normalize_embeddings=True)
"""

_VOCABULARY = (
    "incident outage database replica failover latency alert pager on-call "
    "rollback deploy config certificate expired queue backlog timeout retry "
    "customer impact mitigation root cause detection monitoring dashboard "
    "load balancer dns cache region capacity throttling postmortem action item "
    "owner deadline runbook escalation severity the a was were because after "
    "during while we our team service api request error rate"
)


def generate_sentences(n: int = N_SENTENCES, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    vocabulary = _VOCABULARY.split()
    out = []
    for _ in range(n):
        words = rng.choices(vocabulary, k=rng.randint(4, 40))
        out.append(" ".join(words).capitalize() + ".")
    return out


def cold_start(code: str) -> float:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    best = float("inf")
    for _ in range(COLD_RUNS):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        best = min(best, time.perf_counter() - start)
    return best


def throughput(encode, sentences: list[str]) -> float:
    encode(sentences[:BATCH_SIZE])  # warm-up
    start = time.perf_counter()
    encode(sentences)
    return len(sentences) / (time.perf_counter() - start)


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sentences = generate_sentences()

    print(f"cold start (best of {COLD_RUNS}, fresh subprocess: import + load + encode 1)")
    print(f"  numpy MiniLMEncoder      : {cold_start(_NUMPY_COLD):6.2f} s")
    print(f"  sentence-transformers    : {cold_start(_ST_COLD):6.2f} s")

    from reviewer.models.embedder import MiniLMEncoder, model_path

    enc = MiniLMEncoder()
    np_rate = throughput(lambda s: enc.encode(s, batch_size=BATCH_SIZE), sentences)

    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_path()), device="cpu")
    st_rate = throughput(
        lambda s: st.encode(s, batch_size=BATCH_SIZE, normalize_embeddings=True),
        sentences,
    )

    print(f"throughput ({len(sentences)} sentences, batch {BATCH_SIZE})")
    print(f"  numpy MiniLMEncoder      : {np_rate:7.1f} sentences/s")
    print(f"  sentence-transformers    : {st_rate:7.1f} sentences/s")


if __name__ == "__main__":
    main()
