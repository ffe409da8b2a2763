"""Recurrence speed: index build throughput, and query latency at 10k/100k/1M factors.

    python benchmarks/bench_match.py [--corpus ../shared/data/postmortems] [--sizes 10000 100000 1000000]

Prints numbers; asserts nothing. Synthetic corpora use random unit vectors (float16 in
the index, float32 in memory, as the real index) and synthetic factor texts for BM25.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WORDS = [
    "alert",
    "queue",
    "replica",
    "disk",
    "certificate",
    "deploy",
    "config",
    "timeout",
    "retry",
    "cache",
    "dns",
    "pool",
    "limit",
    "quota",
    "runbook",
    "owner",
    "channel",
    "email",
    "threshold",
    "canary",
    "rollback",
    "schema",
    "migration",
    "backup",
    "snapshot",
    "failover",
    "region",
    "zone",
    "node",
    "pod",
    "cluster",
    "token",
    "credential",
    "vendor",
    "status",
    "page",
    "latency",
    "error",
    "rate",
    "traffic",
    "load",
    "capacity",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "postmortems")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()

    from reviewer.models.embedder import get_encoder
    from reviewer.models.weakness import default as weakness_model
    from reviewer.recurrence import CorpusDoc, Index, Matcher, build, corpus_files, incidents, index_path

    t0 = time.perf_counter()
    encoder = get_encoder()
    encoder.encode(["warm up"])
    load_s = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp())
    files = corpus_files(args.corpus)
    t0 = time.perf_counter()
    index, _ = build(args.corpus, index_path(args.corpus, tmp), encoder)
    build_s = time.perf_counter() - t0
    print(f"model load {load_s:.2f} s")
    print(
        f"index build: {len(files)} documents, {index.factor_count} factors in {build_s:.2f} s "
        f"= {len(files) / build_s:.1f} documents/s, {index.factor_count / build_s:.0f} factors/s"
    )
    t0 = time.perf_counter()
    index, stats = build(args.corpus, index_path(args.corpus, tmp), encoder)
    print(f"re-index with nothing changed: {time.perf_counter() - t0:.2f} s ({stats['unchanged']} unchanged)")

    draft = [f["clean"] for f in index.docs[0].factors][:8] or ["warnings go to an unowned channel"]
    t0 = time.perf_counter()
    qv = encoder.encode(draft)
    print(f"embedding a draft's {len(draft)} factors: {(time.perf_counter() - t0) * 1000:.0f} ms")
    weakness = weakness_model()
    rng = np.random.default_rng(0)
    random.seed(0)
    for n in args.sizes:
        vectors = rng.standard_normal((n, encoder.dim), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        texts = [" ".join(random.choices(WORDS, k=12)) for _ in range(n)] if n <= 100_000 else ["x"] * n
        per_doc = 10
        docs = [
            CorpusDoc(
                f"d{i}.md",
                f"s{i}",
                f"doc {i}",
                None,
                [],
                [{"text": t, "clean": t, "line": 1} for t in texts[i * per_doc : (i + 1) * per_doc]],
                i * per_doc,
            )
            for i in range(n // per_doc)
        ]
        t0 = time.perf_counter()
        matcher = Matcher(Index(tmp, encoder.name, docs, vectors), encoder, weakness)
        setup = time.perf_counter() - t0
        times, ranking = [], []
        for _ in range(5):
            t0 = time.perf_counter()
            matcher.match(draft, top_k=5, vectors=qv)
            times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()  # what `match` does per draft: one scoring pass, factors and incidents
            scores = matcher.scores(draft, vectors=qv)
            matcher.top(scores, 5)
            incidents(matcher, draft, exclude=set(), top_k=5, scores=scores, profile_vector=qv[0])
            ranking.append(time.perf_counter() - t0)
        mem = vectors.nbytes / 2**20
        print(
            f"{n:>9,} factors: search {statistics.median(times) * 1000:.0f} ms per draft ({len(draft)} factors, median of 5); "
            f"vectors {mem:.0f} MiB in memory ({mem / 2:.0f} MiB float16 on disk); matcher set-up {setup:.1f} s"
            + (" [BM25 over a 1-word placeholder text]" if n > 100_000 else "")
        )
        print(
            f"{'':>9}         factors and incidents ranked together: {statistics.median(ranking) * 1000:.0f} ms per draft"
        )
    sample = ROOT / "examples" / "2026-11-03-checkout-draft.md"
    t0 = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewer.cli",
            "match",
            str(sample),
            "--corpus",
            str(args.corpus),
            "--index-dir",
            str(tmp),
        ],
        capture_output=True,
        check=False,
    )
    print(f"cold `pmreview match` (one draft, {len(files)}-document corpus): {time.perf_counter() - t0:.2f} s wall")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
