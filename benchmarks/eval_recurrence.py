"""Recurrence quality: recall@1, recall@3 and MRR, pmreview against a plain TF-IDF baseline.

    python benchmarks/eval_recurrence.py [--data ../shared/data]

1. DFDS groups (benchmarks/data/dfds_groups.yml, built by reading the documents; reasons
   are in the file): each member is a query against the rest of the DFDS folder; a hit
   is another member of its group in the top k incidents.
2. samples/: 01 and 05 share a factor (answer key). Each draft is queried against the
   other four; reported: whether 05 finds 01 and 01 finds 05 at rank 1, and the best score
   of any unrelated pair against the threshold.
3. Paraphrases (benchmarks/data/paraphrases.yml, written for pmreview): each query factor
   against the corpus factors; a hit is an expected id in the top k.
The TF-IDF baseline ranks with scikit-learn's TfidfVectorizer (word 1–2-grams, sublinear tf)
fitted on the same texts.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"


def ranks_to_metrics(ranks: list[int | None]) -> tuple[float, float, float]:
    n = len(ranks)
    r1 = sum(1 for r in ranks if r is not None and r < 1) / n
    r3 = sum(1 for r in ranks if r is not None and r < 3) / n
    mrr = sum(1 / (r + 1) for r in ranks if r is not None) / n
    return r1, r3, mrr


def tfidf_rank(queries: list[str], corpus: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(corpus + queries)
    return (vec.transform(queries) @ vec.transform(corpus).T).toarray()


def line(name: str, ours: tuple, base: tuple) -> None:
    print(
        f"  {name:<9} recall@1 {ours[0]:.3f}  recall@3 {ours[1]:.3f}  MRR {ours[2]:.3f}   "
        f"(TF-IDF: {base[0]:.3f} / {base[1]:.3f} / {base[2]:.3f})"
    )


def _index(files: list[Path]):
    from reviewer.engine import matcher_for
    from reviewer.models.embedder import get_encoder
    from reviewer.recurrence import build, index_path

    tmp = Path(tempfile.mkdtemp(prefix="pmreview-eval-"))
    for f in files:
        dest = tmp / f.name
        shutil.copy(f, dest)
    build(tmp, index_path(tmp), get_encoder())
    return tmp, matcher_for(tmp)


def _doc_factors(path: Path):
    from reviewer.engine import section_aliases
    from reviewer.factors import factors
    from reviewer.markdown import parse
    from reviewer.source import read_source

    return [f.clean for f in factors(parse(read_source(path), section_aliases()))]


def _profile(path: Path) -> str:
    from reviewer.engine import section_aliases
    from reviewer.factors import incident
    from reviewer.markdown import parse
    from reviewer.source import read_source

    return incident(parse(read_source(path), section_aliases()), path.name).profile


def rank_incidents(matcher, path: Path, exclude: set[str]) -> list[str]:
    from reviewer.engine import section_aliases
    from reviewer.factors import incident
    from reviewer.markdown import parse
    from reviewer.recurrence import incidents
    from reviewer.source import read_source

    inc = incident(parse(read_source(path), section_aliases()), path.name)
    matches = matcher.match([f.clean for f in inc.factors], exclude=exclude, top_k=10)
    return [i["path"] for i in incidents(matches, -1.0, matcher, inc.profile, exclude)]


def eval_dfds(data: Path) -> None:
    spec = yaml.safe_load((DATA / "dfds_groups.yml").read_text())
    folder = data / "postmortems" / "dfds"
    files = sorted(folder.glob("*.md"))
    tmp, matcher = _index(files)
    names = [f.name for f in files]
    doc_texts = {f.name: " ".join(_doc_factors(f)) for f in files}
    profiles = {f.name: _profile(f) for f in files}
    core_names = {
        "alb-targets-detached-by-infra-pipeline",
        "flux-unpinned-version",
        "kiam-insufficient-alerting",
        "log-shipping-failures-undetected",
    }
    ours, base, core_ours, core_base, prof, core_prof = [], [], [], [], [], []
    for group in spec["groups"]:
        members = [Path(m).name for m in group["members"]]
        for q in members:
            others = set(members) - {q}
            ranked = rank_incidents(matcher, folder / q, {q})
            ours.append(next((i for i, p in enumerate(ranked) if p in others), None))
            cand = [n for n in names if n != q]
            sims = tfidf_rank([doc_texts[q]], [doc_texts[n] for n in cand])[0]
            order = [cand[i] for i in np.argsort(-sims)]
            base.append(next((i for i, p in enumerate(order) if p in others), None))
            sims = tfidf_rank([profiles[q]], [profiles[n] for n in cand])[0]
            order = [cand[i] for i in np.argsort(-sims)]
            prof.append(next((i for i, p in enumerate(order) if p in others), None))
            if group["name"] in core_names:
                core_ours.append(ours[-1])
                core_base.append(base[-1])
                core_prof.append(prof[-1])
    print(f"DFDS groups ({len(spec['groups'])} groups, {len(ours)} queries)")
    line("all", ranks_to_metrics(ours), ranks_to_metrics(base))
    print(f"  the repeats named in the issue (503s, Flux, KIAM, log shipping: {len(core_ours)} queries)")
    line("named", ranks_to_metrics(core_ours), ranks_to_metrics(core_base))
    print("  TF-IDF over the same title + summary + factors text pmreview uses for incidents:")
    print(
        "            all {:.3f} / {:.3f} / {:.3f}   named {:.3f} / {:.3f} / {:.3f}".format(
            *ranks_to_metrics(prof), *ranks_to_metrics(core_prof)
        )
    )
    shutil.rmtree(tmp)


def eval_samples(data: Path) -> None:
    from reviewer.recurrence import DEFAULT_THRESHOLD

    folder = data / "samples"
    files = sorted(p for p in folder.glob("*.md") if p.name != "ANSWERS.md")
    tmp, matcher = _index(files)
    best_unrelated = 0.0
    print("samples/ (01 and 05 share a factor)")
    for f in files:
        matches = matcher.match(_doc_factors(f), exclude={f.name}, top_k=5)
        flat = sorted((m for ms in matches for m in ms), key=lambda m: -m.score)
        pair = {"01-database-failover.md": "05-queue-backlog.md", "05-queue-backlog.md": "01-database-failover.md"}
        if f.name in pair:
            top = flat[0] if flat else None
            found = top is not None and top.doc.path == pair[f.name]
            print(
                f"  {f.name} -> best {top.doc.path if top else None} ({top.score:.2f})  {'found' if found else 'MISSED'}"
            )
            print(f"      via '{top.factor['text'][:90]}'" if top else "")
            flat = [m for m in flat if m.doc.path != pair[f.name]]
        if flat:
            best_unrelated = max(best_unrelated, flat[0].score)
    print(f"  best score of an unrelated pair: {best_unrelated:.2f} (threshold {DEFAULT_THRESHOLD})")
    shutil.rmtree(tmp)


def eval_paraphrases() -> None:
    from reviewer.models.embedder import get_encoder
    from reviewer.models.weakness import default as weakness_model
    from reviewer.recurrence import CorpusDoc, Index, Matcher

    spec = yaml.safe_load((DATA / "paraphrases.yml").read_text())
    corpus = spec["corpus"]
    encoder = get_encoder()
    vectors = encoder.encode([c["text"] for c in corpus])
    docs = [
        CorpusDoc(
            c["id"],
            c["id"],
            c.get("incident", c["id"]),
            None,
            [],
            [{"text": c["text"], "clean": c["text"], "line": 1}],
            i,
        )
        for i, c in enumerate(corpus)
    ]
    matcher = Matcher(Index(Path("."), encoder.name, docs, vectors), encoder, weakness_model())
    queries = spec["queries"]
    results = matcher.match([q["text"] for q in queries], top_k=len(corpus))
    ours = []
    for q, ms in zip(queries, results, strict=True):
        ids = [m.doc.path for m in ms]
        ours.append(next((i for i, p in enumerate(ids) if p in q["expected"]), None))
    sims = tfidf_rank([q["text"] for q in queries], [c["text"] for c in corpus])
    base = []
    for q, row in zip(queries, sims, strict=True):
        order = [corpus[i]["id"] for i in np.argsort(-row)]
        base.append(next((i for i, p in enumerate(order) if p in q["expected"]), None))
    distractor_above = sum(
        1 for q, ms in zip(queries, results, strict=True) if ms and ms[0].doc.path in q.get("distractors", [])
    )
    print(f"paraphrases ({len(queries)} queries, {len(corpus)} corpus factors)")
    line("pmreview", ranks_to_metrics(ours), ranks_to_metrics(base))
    print(f"  queries whose top match is a distractor: {distractor_above}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    eval_dfds(args.data)
    eval_samples(args.data)
    eval_paraphrases()


if __name__ == "__main__":
    main()
