"""Choose the threshold and weights of the report's "Repeated incidents" grouping on the project's own data.

    python benchmarks/tune_repeats.py [--detail]

Tuning set: benchmarks/data/repeat_pairs.yml (pairs of incident titles and summaries written
for pmreview: the same symptom again in other words, and different symptoms that share
generic or system words), together with the titles and summaries of corpus/examples/ and
tests/fixtures/report/ (their repeats of each other are labelled in the same file).
../shared is not used.

Everything is grouped at once, as the report does (reviewer.report.repeats.group: TF-IDF
with the corpus's own IDF, MiniLM, average linkage per component). A link is a pair of
texts put in one group. Printed per setting (text length, lexical weight W, threshold):
the positive pairs linked (recall), the labelled negative pairs linked, and the links among
all other pairs (unrelated by construction).

Selection rule: the highest recall with no false link at all (labelled or not); between
equal settings, a fusion (W > 0) before a single signal, then the shortest text, then the
highest threshold. Why false links first: true repeats grow with the number of incidents
and unrelated pairs with its square, so on a real corpus every false-link rate is
multiplied against far more pairs than here; a report that groups unrelated incidents as
"the same thing again" loses the reader's trust at once.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "repeat_pairs.yml"
THRESHOLDS = [round(t, 3) for t in np.arange(0.40, 0.801, 0.025)]
WEIGHTS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0)
LENGTHS = (30, 60, 400)


def incidents() -> tuple[list[str], list[str], list[tuple[int, int, bool | None]]]:
    """Texts (title + summary, as ``Incident.context`` writes them), their source, and the labelled
    pairs (True: the same symptom, False: different, None: unsure, counted as neither)."""
    from reviewer.engine import section_aliases
    from reviewer.factors import incident
    from reviewer.markdown import parse
    from reviewer.source import read_source

    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    texts, source, pairs = [], [], []
    for n, p in enumerate(data["pairs"]):
        for side in ("a", "b"):
            texts.append(" ".join([p[side]["title"], *p[side]["summary"].split()]))
            source.append(f"pair-{n}")
        pairs.append((len(texts) - 2, len(texts) - 1, bool(p["same"])))
    for folder in (ROOT / "corpus" / "examples", ROOT / "tests" / "fixtures" / "report"):
        for path in sorted(folder.glob("*.md")):
            doc = parse(read_source(path, path.name), section_aliases())
            texts.append(incident(doc, path.name).context)
            source.append(f"{folder.name}/{path.name}")
    where = {s: i for i, s in enumerate(source)}
    for key, same in (("corpus_repeats", True), ("corpus_unsure", None)):
        for a, b in data.get(key, []):
            i, j = sorted((where[a], where[b]))
            pairs.append((i, j, same))
    return texts, source, pairs


def evaluate(groups: list[list[int]], n: int, pairs: list[tuple[int, int, bool | None]]) -> dict:
    label = np.full(n, -1)
    for k, g in enumerate(groups):
        label[g] = k
    linked = {(i, j) for i, j in itertools.combinations(range(n), 2) if label[i] >= 0 and label[i] == label[j]}
    labelled = {(i, j): same for i, j, same in pairs}
    tp = sum(1 for (i, j), same in labelled.items() if same and (i, j) in linked)
    fp_labelled = sum(1 for (i, j), same in labelled.items() if same is False and (i, j) in linked)
    others = [(i, j) for i, j in itertools.combinations(range(n), 2) if (i, j) not in labelled]
    fp_others = sum(1 for ij in others if ij in linked)
    positives = sum(1 for same in labelled.values() if same)
    negatives = sum(1 for same in labelled.values() if same is False)
    return {
        "recall": tp / positives,
        "tp": tp,
        "positives": positives,
        "fp_labelled": fp_labelled,
        "negatives": negatives,
        "fp_others": fp_others,
        "others": len(others),
        "false_rate": (fp_labelled + fp_others) / (negatives + len(others)),
        "linked": sorted(linked),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="per-pair similarities and the false links")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from reviewer.models.embedder import get_encoder
    from reviewer.report import repeats

    texts, source, pairs = incidents()
    n = len(texts)
    positives = sum(1 for *_, s in pairs if s)
    negatives = sum(1 for *_, s in pairs if s is False)
    print(f"{n} texts, {positives} positive and {negatives} negative labelled pairs; the rest are unrelated")
    encoder = get_encoder()
    results = []
    for length in LENGTHS:
        cut = [repeats.head(t, length) for t in texts]
        vectors = encoder.encode(cut)
        for weight in WEIGHTS:
            for threshold in THRESHOLDS:
                r = evaluate(repeats.group(cut, vectors, threshold, weight), n, pairs)
                results.append((length, weight, threshold, r))
    print(f"{'words':>5} {'W':>4} {'T':>6}  recall      labelled FP   other FP       false-link rate")
    for length, weight, threshold, r in results:
        print(
            f"{length:>5} {weight:>4} {threshold:>6}  {r['tp']:>2}/{r['positives']} {r['recall']:.2f}   "
            f"{r['fp_labelled']:>2}/{r['negatives']}        {r['fp_others']:>3}/{r['others']}      "
            f"{r['false_rate'] * 100:.2f} %"
        )
    ok = [x for x in results if x[3]["fp_labelled"] == 0 and x[3]["fp_others"] == 0]
    best = max(x[3]["recall"] for x in ok) if ok else None
    print(f"\nbest recall with no false link: {best}, at")
    tops = [x for x in ok if x[3]["recall"] == best]
    for length, weight, threshold, _ in tops:
        print(f"  words {length}, W {weight}, threshold {threshold}")
    if tops:
        length, weight, threshold, _ = min(tops, key=lambda x: (x[1] == 0, x[0], -x[2]))
        print(f"selected: words {length}, W {weight}, threshold {threshold}")
    shipped = (repeats.MAX_WORDS, repeats.LEXICAL_WEIGHT, repeats.THRESHOLD)
    print(f"\nshipped: words {shipped[0]}, W {shipped[1]}, threshold {shipped[2]}")
    cut = [repeats.head(t, shipped[0]) for t in texts]
    vectors = encoder.encode(cut)
    r = evaluate(repeats.group(cut, vectors, shipped[2], shipped[1]), n, pairs)
    print(
        f"  recall {r['tp']}/{r['positives']} ({r['recall']:.2f}), labelled false links "
        f"{r['fp_labelled']}/{r['negatives']}, other false links {r['fp_others']}/{r['others']}"
    )
    if args.detail:
        lexical = repeats._tfidf_rows([repeats.lexical_terms(t) for t in cut])
        print("\nlabelled pairs: fused (lexical, semantic), linked?")
        for i, j, same in pairs:
            lex = float((lexical[i] @ lexical[j].T).toarray()[0, 0])
            sem = float(vectors[i] @ vectors[j])
            f = shipped[1] * lex + (1 - shipped[1]) * sem
            mark = "linked" if (i, j) in set(r["linked"]) else ""
            kind = {True: "same", False: "diff", None: "?   "}[same]
            print(f"  {kind} {f:.3f} ({lex:.3f}, {sem:.3f}) {mark:7} {cut[i][:50]!r} / {cut[j][:50]!r}")
        labelled = {(i, j) for i, j, _ in pairs}
        print("\nfalse links among unrelated pairs:")
        for i, j in r["linked"]:
            if (i, j) not in labelled:
                print(f"  {source[i]} {cut[i][:60]!r} / {source[j]} {cut[j][:60]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
