"""`pmreview report` data: the JSON contract (docs/report.md), clusters, recurrence, follow-through, dates.

The fixture corpus (tests/fixtures/report/, fictional) has two pairs of repeated factors
(orders replication-lag alerts to an unwatched channel, January and June; search calls to
ranking without a timeout, April and August), one repeat between a dated and an undated
document (an unescaped partner name, which carries a <script> tag), unrelated factors about
the same systems, action items open and done in lists and a table, four date sources and
one undated document. It also has a repeated symptom whose write-ups name different
factors (the internal billing API's certificate expired in October and again seventeen
days later, first untracked, then issued with a test profile): a repeated incident that no
factor cluster sees. The real models run (no mocks); the corpus is indexed and reviewed
once per module.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "report"
AS_OF = date(2026, 1, 1)
ORDERS_1 = "2025-01-14-orders-replica-lag.md"
ORDERS_2 = "2025-06-20-orders-lag-again.md"
SEARCH_1 = "search-ranking-timeouts.md"
SEARCH_2 = "2025-08-05-ranking-timeouts-again.md"
CERT = "certificate-expiry.md"
CERT_2 = "2025-10-28-billing-certificate-expired-again.md"
UNDATED = "payments-provider-outage.md"

CONTRACT = {
    "top": {
        "version",
        "as_of",
        "corpus",
        "since",
        "until",
        "group_by",
        "target_rate",
        "summary",
        "documents",
        "undated",
        "clusters",
        "repeats",
        "periods",
        "actions",
        "taxonomy",
    },
    "summary": {
        "documents",
        "dated",
        "undated",
        "factors",
        "recurring_clusters",
        "repeated_incidents",
        "recurrence_rate",
        "actions_total",
        "actions_done",
        "overdue",
    },
    "document": {"path", "title", "date", "date_source", "factors", "clusters", "quality", "actions"},
    "undated": {"path", "title"},
    "cluster": {
        "id",
        "name",
        "terms",
        "weakness",
        "category",
        "representative",
        "count",
        "first_seen",
        "last_seen",
        "score",
        "incidents",
        "actions",
    },
    "representative": {"text", "path", "line"},
    "repeat": {"id", "name", "incidents", "count", "first_seen", "last_seen", "factor_clusters"},
    "repeat_incident": {"path", "title", "date", "in_scope"},
    "incident": {"path", "title", "date", "factor", "line"},
    "cluster_actions": {"total", "done", "open"},
    "period": {
        "period",
        "start",
        "end",
        "incidents",
        "recurring",
        "recurrence_rate",
        "actions",
        "quality",
        "categories",
    },
    "period_actions": {"total", "done", "open", "with_owner", "with_deadline"},
    "actions": {"total", "done", "open", "owner_coverage", "deadline_coverage", "by_priority", "overdue"},
    "overdue": {"text", "path", "line", "owner", "deadline", "priority", "days_overdue"},
    "taxonomy": {"model", "cv_accuracy", "labels"},
}
LABELS = ["technical", "process", "organisational", "detection"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    shutil.copytree(FIXTURES, root / "postmortems")
    return root


def settings(workdir: Path, **overrides):
    from reviewer.report.data import Settings

    base = {"as_of": AS_OF, "index_dir": workdir / "index", "cache_dir": workdir / "results"}
    return Settings(**(base | overrides))


@pytest.fixture(scope="module")
def data(workdir: Path) -> dict:
    from reviewer.report.data import compute

    return compute(workdir / "postmortems", settings(workdir))


def by_path(items: list[dict]) -> dict[str, dict]:
    return {i["path"]: i for i in items}


def cluster_of(data: dict, path: str, text: str) -> dict | None:
    for c in data["clusters"]:
        if any(i["path"] == path and text in i["factor"] for i in c["incidents"]):
            return c
    return None


# --- the contract -----------------------------------------------------------------------


def test_json_follows_the_contract(data: dict) -> None:
    data = json.loads(json.dumps(data))  # plain JSON types only
    assert CONTRACT["top"] <= set(data)
    assert data["version"] == 1 and data["as_of"] == "2026-01-01" and data["corpus"] == "postmortems"
    assert data["since"] is None and data["until"] is None and data["group_by"] == "quarter"
    assert data["target_rate"] == 0.15 and data["errors"] == []
    assert CONTRACT["summary"] <= set(data["summary"])
    for d in data["documents"]:
        assert CONTRACT["document"] <= set(d)
        assert set(d["quality"]) == {"BL", "QU", "RC"} and {"total", "done"} <= set(d["actions"])
        assert d["date_source"] in ("front-matter", "date-line", "file-name", "text", None)
    for u in data["undated"]:
        assert CONTRACT["undated"] <= set(u)
    assert data["clusters"], "the fixture corpus has recurring factors"
    for c in data["clusters"]:
        assert CONTRACT["cluster"] <= set(c) and c["id"].startswith("c")
        assert len(c["terms"]) == 3 and c["name"] and isinstance(c["subject"], list)
        # named by its weakness, or by what its factors are about: never a bag of tokens
        assert c["name"] in (c["weakness"], " · ".join(c["subject"])) or c["name"].startswith(f"{c['weakness']}: ")
        assert c["category"] in LABELS
        assert CONTRACT["representative"] <= set(c["representative"])
        assert CONTRACT["cluster_actions"] <= set(c["actions"])
        assert c["count"] == len({i["path"] for i in c["incidents"]}) >= 2
        for i in c["incidents"]:
            assert CONTRACT["incident"] <= set(i)
    for r in data["repeats"]:
        assert CONTRACT["repeat"] <= set(r) and r["id"].startswith("r")
        for i in r["incidents"]:
            assert CONTRACT["repeat_incident"] <= set(i)
    for p in data["periods"]:
        assert CONTRACT["period"] <= set(p) and CONTRACT["period_actions"] <= set(p["actions"])
        assert set(p["quality"]) == {"BL", "QU", "RC"} and set(p["categories"]) == set(LABELS)
    assert CONTRACT["actions"] <= set(data["actions"])
    for o in data["actions"]["overdue"]:
        assert CONTRACT["overdue"] <= set(o)
    assert CONTRACT["taxonomy"] <= set(data["taxonomy"])
    assert data["taxonomy"]["labels"] == LABELS and 0.5 < data["taxonomy"]["cv_accuracy"] < 1
    paths = [d["path"] for d in data["documents"]] + [i["path"] for c in data["clusters"] for i in c["incidents"]]
    assert all(not p.startswith("/") and "\\" not in p and not p.startswith("postmortems") for p in paths)


def test_summary_counts(data: dict) -> None:
    s = data["summary"]
    assert (s["documents"], s["dated"], s["undated"]) == (7, 6, 1)
    assert s["factors"] == sum(d["factors"] for d in data["documents"])
    assert s["recurring_clusters"] == len(data["clusters"]) == 3
    assert s["repeated_incidents"] == len(data["repeats"]) == 3


# --- clusters ---------------------------------------------------------------------------


def test_repeated_factors_cluster_together(data: dict) -> None:
    orders = cluster_of(data, ORDERS_1, "Replication-lag alerts")
    assert orders is not None and {i["path"] for i in orders["incidents"]} == {ORDERS_1, ORDERS_2}
    assert (orders["first_seen"], orders["last_seen"], orders["count"]) == ("2025-01-14", "2025-06-20", 2)
    assert "replication-lag" in orders["terms"]
    assert orders["weakness"] == "alerts routed to a destination no one watches"
    assert orders["category"] == "detection"
    search = cluster_of(data, SEARCH_1, "without any timeout")
    assert search is not None and {i["path"] for i in search["incidents"]} == {SEARCH_1, SEARCH_2}
    assert "ranking" in search["terms"]
    assert search["representative"]["path"] in (SEARCH_1, SEARCH_2)
    # clusters reach undated documents too; their dates just do not count as "earlier"
    escaping = cluster_of(data, UNDATED, "partner name")
    assert escaping is not None and {i["path"] for i in escaping["incidents"]} == {SEARCH_2, UNDATED}


def test_one_row_per_set_of_incidents(data: dict) -> None:
    # the orders pair shares two factors (alert routing, failover without a lag check): one row
    orders = cluster_of(data, ORDERS_1, "Replication-lag alerts")
    assert orders["factors"] == 4  # two factors from each incident
    sets = [frozenset(i["path"] for i in c["incidents"]) for c in data["clusters"]]
    assert len(sets) == len(set(sets))


def test_quoted_factors_drop_markdown_marks() -> None:
    from reviewer.report.naming import plain

    assert plain("**Customer comms** – see [the runbook](https://x.test/r) and `kubectl`") == (
        "Customer comms – see the runbook and kubectl"
    )
    assert plain("a * b and snake_case_name") == "a * b and snake_case_name"


def test_unrelated_factors_stay_apart(data: dict) -> None:
    # same systems (orders replicas, search), different weaknesses: not recurring
    for path, text in [
        (ORDERS_1, "failover controller promoted"),
        (ORDERS_1, "nightly export"),
        (ORDERS_2, "Only one engineer"),
        (SEARCH_1, "index rebuild"),
        (CERT, "expiry date"),
        (CERT_2, "test profile"),
        (CERT_2, "pin the certificate fingerprint"),
        (UNDATED, "fallback payment provider"),
    ]:
        assert cluster_of(data, path, text) is None, text


def test_clusters_sorted_by_recency_weighted_score(data: dict) -> None:
    scores = [c["score"] for c in data["clusters"]]
    assert scores == sorted(scores, reverse=True)
    assert [c["id"] for c in data["clusters"]] == [f"c{i}" for i in range(1, len(scores) + 1)]
    by_id = {c["id"]: c for c in data["clusters"]}
    for d in data["documents"]:
        for cid in d["clusters"]:
            assert d["path"] in {i["path"] for i in by_id[cid]["incidents"]}


def test_script_tag_is_kept_as_data(data: dict) -> None:
    """The JSON carries the text as written; escaping is the HTML renderer's job."""
    escaping = cluster_of(data, UNDATED, "partner name")
    assert any("<script>alert(1)</script>" in i["factor"] for i in escaping["incidents"])
    assert "script" not in escaping["terms"]  # names come from the text without markup


# --- recurrence -------------------------------------------------------------------------


def test_recurrence_counts_only_earlier_incidents(data: dict) -> None:
    docs = by_path(data["documents"])
    assert docs[ORDERS_1]["recurring"] is False  # first of its cluster
    assert docs[ORDERS_2]["recurring"] is True
    assert docs[SEARCH_1]["recurring"] is False
    assert docs[SEARCH_2]["recurring"] is True  # via ranking; its undated partner is not "earlier"
    assert docs[CERT]["recurring"] is False
    assert docs[UNDATED]["recurring"] is None
    rates = {p["period"]: (p["incidents"], p["recurring"], p["recurrence_rate"]) for p in data["periods"]}
    assert rates == {
        "2025-Q1": (1, 0, 0.0),
        "2025-Q2": (2, 1, 0.5),
        "2025-Q3": (1, 1, 1.0),
        "2025-Q4": (2, 0, 0.0),  # the certificate again: a repeated symptom, not a recurring factor
    }
    assert data["summary"]["recurrence_rate"] == round(2 / 6, 4)


def test_empty_periods_have_no_rate(workdir: Path) -> None:
    from reviewer.report.data import compute

    out = compute(workdir / "postmortems", settings(workdir, group_by="month"))
    months = {p["period"]: p for p in out["periods"]}
    assert list(months) == [f"2025-{m:02d}" for m in range(1, 11)]
    assert months["2025-02"]["incidents"] == 0 and months["2025-02"]["recurrence_rate"] is None
    assert months["2025-02"]["quality"] == {"BL": None, "QU": None, "RC": None}


# --- action items -----------------------------------------------------------------------


def test_action_follow_through(data: dict) -> None:
    a = data["actions"]
    assert (a["total"], a["done"], a["open"]) == (11, 4, 7)
    assert a["owner_coverage"] == round(10 / 11, 4) and a["deadline_coverage"] == round(8 / 11, 4)
    assert a["by_priority"] == {
        "P1": {"total": 3, "done": 1},
        "P2": {"total": 2, "done": 0},
        "none": {"total": 6, "done": 3},
    }
    overdue = [(o["path"], o["deadline"], o["days_overdue"]) for o in a["overdue"]]
    assert overdue == [
        (ORDERS_1, "2025-02-01", 334),
        (SEARCH_1, "2025-05-15", 231),  # a table row with Status "Open"
        (ORDERS_2, "2025-07-15", 170),
        (CERT, "2025-11-30", 32),
    ]  # done items and the 2026-03-01 deadline are not overdue
    first = a["overdue"][0]
    assert (first["owner"], first["priority"], first["line"]) == ("@dba", "P1", 20)
    docs = by_path(data["documents"])
    assert docs[ORDERS_1]["actions"] == {"total": 3, "done": 1, "open": 2}
    assert docs[SEARCH_1]["actions"]["done"] == 1
    orders = cluster_of(data, ORDERS_1, "Replication-lag alerts")
    assert orders["actions"] == {"total": 5, "done": 1, "open": 4}
    q2 = next(p for p in data["periods"] if p["period"] == "2025-Q2")
    assert q2["actions"] == {
        "total": 4,
        "done": 1,
        "open": 3,
        "with_owner": 4,
        "with_deadline": 3,
        "open_without_owner": 0,
        "open_without_deadline": 1,
        "open_untracked": 1,
    }
    # the open items that can never be overdue: no owner, or no deadline
    assert (a["open_without_owner"], a["open_without_deadline"], a["open_untracked"]) == (1, 2, 2)
    s = data["summary"]
    assert (s["actions_open"], s["open_without_owner"], s["open_without_deadline"], s["open_untracked"]) == (7, 1, 2, 2)


def test_overdue_follows_the_as_of_date(workdir: Path) -> None:
    from reviewer.report.data import compute

    out = compute(workdir / "postmortems", settings(workdir, as_of=date(2025, 3, 1)))
    assert [(o["path"], o["days_overdue"]) for o in out["actions"]["overdue"]] == [(ORDERS_1, 28)]
    assert out["as_of"] == "2025-03-01"


# --- quality, dates, categories ---------------------------------------------------------


def test_writing_quality_per_document_and_period(data: dict) -> None:
    docs = by_path(data["documents"])
    assert docs[SEARCH_1]["quality"] == {"BL": 0, "QU": 0, "RC": 1}  # "The root cause was …"
    assert docs[ORDERS_2]["quality"] == {"BL": 0, "QU": 1, "RC": 0}  # "Who approved …?"
    assert docs[CERT]["quality"] == {"BL": 1, "QU": 0, "RC": 0}  # "human error"
    q2 = next(p for p in data["periods"] if p["period"] == "2025-Q2")
    assert q2["quality"] == {"BL": 0.0, "QU": 0.5, "RC": 0.5}


def test_dates_and_undated(data: dict) -> None:
    docs = by_path(data["documents"])
    assert (docs[ORDERS_1]["date"], docs[ORDERS_1]["date_source"]) == ("2025-01-14", "front-matter")
    assert (docs[SEARCH_1]["date"], docs[SEARCH_1]["date_source"]) == ("2025-04-02", "date-line")
    assert (docs[ORDERS_2]["date"], docs[ORDERS_2]["date_source"]) == ("2025-06-20", "file-name")
    assert (docs[CERT]["date"], docs[CERT]["date_source"]) == ("2025-10-11", "text")
    assert (docs[UNDATED]["date"], docs[UNDATED]["date_source"]) == (None, None)
    assert data["undated"] == [{"path": UNDATED, "title": "Payments failed during the provider outage"}]
    assert [d["path"] for d in data["documents"]][-1] == UNDATED  # chronological, undated last


def test_category_breakdown(data: dict) -> None:
    total = sum(sum(p["categories"].values()) for p in data["periods"])
    dated_factors = sum(d["factors"] for d in data["documents"] if d["date"])
    assert total == dated_factors
    assert sum(data["taxonomy"]["counts"].values()) == data["summary"]["factors"]


# --- options ----------------------------------------------------------------------------


def test_since_until_window(workdir: Path) -> None:
    from reviewer.report.data import compute

    out = compute(workdir / "postmortems", settings(workdir, since=date(2025, 6, 1), until=date(2025, 9, 30)))
    assert (out["since"], out["until"]) == ("2025-06-01", "2025-09-30")
    assert [d["path"] for d in out["documents"]] == [ORDERS_2, SEARCH_2]
    assert out["undated"] == [{"path": UNDATED, "title": "Payments failed during the provider outage"}]
    assert [p["period"] for p in out["periods"]] == ["2025-Q2", "2025-Q3"]
    docs = by_path(out["documents"])
    # an incident before the window is still the earlier one that makes June a repeat
    assert docs[ORDERS_2]["recurring"] is True
    orders = cluster_of(out, ORDERS_2, "Replication-lag alerts")
    assert {(i["path"], i["in_scope"]) for i in orders["incidents"]} == {(ORDERS_1, False), (ORDERS_2, True)}
    assert out["summary"]["documents"] == 2 and out["summary"]["recurrence_rate"] == 1.0
    assert out["actions"]["total"] == 4  # only the window's documents
    # the undated document cannot be placed in the window: its repeat is not listed
    assert cluster_of(out, UNDATED, "partner name") is None
    # repeated incidents: listed when one incident is in the window, earlier ones shown as history
    repeats = {frozenset(i["path"] for i in r["incidents"]): r for r in out["repeats"]}
    assert set(repeats) == {frozenset({ORDERS_1, ORDERS_2}), frozenset({SEARCH_1, SEARCH_2})}
    search = repeats[frozenset({SEARCH_1, SEARCH_2})]
    assert [(i["path"], i["in_scope"]) for i in search["incidents"]] == [(SEARCH_1, False), (SEARCH_2, True)]
    assert out["summary"]["repeated_incidents"] == 2


def test_same_input_same_output(workdir: Path, data: dict) -> None:
    from reviewer.report.data import compute

    again = compute(workdir / "postmortems", settings(workdir))  # warm: index, results and cluster caches
    assert json.dumps(again, sort_keys=False) == json.dumps(data, sort_keys=False)
    cold = compute(workdir / "postmortems", settings(workdir, cache_dir=None))
    assert cold == data
    assert (workdir / "index" / "report-clusters.json").is_file()
    assert (workdir / "index" / "report-repeats.npz").is_file()


# --- repeated incidents -----------------------------------------------------------------


def repeat_of(data: dict, path: str) -> dict | None:
    return next((r for r in data["repeats"] if any(i["path"] == path for i in r["incidents"])), None)


def test_repeated_symptom_is_grouped_although_the_factors_differ(data: dict) -> None:
    cert = repeat_of(data, CERT)
    assert cert is not None and [i["path"] for i in cert["incidents"]] == [CERT, CERT_2]  # by date
    assert (cert["count"], cert["first_seen"], cert["last_seen"]) == (2, "2025-10-11", "2025-10-28")
    assert cert["factor_clusters"] == []  # what this view adds: no factor cluster joins them
    assert "certificate" in cert["terms"]
    assert cert["name"] in [i["title"] for i in cert["incidents"]]  # named by the title that says it best
    assert cert["incidents"][1]["title"] == "Billing API certificate expired again"
    # repeats whose factors do recur point at those factor clusters
    search = repeat_of(data, SEARCH_1)
    assert {i["path"] for i in search["incidents"]} == {SEARCH_1, SEARCH_2}
    assert search["factor_clusters"] == [cluster_of(data, SEARCH_1, "without any timeout")["id"]]


def test_unrelated_incidents_are_not_repeats(data: dict) -> None:
    groups = [{i["path"] for i in r["incidents"]} for r in data["repeats"]]
    assert sum(len(g) for g in groups) == len(set().union(*groups))  # an incident is in one group at most
    assert repeat_of(data, UNDATED) is None  # a payments outage is not a certificate, search or orders incident
    topic = {
        ORDERS_1: "orders",
        ORDERS_2: "orders",
        SEARCH_1: "search",
        SEARCH_2: "search",
        CERT: "cert",
        CERT_2: "cert",
    }
    for group in groups:
        assert len({topic.get(p, p) for p in group}) == 1, group


def test_repeats_sorted_by_count_then_recency(data: dict) -> None:
    repeats = data["repeats"]
    assert [r["id"] for r in repeats] == [f"r{i}" for i in range(1, len(repeats) + 1)]
    keys = [(-r["count"], -date.fromisoformat(r["last_seen"]).toordinal()) for r in repeats]
    assert keys == sorted(keys)
    assert [repeat_of(data, p)["id"] for p in (CERT, SEARCH_1, ORDERS_1)] == ["r1", "r2", "r3"]
    cluster_ids = {c["id"] for c in data["clusters"]}
    for r in repeats:
        assert r["count"] == len(r["incidents"]) >= 2 and set(r["factor_clusters"]) <= cluster_ids
        assert len(r["terms"]) == 3 and r["name"] in [i["title"] for i in r["incidents"]]
        names = {c["id"]: c["name"] for c in data["clusters"]}
        assert r["factor_cluster_names"] == [names[c] for c in r["factor_clusters"]]


def test_what_happened_is_the_title_and_summary(workdir: Path, data: dict) -> None:
    """The index keeps each incident's context (title and summary), exactly as the parser gives it."""
    from reviewer.engine import section_aliases
    from reviewer.factors import incident
    from reviewer.markdown import parse
    from reviewer.recurrence import load
    from reviewer.source import decode

    index = load(workdir / "index" / "index.npz")
    for doc in index.docs:
        data_ = (workdir / "postmortems" / doc.path).read_bytes()
        assert doc.context == incident(parse(decode(doc.path, data_), section_aliases()), doc.path).context, doc.path
    cert = next(d for d in index.docs if d.path == CERT)
    assert cert.context.startswith("Internal API certificate expired On 11 October 2025")


def test_generic_words_do_not_make_incidents_alike() -> None:
    from reviewer.report.repeats import lexical_terms

    assert lexical_terms("Database outage: the service failed for customers during the incident on 3 June") == []
    assert lexical_terms("All services returning 503 in Kubernetes") == ["503", "kubernet", "503_kubernet"]


def test_texts_without_content_words_repeat_nothing() -> None:
    """Two write-ups titled "Incident report" with no summary are not the same incident."""
    from reviewer.report.repeats import group

    texts = ["Incident report", "Incident report", "Disk full on db-1", "Disk full on db-1 again"]
    vectors = np.ones((4, 8), dtype=np.float32) / np.sqrt(8)  # the worst case: identical embeddings
    assert group(texts, vectors) == [[2, 3]]


def test_repeat_cache_embeds_only_new_texts(tmp_path: Path) -> None:
    """A warm report loads no model; a changed document embeds only its own text."""
    from reviewer.report import repeats

    calls: list[list[str]] = []

    class Encoder:
        def encode(self, texts):
            calls.append(list(texts))
            rows = [np.random.default_rng(sum(map(ord, t.split()[0]))).normal(size=8) for t in texts]
            return np.array([r / np.linalg.norm(r) for r in rows], dtype=np.float32)

    texts = ["Disk full on the primary", "Disk full on the primary again", "Search empty for EU users"]
    titles = [t[:20] for t in texts]
    first = repeats.find(texts, titles, tmp_path, "m", Encoder)
    assert [g.members for g in first] == [[0, 1]] and len(calls) == 1 and sorted(calls[0]) == sorted(texts)
    assert repeats.find(texts, titles, tmp_path, "m", Encoder) == first and len(calls) == 1
    changed = [*texts[:2], "Search results empty for EU users"]
    repeats.find(changed, titles, tmp_path, "m", Encoder)
    assert calls[-1] == ["Search results empty for EU users"]
    assert repeats.find(texts, titles, tmp_path, "other-model", Encoder) == first and len(calls[-1]) == 3


def test_cluster_cache_gives_the_same_labels() -> None:
    from reviewer.report import clusters

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 16))
    feats = np.vstack([c + 0.05 * rng.normal(size=(3, 16)) for c in centres]).astype(np.float32)
    feats /= np.linalg.norm(feats, axis=1, keepdims=True)
    cache: dict = {}
    first = clusters.cluster(feats, None, cache=cache)
    assert cache and clusters.cluster(feats, None, cache=cache).tolist() == first.tolist()
    assert first.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert clusters.cluster(feats, None, cache={k: [0] * 12 for k in cache}).tolist() != first.tolist()
    # excluded factors join nothing
    alone = clusters.cluster(feats, None, exclude=np.arange(12) < 3)
    assert len(set(alone[:3].tolist())) == 3 and alone[3:].tolist() == [3, 3, 3, 4, 4, 4, 5, 5, 5]


def test_components_give_the_clusters_of_one_clustering() -> None:
    """Clustering per connected component of the threshold graph is exact for average linkage."""
    from sklearn.cluster import AgglomerativeClustering

    from reviewer.report import clusters

    rng = np.random.default_rng(1)
    feats = rng.normal(size=(60, 8)).astype(np.float32)
    feats /= np.linalg.norm(feats, axis=1, keepdims=True)
    dist = np.clip(1 - (feats @ feats.T).astype(np.float64), 0, 2)
    np.fill_diagonal(dist, 0)
    whole = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=0.4
    ).fit_predict(dist)
    ours = clusters.cluster(feats, None, threshold=0.4)
    same_whole = whole[:, None] == whole[None, :]
    assert (same_whole == (ours[:, None] == ours[None, :])).all() and len(set(whole.tolist())) < 60


def test_shared_rare_words_link_a_short_restatement() -> None:
    from reviewer.report import clusters

    texts = [
        "Priority classes not implemented on the system critical workloads, so other pods crowded the nodes",
        "Priority classes not implemented",
        "Dashboards for the nodes were not implemented",
        "The queue consumer had no retry limit",
    ]
    words = clusters.Words(texts)
    sims = words.similarity(np.arange(4), np.arange(4))
    assert sims[0, 1] > 0.6  # every rare word of the short one is in the long one
    assert sims[0, 1] > 2 * sims[1, 2]  # 'implemented' alone is weak evidence
    assert sims[1, 3] == 0


def test_periods_span_calendar_boundaries() -> None:
    from reviewer.report.periods import span

    assert [p.name for p in span(date(2024, 11, 30), date(2025, 2, 1), "month")] == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]
    quarters = span(date(2024, 12, 31), date(2025, 4, 1), "quarter")
    assert [(p.name, p.start.isoformat(), p.end.isoformat()) for p in quarters] == [
        ("2024-Q4", "2024-10-01", "2024-12-31"),
        ("2025-Q1", "2025-01-01", "2025-03-31"),
        ("2025-Q2", "2025-04-01", "2025-06-30"),
    ]
    assert [p.name for p in span(date(2023, 5, 1), date(2025, 1, 1), "year")] == ["2023", "2024", "2025"]


# --- the command line -------------------------------------------------------------------


def test_cli_json(cli, workdir: Path, data: dict) -> None:
    args = ["--as-of", "2026-01-01", "--index-dir", workdir / "index", "--cache-dir", workdir / "results"]
    result = cli("report", workdir / "postmortems", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == data
    out = workdir / "out" / "report.json"
    result = cli("report", workdir / "postmortems", "--out", out, *args)
    assert result.exit_code == 0 and json.loads(out.read_text(encoding="utf-8")) == data


def test_cli_rejects_a_window_that_ends_before_it_starts(cli, workdir: Path) -> None:
    result = cli("report", workdir / "postmortems", "--since", "2025-06-01", "--until", "2025-01-01")
    assert result.exit_code == 2 and "after --until" in result.output


# --- the category model -----------------------------------------------------------------


def test_category_model_matches_its_training_data() -> None:
    import hashlib

    from reviewer.models.category import default
    from reviewer.models.embedder import get_encoder
    from reviewer.resources import models_dir

    model = default()
    data = (models_dir() / model.meta["training_data"]).read_bytes()
    assert model.meta["training_sha256"] == hashlib.sha256(data).hexdigest(), (
        "retrain: python -m reviewer.models.train_category"
    )
    assert model.labels == LABELS and model.coef.shape == (4, get_encoder().dim)
    vectors = get_encoder().encode(
        ["No alert fired when the queue stopped draining.", "Nobody owns the billing exporter."]
    )
    assert model.predict(vectors) == ["detection", "organisational"]


# --- what a pull request can put in the corpus folder -------------------------------------


@pytest.fixture
def hostile_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "postmortems"
    shutil.copytree(FIXTURES, root)
    (root / "latin1.md").write_bytes("# Caf\xe9 outage\n\nThe caf\xe9 was down.\n".encode("latin-1"))
    return root


def test_an_unreadable_document_is_reported_not_skipped_silently(cli, hostile_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = cli("report", hostile_corpus, "--out", out, "--as-of", "2026-01-01", "--no-cache")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("pmreview: error:")]
    assert errors == [
        "pmreview: error: latin1.md: is not valid UTF-8 (invalid byte at line 1); save it as UTF-8; "
        "left out of the report"
    ]
    data = json.loads(out.read_text(encoding="utf-8"))  # the report is still written, without it
    assert data["errors"] == ["latin1.md: is not valid UTF-8 (invalid byte at line 1); save it as UTF-8"]
    assert "latin1.md" not in {d["path"] for d in data["documents"]} and data["documents"]


def test_a_bad_discovered_config_is_one_line(cli, hostile_corpus: Path, monkeypatch) -> None:
    (hostile_corpus.parent / ".pmreview.toml").write_text("tool = 5\n", encoding="utf-8")
    monkeypatch.chdir(hostile_corpus.parent)
    result = cli("report", "--format", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "'tool' must be a table" in result.stderr


def test_planted_report_caches_are_ignored(hostile_corpus: Path, workdir: Path, data: dict) -> None:
    """Cluster labels and repeat groups in a committed cache are not used: this user did not write them."""
    from reviewer.report.data import CLUSTER_CACHE, compute
    from reviewer.report.repeats import CACHE_FILE

    (hostile_corpus / "latin1.md").unlink()
    index_dir = hostile_corpus / ".pmreview"
    clean = compute(hostile_corpus, settings(workdir, index_dir=index_dir, cache_dir=None))
    cluster_cache = json.loads((index_dir / CLUSTER_CACHE).read_text(encoding="utf-8"))
    assert cluster_cache["blocks"] and cluster_cache["seal"]
    cluster_cache["blocks"] = {k: [0] * len(v) for k, v in cluster_cache["blocks"].items()}  # one cluster per block
    (index_dir / CLUSTER_CACHE).write_text(json.dumps(cluster_cache), encoding="utf-8")
    with np.load(index_dir / CACHE_FILE) as npz:
        arrays = dict(npz)
    meta = json.loads(bytes(arrays["meta"]).decode())
    meta["groups"] = [{"members": [0, 1, 2], "terms": ["planted"]}]
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(index_dir / CACHE_FILE, **arrays)
    again = compute(hostile_corpus, settings(workdir, index_dir=index_dir, cache_dir=None))
    assert again["clusters"] == clean["clusters"] and again["repeats"] == clean["repeats"]
    (index_dir / CACHE_FILE).write_bytes(b"PK\x05\x06" + b"\0" * 18)  # not an archive at all
    assert (
        compute(hostile_corpus, settings(workdir, index_dir=index_dir, cache_dir=None))["repeats"] == clean["repeats"]
    )


# --- names and what is not a recurrence ------------------------------------------------------


def test_template_sentences_are_not_recurrences() -> None:
    """A sentence copied word for word into unrelated write-ups is the template's, not a repeat;
    copied between the write-ups of one repeated incident it still holds, and is kept."""
    from reviewer.report.data import boilerplate
    from reviewer.report.repeats import Group

    texts = [
        "Things that could have gone better.",
        "The replica lag alert went to an unwatched channel",
        "Things  that could have gone better.",
        "No version lock on the ingress chart",
        "No version lock on the ingress chart",
        "No version lock on the ingress chart",
    ]
    owner = np.array([0, 0, 1, 2, 3, 4])
    skip = boilerplate(texts, owner, [Group([2, 3], ["ingress"])])
    assert skip.tolist() == [True, False, True, True, True, True]  # documents 2-4 are not one repeat
    skip = boilerplate(texts, owner, [Group([2, 3, 4], ["ingress"])])
    assert skip.tolist() == [True, False, True, False, False, False]


def test_clusters_are_named_by_shared_noun_phrases() -> None:
    from reviewer.report.naming import Namer, noun_phrases, subject

    texts = [
        "No monitoring or record of certificate expiry",
        "Issue with certificate chain expiry in a third party application",
        "The problem was eventually resolved",
        "Once we noticed the problem, it was quickly resolved",
        "Priority-classes not implemented on system critical workloads",
        "Priority-classes not implemented",
    ]
    phrases = noun_phrases(texts)
    assert phrases is not None
    namer = Namer(texts, np.array([0, 0, 1, 1, 2, 2]))
    incident = ["a", "b", "c", "d", "e", "f"]
    assert subject([0, 1], incident, phrases, namer) == ["certificate expiry"]
    assert subject([4, 5], incident, phrases, namer)[0].lower() == "priority-classes"
    # nothing but vague nouns in common: no name, so the report does not list the cluster
    assert subject([2, 3], incident, phrases, namer) == []
    # a phrase one incident alone uses is no shared subject
    assert "system critical workloads" not in subject([4, 5], incident, phrases, namer)


def test_a_cluster_is_named_after_its_weakness_only_when_the_classifier_is_sure() -> None:
    from types import SimpleNamespace

    from reviewer.report.data import _named_by_weakness

    model = SimpleNamespace(ids=["cert-expiry", "alert-noise", "other"])
    probs = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.45, 0.35, 0.2], [0.4, 0.3, 0.3]])
    factors = {"weakness": model, "probs": probs}
    # the factor of another class does not pull the mean down: it is not this weakness
    assert _named_by_weakness([0, 1], factors, "cert-expiry")
    # members that are this class, but not surely (mean 0.425): named from their text instead
    assert not _named_by_weakness([2, 3], factors, "cert-expiry")
    assert not _named_by_weakness([0, 1], factors, None)


def test_two_clusters_of_one_weakness_get_their_subject() -> None:
    from reviewer.report.data import _disambiguate

    found = [
        {
            "name": "certificate or credential expired",
            "weakness": "certificate or credential expired",
            "subject": ["VPN certificate"],
        },
        {
            "name": "certificate or credential expired",
            "weakness": "certificate or credential expired",
            "subject": ["SAML signing certificate"],
        },
        {"name": "alert noise", "weakness": None, "subject": ["alert noise"]},
    ]
    _disambiguate(found)
    assert [c["name"] for c in found] == [
        "certificate or credential expired: VPN certificate",
        "certificate or credential expired: SAML signing certificate",
        "alert noise",
    ]
