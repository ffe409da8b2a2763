"""Choose the report's factor-clustering threshold and linkage on the project's own data.

    python benchmarks/tune_clusters.py

Tuning set: benchmarks/data/factor_clusters.yml (recurring factors of a fictional company,
written for pmreview, with same-topic distractors) plus the factors of corpus/examples/,
labelled in that file. Held-out check: benchmarks/data/paraphrases.yml (the matcher's
synthetic set: factors with a human weakness label; harder, since its pairs share no
system and few words), never used to choose anything. ../shared is not used.

For each mix of the weakness term (W) and the shared-words term (L) and each distance
threshold it prints pairwise precision / recall / F1 (a pair is positive when both factors
are in one gold group), the false-link rate (share of the negative pairs put in one
cluster) and the number of clusters, clustered exactly as the report does (average linkage
per connected component). Rerun it when the weakness classifier is retrained: the weakness
term's weight depends on how confident the classifier is.

Selection rule: the best pairwise F1 among settings whose false-link rate on the tuning
set is at most MAX_FALSE_LINKS. Why not plain F1: the tuning set has about one positive
pair per 90 pairs, a real corpus one per thousands (true repeats grow with the number of
incidents, unrelated pairs with its square), so the precision measured here overstates
the precision of a real report many times over; what carries over is the rate at which
unrelated (and here deliberately similar-sounding) factors get linked.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
THRESHOLDS = [round(t, 3) for t in np.arange(0.30, 0.751, 0.025)]
WEIGHTS = (0.0, 0.15, 0.25, 0.35)  # W: the weakness term
LEXICAL_WEIGHTS = (0.0, 0.25, 0.4, 0.5)  # L: the shared-words term
MAX_FALSE_LINKS = 0.0005  # at most one false link per 2,000 unrelated pairs


def tuning_set() -> tuple[list[str], list[str]]:
    from reviewer.aliases import section_aliases
    from reviewer.factors import factors
    from reviewer.markdown import parse
    from reviewer.source import read_source

    data = yaml.safe_load((DATA / "factor_clusters.yml").read_text(encoding="utf-8"))
    texts, gold = [], []
    for g in data["groups"]:
        for f in g["factors"]:
            texts.append(f)
            gold.append(g["weakness"])
    for i, f in enumerate(data["singles"]):
        texts.append(f)
        gold.append(f"single-{i}")
    mapping = data["corpus_examples"]
    for path in sorted((ROOT / "corpus" / "examples").glob("*.md")):
        doc = parse(read_source(path, path.name), section_aliases())
        for f in factors(doc):
            key = next((k for k in mapping if f.clean.startswith(k)), None)
            if key is None:
                raise SystemExit(f"{path.name}: factor not labelled in factor_clusters.yml: {f.clean!r}")
            texts.append(f.clean)
            gold.append(mapping[key] or f"example-{path.name}-{f.line}")
    return texts, gold


def paraphrase_set() -> tuple[list[str], list[str]]:
    data = yaml.safe_load((DATA / "paraphrases.yml").read_text(encoding="utf-8"))
    corpus = {c["id"]: c for c in data["corpus"]}
    texts = [c["text"] for c in data["corpus"]]
    gold = [c["weakness"] for c in data["corpus"]]
    for q in data["queries"]:
        texts.append(q["text"])
        # a query shares the weakness label of its expected corpus factors
        gold.append(corpus[q["expected"][0]]["weakness"])
    return texts, gold


def pair_scores(labels: np.ndarray, gold: list[str]) -> tuple[float, float, float, float]:
    """Pairwise precision, recall, F1 and false-link rate."""
    ids = {g: i for i, g in enumerate(dict.fromkeys(gold))}
    g = np.array([ids[x] for x in gold])
    same_pred = labels[:, None] == labels[None, :]
    same_gold = g[:, None] == g[None, :]
    upper = np.triu(np.ones_like(same_pred, dtype=bool), k=1)
    tp = (same_pred & same_gold & upper).sum()
    p = tp / max((same_pred & upper).sum(), 1)
    r = tp / max((same_gold & upper).sum(), 1)
    fl = (same_pred & ~same_gold & upper).sum() / max((~same_gold & upper).sum(), 1)
    return float(p), float(r), float(2 * p * r / (p + r)) if p + r else 0.0, float(fl)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from reviewer.models.embedder import get_encoder
    from reviewer.models.weakness import default as weakness_model
    from reviewer.report import clusters

    encoder, weakness = get_encoder(), weakness_model()
    sets = {"tuning": tuning_set(), "held-out paraphrases": paraphrase_set()}
    prepared = {}
    for name, (texts, gold) in sets.items():
        vectors = clusters.embed(texts, encoder)
        probs = weakness.probabilities(vectors)
        prepared[name] = (vectors, probs, texts, gold)
        g = np.array([hash(x) for x in gold])
        pos = np.triu(g[:, None] == g[None, :], k=1)
        print(f"{name}: {len(texts)} factors, {len(set(gold))} gold groups, {int(pos.sum())} gold pairs")
    results: dict[tuple, dict[str, tuple]] = {}
    for weight in WEIGHTS:
        for lexical in LEXICAL_WEIGHTS:
            print(f"\nW={weight} L={lexical} (average linkage, per connected component)")
            print("  thr    " + "".join(f"{n[:22]:>24} P    R    F1  false  k" for n in prepared))
            for t in THRESHOLDS:
                row = {}
                for name, (vectors, probs, texts, gold) in prepared.items():
                    feats = clusters.features(vectors, probs, weight, lexical)
                    words = clusters.Words(texts, lexical)
                    labels = clusters.cluster(feats, words, t, "average")
                    row[name] = (*pair_scores(labels, gold), len(set(labels.tolist())))
                results[(weight, lexical, t)] = row
                print(
                    f"  {t:.3f}  "
                    + "".join(f"{'':>20}{p:.2f} {r:.2f} {f:.2f} {fl:.4f} {k:3d}" for p, r, f, fl, k in row.values())
                )
    allowed = {k: v for k, v in results.items() if v["tuning"][3] <= MAX_FALSE_LINKS}
    ranked = sorted(allowed.items(), key=lambda kv: (-kv[1]["tuning"][2], kv[1]["tuning"][3], kv[0]))
    print(
        f"\nbest tuning F1 with a false-link rate <= {MAX_FALSE_LINKS} (tuning P/R/F1/false | held-out P/R/F1/false):"
    )
    for (weight, lexical, t), row in ranked[:12]:
        cells = " | ".join("{:.2f} {:.2f} {:.2f} {:.4f}".format(*v[:4]) for v in row.values())
        print(f"  W={weight:<4} L={lexical:<4} threshold={t:.3f}: {cells}")
    current = (clusters.WEAKNESS_WEIGHT, clusters.LEXICAL_WEIGHT, clusters.THRESHOLD)
    if current in results:
        cells = " | ".join("{:.2f} {:.2f} {:.2f} {:.4f}".format(*v[:4]) for v in results[current].values())
        print(f"shipped defaults W={current[0]} L={current[1]} threshold={current[2]}: {cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
