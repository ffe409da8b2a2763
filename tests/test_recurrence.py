"""Corpus index and recurrence matching, with the real (numpy MiniLM) model, offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from reviewer.models.embedder import get_encoder
from reviewer.recurrence import DEFAULT_THRESHOLD, FORMAT, IndexError_, Matcher, build, index_path, load, save
from reviewer.resources import corpus_dir

DRAFT = """---
date: 2026-11-20
---
# Postmortem: queue backlog

## Summary

Notifications were delayed for two hours.

## Contributing factors

- Queue-depth warnings are emailed to a distribution list that nobody reads.
- The email sender retries failed sends immediately, with no backoff.
"""


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(corpus_dir() / "examples", root, ignore=shutil.ignore_patterns(".pmreview"))
    return root


@pytest.fixture
def built(corpus):
    index, stats = build(corpus, index_path(corpus), get_encoder())
    return corpus, index, stats


def test_build_then_incremental_update_and_deletion(built) -> None:
    corpus, index, stats = built
    assert stats["added"] == 4 and len(index.docs) == 4
    assert index.vectors.shape == (index.factor_count, 384)
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-2)
    (corpus / "2026-05-18-checkout-retry-storm.md").write_text(
        (corpus / "2026-05-18-checkout-retry-storm.md").read_text()
        + "\n- One more factor about missing load tests before launch.\n"
    )
    (corpus / "2026-09-22-config-push-429s.md").unlink()
    index2, stats2 = build(corpus, index_path(corpus), get_encoder())
    assert (stats2["updated"], stats2["unchanged"], stats2["removed"], stats2["added"]) == (1, 2, 1, 0)
    assert sorted(d.path for d in index2.docs) == sorted(d.path for d in index.docs if "config-push" not in d.path)
    # unchanged documents keep their vectors
    old = {d.path: index.vectors[d.row : d.row + len(d.factors)] for d in index.docs}
    for d in index2.docs:
        if "retry-storm" not in d.path:
            assert np.allclose(index2.vectors[d.row : d.row + len(d.factors)], old[d.path], atol=1e-3)


def test_corrupt_index_is_a_clear_error(built) -> None:
    corpus, _, _ = built
    index_path(corpus).write_bytes(b"not an npz")
    with pytest.raises(IndexError_, match="corrupt"):
        load(index_path(corpus))


def test_model_or_format_mismatch_asks_for_a_reindex(built, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, index, _ = built
    import reviewer.recurrence.store

    monkeypatch.setattr(reviewer.recurrence.store, "FORMAT", FORMAT + 1)  # a newer pmreview reading this index
    with pytest.raises(IndexError_, match="re-index"):
        load(index_path(corpus), model=get_encoder().name)
    monkeypatch.undo()
    with pytest.raises(IndexError_, match="re-index"):
        load(index_path(corpus), model="another-model/v9")
    index.model = "x"
    save(index, index_path(corpus))
    with pytest.raises(IndexError_, match="re-index"):
        load(index_path(corpus), model=get_encoder().name)


def test_matches_the_same_weakness_and_never_itself(built) -> None:
    _corpus, index, _ = built
    matcher = Matcher(index, get_encoder())
    [routing, retries] = matcher.match(
        [
            "Queue-depth warnings are emailed to a distribution list that nobody reads.",
            "The email sender retries failed sends immediately, with no backoff.",
        ],
        top_k=3,
    )
    assert routing[0].doc.path == "2026-03-04-billing-replica-lag.md"
    assert retries[0].doc.path == "2026-05-18-checkout-retry-storm.md"
    own = index.docs[0]
    text = own.factors[0]["clean"]
    assert all(m.doc.path != own.path for m in matcher.match([text], exclude={own.path})[0])
    assert all(m.doc.path != own.path for m in matcher.match([text], exclude={own.sha})[0])


def test_match_and_review_commands(built, tmp_path, cli) -> None:
    corpus, _, _ = built
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT)
    data = json.loads(cli("match", draft, "--corpus", corpus, "--format", "json", "--min-score", "0.3").output)
    (result,) = data["results"]
    incidents = {i["path"]: i for i in result["incidents"]}
    assert {"2026-03-04-billing-replica-lag.md", "2026-05-18-checkout-retry-storm.md"} <= set(incidents)
    first = result["factors"][0]
    assert first["line"] == 12 and first["matches"][0]["path"] == "2026-03-04-billing-replica-lag.md"
    assert incidents["2026-03-04-billing-replica-lag.md"]["action_items"][0]["owner"] == "@dba-oncall"
    review = json.loads(cli("review", draft, "--corpus", corpus, "--format", "json", "--no-cache").output)
    re_findings = [f for f in review["findings"] if f["code"] == "RE001"]
    assert re_findings and {f["line"] for f in re_findings} <= {12, 13}
    assert all("Recurring factor: similar to" in f["message"] and "action items:" in f["message"] for f in re_findings)


def test_corrupt_index_exits_2_from_the_cli(built, tmp_path, cli) -> None:
    corpus, _, _ = built
    index_path(corpus).write_bytes(b"garbage")
    from reviewer.engine import matcher_for

    matcher_for.cache_clear()
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT)
    result = cli("match", draft, "--corpus", corpus)
    assert result.exit_code == 2 and "corrupt" in result.output


def test_housekeeping_files_are_not_incidents(tmp_path: Path) -> None:
    from reviewer.recurrence import corpus_files

    for name in ("README.md", "LICENSES.md", "team/Template.md", "2026-01-02-disk.md", "team/2025-db.markdown"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# x\n", encoding="utf-8")
    (tmp_path / ".pmreview").mkdir()
    (tmp_path / ".pmreview" / "notes.md").write_text("# x\n", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in corpus_files(tmp_path)] == [
        "2026-01-02-disk.md",
        "team/2025-db.markdown",
    ]


def test_nothing_changed_leaves_the_index_alone(built) -> None:
    from reviewer.models.embedder import LazyEncoder

    corpus, index, _ = built
    path = index_path(corpus)
    before = path.stat().st_mtime_ns
    again, stats = build(corpus, path, LazyEncoder())
    assert stats["unchanged"] == 4 and not (stats["added"] or stats["updated"] or stats["removed"])
    assert path.stat().st_mtime_ns == before  # not rewritten
    assert np.array_equal(again.vectors, index.vectors)


def test_a_configured_threshold_of_zero_is_a_threshold(built, tmp_path, cli) -> None:
    """`recurrence-threshold = 0` reports every factor's best match; it used to fall back to 0.6."""
    corpus, _, _ = built
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT)

    def re001(threshold: str) -> int:
        config = tmp_path / f"t{threshold}.toml"
        config.write_text(f"recurrence-threshold = {threshold}\n")
        args = ("review", draft, "--corpus", corpus, "--config", config, "--format", "json", "--no-cache")
        return sum(f["code"] == "RE001" for f in json.loads(cli(*args).output)["findings"])

    assert re001("0") == 2  # both factors, whatever their scores
    assert re001("1") == 0
    assert re001("0.6") < 2  # so the first line tells 0 from the default


UNRELATED = """# Postmortem: office printer

## Summary

The third-floor printer jammed all morning.

## Contributing factors

- The paper tray was loaded with the wrong paper size.
"""


def test_match_ranks_past_incidents_even_below_the_threshold(built, tmp_path, cli) -> None:
    """Every draft gets its top-k past incidents; those under the threshold are marked, not hidden."""
    corpus, _, _ = built
    draft = tmp_path / "printer.md"
    draft.write_text(UNRELATED)
    data = json.loads(cli("match", draft, "--corpus", corpus, "--format", "json", "--top-k", "2").output)
    (result,) = data["results"]
    ranked = result["incidents"]
    assert len(ranked) == 2 and result["above_threshold"] == 0
    assert all(not i["passes_threshold"] for i in ranked)
    assert ranked[0]["score"] >= ranked[1]["score"]
    assert {"path", "title", "date", "score", "shared_factors", "action_items"} <= set(ranked[0])  # the old fields
    assert ranked[0]["pairs"] and ranked[0]["pairs"][0]["draft_line"] == 9
    assert result["factors"][0]["matches"] == [] and result["factors"][0]["closest"]  # closest kept, marked
    text = cli("match", draft, "--corpus", corpus, "--top-k", "2").output
    assert text.count("below threshold") >= 2
    assert "none reaches the recurrence threshold 0.63" in text


def test_a_shared_factor_passes_the_threshold(built, tmp_path, cli) -> None:
    corpus, _, _ = built
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT)
    (result,) = json.loads(cli("match", draft, "--corpus", corpus, "--format", "json").output)["results"]
    passing = [i for i in result["incidents"] if i["passes_threshold"]]
    assert [i["path"] for i in passing] == ["2026-03-04-billing-replica-lag.md"] and result["above_threshold"] == 1
    assert passing[0]["shared_factors"] == 1 and passing[0]["factor_score"] >= DEFAULT_THRESHOLD
    assert result["incidents"].index(passing[0]) < 2  # the ranking puts it near the top
    assert [p["draft_line"] for p in passing[0]["pairs"] if p["passes_threshold"]] == [12]
    text = cli("match", draft, "--corpus", corpus).output
    assert "none reaches" not in text
    row = next(r for r in text.splitlines() if "Billing writes lost" in r)
    assert "below threshold" not in row


def test_the_whole_incident_ranks_a_repeat_whose_factors_differ(built) -> None:
    """Factor pairs alone can miss a repeat that lists other factors; the whole incident finds it."""
    from reviewer.recurrence import incidents

    _, index, _ = built
    matcher = Matcher(index, get_encoder())
    past = next(d for d in index.docs if "retry-storm" in d.path)
    profile = past.context  # the same story told again, with a factor the past incident does not list
    ranked = incidents(matcher, ["The office coffee machine was out of order."], profile, top_k=1)
    assert ranked[0]["path"] == past.path and ranked[0]["similarity"] > 0.8


def test_old_format_indexes_ask_for_a_rebuild(built) -> None:
    """An index written before incident vectors existed says its format is old, not that it is corrupt."""
    import io

    corpus, _, _ = built
    path = index_path(corpus)
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(bytes(npz["meta"]).decode())
        vectors = npz["vectors"]
    meta["format"] = FORMAT - 1
    buf = io.BytesIO()
    np.savez(buf, vectors=vectors, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    path.write_bytes(buf.getvalue())
    with pytest.raises(IndexError_, match=f"index format {FORMAT - 1} is not {FORMAT}; re-index"):
        load(path)
    again, stats = build(corpus, path, get_encoder())
    assert stats["added"] == len(again.docs) and again.incidents is not None


def test_template_lines_are_no_evidence(tmp_path) -> None:
    """A factor written word for word in three documents is the template's: it matches nothing."""
    root = tmp_path / "corpus"
    root.mkdir()
    boiler = "Our incident template asks every team to list what could have gone better."
    for n, (title, factor) in enumerate(
        [
            ("Disk full", "The log volume filled up."),
            ("DNS", "The TTL was a day long."),
            ("TLS", "A certificate expired."),
        ]
    ):
        (root / f"2026-0{n + 1}-01-x.md").write_text(
            f"# {title}\n\n## Summary\n\n{title} broke things.\n\n## Contributing factors\n\n- {boiler}\n- {factor}\n"
        )
    index, _ = build(root, index_path(root), get_encoder())
    matcher = Matcher(index, get_encoder())
    assert sum(f["clean"] == boiler for d in index.docs for f in d.factors) == 3  # read as a factor each time
    [same_words] = matcher.match([boiler], top_k=3)
    assert same_words == [] and matcher.template.sum() == 3
    [other] = matcher.match(["The log volume filled up."], top_k=3)
    assert other and all(m.factor["clean"] != boiler for m in other)


def test_re001_carries_the_ranked_incidents(example_corpus) -> None:
    """RE001 keeps its threshold; its data lists the draft's closest incidents as `match` ranks them."""
    from reviewer.engine import Options, review_text

    result = review_text(DRAFT, "draft.md", Options(corpus=example_corpus, select=("RE",)))
    [finding] = [f for f in result.findings if f.code == "RE001" and f.line == 12]
    ranked = finding.data["recurrence"]["incidents"]
    assert 1 <= len(ranked) <= 3 and any(i["passes_threshold"] for i in ranked)
    assert finding.data["recurrence"]["path"] in {i["path"] for i in ranked}
    assert [i["score"] for i in ranked] == sorted((i["score"] for i in ranked), reverse=True)
