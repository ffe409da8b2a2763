"""The results cache: same output from a warm cache, and no stale results when anything changes."""

from __future__ import annotations

import json

from reviewer.cache import ResultCache
from reviewer.engine import Options, expand, review_inputs
from reviewer.formatters.json import report_dict

DRAFT = "# Draft\n\nThis was human error.\n\nWho approved this change?\n"


def _run(path, cache_dir, **options):
    report = review_inputs(expand([str(path)]), Options(cache=ResultCache(cache_dir), **options))
    return report, report_dict(report)


def test_warm_cache_gives_identical_output(tmp_path) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    cold, cold_json = _run(draft, tmp_path / "cache")
    warm, warm_json = _run(draft, tmp_path / "cache")
    assert not cold.files[0].cached
    assert warm.files[0].cached
    assert warm_json == cold_json
    assert {f["code"] for f in warm_json["findings"]} == {"BL001", "QU001"}


def test_changed_content_or_selection_is_not_served_stale(tmp_path) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    _run(draft, tmp_path / "cache")
    draft.write_text(DRAFT.replace("human error", "a retry storm"), encoding="utf-8")
    report, data = _run(draft, tmp_path / "cache")
    assert not report.files[0].cached
    assert {f["code"] for f in data["findings"]} == {"QU001"}
    report, data = _run(draft, tmp_path / "cache", ignore=("QU",))
    assert not report.files[0].cached
    assert data["findings"] == []


def test_corrupt_entry_is_a_miss(tmp_path) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    _run(draft, tmp_path / "cache")
    for entry in (tmp_path / "cache").rglob("*.json"):
        entry.write_text("{not json", encoding="utf-8")
    report, data = _run(draft, tmp_path / "cache")
    assert not report.files[0].cached
    assert len(data["findings"]) == 2


def test_no_cache_flag_writes_nothing(tmp_path, cli) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    result = cli("review", draft, "--format", "json", "--no-cache", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1
    assert len(json.loads(result.output)["findings"]) == 2
    assert not (tmp_path / "c").exists()
    result = cli("review", draft, "--format", "json", "--cache-dir", tmp_path / "c")
    assert result.exit_code == 1
    assert any((tmp_path / "c").rglob("*.json"))


def test_an_entry_this_user_did_not_write_is_never_served(tmp_path, monkeypatch) -> None:
    """A pull request can commit .pmreview_cache/ with an entry saying "no findings" for its own draft."""
    from reviewer import cache

    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    planted = tmp_path / "planted"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "attacker-home"))
    cache.user_secret.cache_clear()
    try:
        _run(draft, planted)  # the attacker's machine writes the entries...
        for entry in planted.rglob("*.json"):
            entry.write_text(json.dumps({"findings": [], "actions": []}), encoding="utf-8")  # ...and empties them
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "ci-home"))
        cache.user_secret.cache_clear()
        report, data = _run(draft, planted)  # the CI runner has its own key
    finally:
        cache.user_secret.cache_clear()
    assert not report.files[0].cached
    assert {f["code"] for f in data["findings"]} == {"BL001", "QU001"}
    key = tmp_path / "ci-home" / "pmreview" / "cache-key"
    assert key.stat().st_mode & 0o777 == 0o600


def test_cache_folder_linked_out_of_the_tree_is_not_used(tmp_path, monkeypatch) -> None:
    tree = tmp_path / "checkout"
    (tree / ".git").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tree / ".pmreview_cache").symlink_to(outside, target_is_directory=True)
    draft = tree / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    monkeypatch.chdir(tree)
    _run(draft, tree / ".pmreview_cache")
    report, _ = _run(draft, tree / ".pmreview_cache")
    assert not report.files[0].cached
    assert list(outside.iterdir()) == []  # nothing written through the link
