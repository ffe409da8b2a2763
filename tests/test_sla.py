"""Priority SLAs: completion dates from the document and from git, the per-item verdict, the
policy's configuration, and the report's ``sla`` key."""

from __future__ import annotations

import json

import pytest

from reviewer.actions import extract
from reviewer.completion import in_cell, in_text
from reviewer.engine import section_aliases
from reviewer.markdown import parse
from reviewer.source import decode

HEAD = "---\ndate: 2026-11-03\n---\n# Postmortem: cache stampede\n\n## Summary\n\nx\n\n"


def items(text: str, path: str = "draft.md"):
    return extract(parse(decode(path, text.encode()), section_aliases()))


def one(line: str, head: str = HEAD):
    found = items(head + "## Action items\n\n" + line + "\n")
    assert len(found) == 1, found
    return found[0]


# --- completion dates in the document ---------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "completed"),
    [
        ("- [x] Add a hit-rate alert. Owner: @cache, P1 (done 2026-11-20)", "2026-11-20"),
        ("- [x] Add a hit-rate alert. Owner: @cache, P1. Completed on 20 Nov.", "2026-11-20"),
        ("- Add a hit-rate alert, @cache, P1 (done: Nov 20)", "2026-11-20"),
        ("- Add a hit-rate alert, @cache, P0. Closed at Jan 4, 2027.", "2027-01-04"),
        ("- [x] ✅ 2026-11-21 Add a hit-rate alert, @cache, P1", "2026-11-21"),
        # plans and deadlines are no completion
        ("- [ ] Add a hit-rate alert, @cache, P1, to be completed on 2026-11-20", None),
        ("- [ ] Add a hit-rate alert, @cache, P1, done by 2026-11-20", None),
        ("- [ ] Add a hit-rate alert, @cache, P1, will be done Nov 20", None),
        ("- [ ] Add a hit-rate alert, @cache, P1. Target: done 2026-11-20", None),
        ("- [x] Add a hit-rate alert, @cache, P1", None),
        ("- Add a hit-rate alert, @cache, P1 (done 2026-02-31)", None),  # no such day
    ],
)
def test_a_completion_note_in_the_item_text(line: str, completed: str | None) -> None:
    assert one(line).completed == completed


def test_a_completion_note_makes_an_unstated_status_done_and_is_not_the_deadline() -> None:
    item = one("- Add a hit-rate alert. Owner: @cache, P1 (done: Nov 20)")
    assert item.status == "done"
    assert item.deadline is None  # the only date is when it was done, not when it was due
    record = item.record()
    assert record["completed"] == "2026-11-20"
    assert record["deadline_date"] is None


def test_a_deadline_and_a_completion_note_are_both_kept() -> None:
    item = one("- [x] Add a hit-rate alert. Owner: @cache, due 2026-11-15 (done 2026-11-20)")
    assert item.deadline is not None and item.deadline.iso == "2026-11-15"
    assert item.completed == "2026-11-20"


def test_a_yearless_completion_without_a_postmortem_date_is_not_guessed() -> None:
    head = "# Postmortem: cache stampede\n\n## Summary\n\nx\n\n"
    item = one("- [x] Add a hit-rate alert, @cache, P1 (done: Nov 20)", head=head)
    assert item.completed is None
    assert item.status == "done"


TABLE = """## Action items

| Action | Owner | Priority | {header} |
|---|---|---|---|
| Add a hit-rate alert | @cache | P1 | {cell} |
"""


@pytest.mark.parametrize(
    ("header", "cell", "status", "completed"),
    [
        ("Done date", "2026-11-20", "done", "2026-11-20"),
        ("Completed on", "Nov 20", "done", "2026-11-20"),
        ("Date completed", "20 November 2026", "done", "2026-11-20"),
        ("Closed", "2026-11-20", "done", "2026-11-20"),
        ("Closed", "yes", "done", None),
        ("Done date", "", None, None),
        ("Completion date", "not yet", "open", None),
        # a status column: a date alone means done on that day; a date with a plan does not
        ("Status", "2026-11-20", "done", "2026-11-20"),
        ("Status", "Done 2026-11-20", "done", "2026-11-20"),
        ("Status", "open, due 2026-12-01", "open", None),
        ("Status", "Deferred to 2027-01-15", "open", None),
        ("Status", "Cancelled 2026-11-20", "open", None),
        ("Done?", "yes", "done", None),
        ("Completed", "2026-11-20", "done", "2026-11-20"),
        ("Completed", "no", "open", None),
    ],
)
def test_a_completion_column_or_a_date_in_the_status_cell(
    header: str, cell: str, status: str | None, completed: str | None
) -> None:
    (item,) = items(HEAD + TABLE.format(header=header, cell=cell))
    assert item.text.strip() == "Add a hit-rate alert"
    assert item.status == status
    assert item.completed == completed


def test_status_and_completion_columns_together() -> None:
    text = (
        HEAD + "## Action items\n\n| Action | Owner | Status | Done date |\n|---|---|---|---|\n"
        "| Add a hit-rate alert | @cache | Done | 2026-11-20 |\n"
        "| Split the cache pool | @cache | Open | |\n"
    )
    first, second = items(text)
    assert (first.status, first.completed) == ("done", "2026-11-20")
    assert (second.status, second.completed) == ("open", None)


def test_the_parsers_directly() -> None:
    from datetime import date

    ref = date(2026, 11, 3)
    assert in_text("fixed on 2026-11-09", ref) == ("2026-11-09", 9, 19)
    assert in_text("expected completion 2026-11-09", ref) is None
    assert in_cell("2026-11-09", ref, "status") == "2026-11-09"
    assert in_cell("target 2026-11-09", ref, "status") is None
    assert in_cell("target 2026-11-09", ref, "completed") == "2026-11-09"


# --- the verdict ------------------------------------------------------------------------------

from datetime import date  # noqa: E402

from reviewer.sla import Policy, judge, services_of, summarise, team_of  # noqa: E402

INCIDENT = date(2026, 11, 3)
AS_OF = date(2026, 12, 1)


def verdict(as_of: date = AS_OF, day: date | None = INCIDENT, policy: Policy = Policy.DEFAULT, **item):
    return judge({"status": "open"} | item, day, as_of, policy)


def test_default_policy() -> None:
    assert Policy.DEFAULT.days == {"P0": 7, "P1": 14, "P2": 90}
    assert Policy.from_config(None) == Policy.DEFAULT


@pytest.mark.parametrize(
    ("item", "state", "days_late"),
    [
        # P0: due 7 days after 2026-11-03, i.e. 2026-11-10
        ({"priority": "P0", "status": "done", "completed": "2026-11-05"}, "met", None),
        ({"priority": "P0", "status": "done", "completed": "2026-11-10"}, "met", None),  # on the due day
        ({"priority": "P0", "status": "done", "completed": "2026-11-11"}, "late", 1),
        ({"priority": "P0", "status": "done", "completed": "2026-11-03"}, "met", None),  # the incident day
        ({"priority": "P0", "status": "done"}, "done_undated", None),
        ({"priority": "P0", "status": "open"}, "overdue", 21),  # 2026-12-01 - 2026-11-10
        ({"priority": "P2", "status": "open"}, "open", None),  # due 2027-02-01
        ({"priority": "P1", "status": None}, "overdue", 14),  # status not stated: not done
        ({"priority": "p1", "status": "done", "completed": "2026-11-30"}, "late", 13),  # any case
    ],
)
def test_states(item: dict, state: str, days_late: int | None) -> None:
    v = verdict(**item)
    assert v["state"] == state
    assert v["days_late"] == days_late
    assert v["completed_before_incident"] is False


def test_the_due_day_and_its_sources() -> None:
    v = verdict(priority="P1", status="done", completed="2026-11-12")
    assert (v["priority"], v["sla_days"], v["due"]) == ("P1", 14, "2026-11-17")
    assert (v["completed"], v["completed_source"]) == ("2026-11-12", "document")
    assert v["days_left"] is None


def test_open_until_the_due_day_then_overdue() -> None:
    assert verdict(as_of=date(2026, 11, 10), priority="P0")["state"] == "open"  # due today
    assert verdict(as_of=date(2026, 11, 10), priority="P0")["days_left"] == 0
    assert verdict(as_of=date(2026, 11, 11), priority="P0")["state"] == "overdue"
    assert verdict(as_of=date(2026, 11, 11), priority="P0")["days_late"] == 1


@pytest.mark.parametrize(
    "item",
    [
        {"priority": None},
        {"priority": "HIGH"},  # a word the policy does not name (actions.py reads 'high' as P1 itself)
        {"priority": "Blocker"},
        {"priority": "P3"},  # a P-level the default policy has no SLA for
        {"priority": 1},  # not text at all
        {},
    ],
)
def test_no_sla(item: dict) -> None:
    assert verdict(**item) is None


def test_no_incident_date_no_sla() -> None:
    assert verdict(day=None, priority="P0", status="done", completed="2026-11-05") is None


def test_a_completion_before_the_incident_is_flagged_not_met() -> None:
    v = verdict(priority="P0", status="done", completed="2026-10-30")
    assert v["state"] == "done_undated"
    assert v["completed_before_incident"] is True
    assert v["completed"] == "2026-10-30"  # shown, so the lead can correct it
    # git's date is used when the document's is impossible, still flagged
    v = verdict(priority="P0", status="done", completed="2026-10-30", completed_git="2026-11-12")
    assert (v["state"], v["completed"], v["completed_source"]) == ("late", "2026-11-12", "git")
    assert v["completed_before_incident"] is True  # the document still needs correcting


def test_the_document_date_wins_over_git() -> None:
    v = verdict(priority="P0", status="done", completed="2026-11-20", completed_git="2026-11-04")
    assert (v["completed"], v["completed_source"], v["state"]) == ("2026-11-20", "document", "late")
    v = verdict(priority="P0", status="done", completed_git="2026-11-04")
    assert (v["completed"], v["completed_source"], v["state"]) == ("2026-11-04", "git", "met")


def test_an_unreadable_completion_date_is_no_date() -> None:
    assert verdict(priority="P0", status="done", completed="2026-13-45")["state"] == "done_undated"


def test_a_completion_after_as_of_is_not_done_yet_on_that_day() -> None:
    v = verdict(as_of=date(2026, 11, 20), priority="P0", status="done", completed="2026-11-25")
    assert v["state"] == "overdue" and v["days_late"] == 10


def test_a_completion_note_on_an_item_still_marked_open_does_not_make_it_done() -> None:
    assert verdict(priority="P0", status="open", completed="2026-11-05")["state"] == "overdue"


def test_a_configured_policy() -> None:
    policy = Policy({"P0": 3, "P3": 180})
    assert verdict(policy=policy, priority="P0", status="done", completed="2026-11-07")["state"] == "late"
    assert verdict(policy=policy, priority="P3")["due"] == "2027-05-02"
    assert verdict(policy=policy, priority="P1") is None


def test_summarise_counts_and_the_share_met() -> None:
    rows = [
        verdict(priority="P0", status="done", completed="2026-11-05"),
        verdict(priority="P0", status="done", completed="2026-11-06"),
        verdict(priority="P0", status="done", completed="2026-11-20"),
        verdict(priority="P0", status="done"),
        verdict(priority="P0"),
        verdict(priority="P2"),
        verdict(priority="P1", status="done", completed="2026-10-01"),
    ]
    s = summarise(rows)
    assert {k: s[k] for k in ("due", "met", "late", "open", "overdue", "done_undated", "decided")} == {
        "due": 7,
        "met": 2,
        "late": 1,
        "open": 1,
        "overdue": 1,
        "done_undated": 2,
        "decided": 4,
    }
    assert s["met_share"] == 0.5
    assert s["completed_before_incident"] == 1
    assert list(s["by_priority"]) == ["P0", "P1", "P2"]
    assert s["by_priority"]["P0"]["met_share"] == 0.5  # 2 of 4 decided P0 items
    assert s["by_priority"]["P2"]["met_share"] is None  # nothing decided yet
    assert summarise([])["met_share"] is None


FM = "team: payments\nservices:\n  - checkout\n  - 'ledger'\nauthor: kim\n"


def test_team_and_services() -> None:
    assert services_of(FM) == ["checkout", "ledger"]
    assert services_of("service: search # the main one\n") == ["search"]
    assert services_of("services: [api, web]\n") == ["api", "web"]
    assert services_of(None) == []
    assert team_of({"owner": "@search-team"}, FM) == "@search-team"  # the owner is a team
    assert team_of({"owner": "Platform SRE"}, FM) == "Platform SRE"
    assert team_of({"owner": "@acme/ledger"}, FM) == "@acme/ledger"
    assert team_of({"owner": "@kim"}, FM) == "payments"  # a person: the postmortem's team
    assert team_of({"owner": None}, FM) == "payments"
    assert team_of({"owner": "Kim"}, None) is None


# --- configuration -------------------------------------------------------------------------------

from reviewer.config import ConfigError, load_file  # noqa: E402


def test_sla_config_is_merged_over_the_defaults(tmp_path) -> None:
    path = tmp_path / ".pmreview.toml"
    path.write_text("[sla]\np0 = 3\nP3 = 180\n", encoding="utf-8")
    config = load_file(path)
    assert config.sla == (("P0", 3), ("P3", 180))
    assert Policy.from_config(config).days == {"P0": 3, "P1": 14, "P2": 90, "P3": 180}


def test_sla_config_in_pyproject(tmp_path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n\n[tool.pmreview.sla]\nP1 = 10\n', encoding="utf-8")
    assert Policy.from_config(load_file(path)).days["P1"] == 10


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("sla = 7\n", "'sla' must be a table"),
        ("[sla]\nHIGH = 7\n", "'HIGH' is not a priority"),
        ("[sla]\nP5 = 7\n", "'P5' is not a priority"),
        ("[sla]\nP0 = 0\n", "'sla.P0' must be a whole number of days"),
        ("[sla]\nP0 = -3\n", "'sla.P0' must be a whole number of days"),
        ("[sla]\nP0 = 1.5\n", "'sla.P0' must be a whole number of days"),
        ("[sla]\nP0 = true\n", "'sla.P0' must be a whole number of days"),
        ('[sla]\nP0 = "7"\n', "'sla.P0' must be a whole number of days"),
        ("[sla]\nP0 = 99999999999\n", "'sla.P0' must be a whole number of days"),  # would overflow a date
        ("[sla]\nP0 = 7\np0 = 8\n", "P0 is given twice"),
        ("[sla]\nP0 = [7]\n", "'sla.P0' must be a whole number of days"),
    ],
)
def test_bad_sla_config_is_a_config_error(tmp_path, content: str, needle: str) -> None:
    path = tmp_path / ".pmreview.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_file(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)


def test_show_settings_lists_the_effective_policy(cli, tmp_path, monkeypatch) -> None:
    (tmp_path / ".pmreview.toml").write_text("[sla]\nP3 = 30\n", encoding="utf-8")
    doc = tmp_path / "doc.md"
    doc.write_text("# Title\n\nText.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("review", "doc.md", "--show-settings")
    assert result.exit_code == 0, result.output
    assert 'sla = {"P0": 7, "P1": 14, "P2": 90, "P3": 30}  # ' in result.stdout


# --- completion dates from git ---------------------------------------------------------------------

import os  # noqa: E402
import subprocess  # noqa: E402
from pathlib import Path  # noqa: E402

from reviewer.completion_git import completion_days, parse_blame  # noqa: E402

POSTMORTEM = """---
date: 2026-11-03
team: storage
services: [cache]
---
# Cache stampede

## Summary

The cache lost its warm keys and every request fell through to the database.

## Contributing factors

- The cache client had no request coalescing, so one cold key sent every request to the database.

## Action items

- [{a}] Add request coalescing to the cache client. Owner: @storage-team, P0
- [{b}] Page when the hit rate stays below 80% for 5 minutes. Owner: @storage-team, P1
- [{c}] Load-test a cold start of the cache tier. Owner: @kim, P1 (done 2026-11-12)
- [ ] Write the cold-start runbook for the cache tier. Owner: @storage-team, P2
"""
LINE_A, LINE_B = 18, 19  # the first two items' lines


def git(repo: Path, *args: str, when: str = "2026-11-04T10:00:00+0000") -> None:
    env = os.environ | {
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose postmortem was written on 4 November with every box open; the P0 item
    was ticked on 8 November (23:30 in New York: the 9th in UTC), the P1 item on 25 November."""
    root = tmp_path / "repo"
    (root / "postmortems").mkdir(parents=True)
    doc = root / "postmortems" / "2026-11-03-cache.md"
    git(root, "init", "-q")
    doc.write_text(POSTMORTEM.format(a=" ", b=" ", c=" "), encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "postmortem")
    doc.write_text(POSTMORTEM.format(a="x", b=" ", c=" "), encoding="utf-8")
    git(root, "commit", "-q", "-am", "coalescing done", when="2026-11-08T23:30:00-0500")
    doc.write_text(POSTMORTEM.format(a="x", b="x", c="x"), encoding="utf-8")
    git(root, "commit", "-q", "-am", "paging and load test done", when="2026-11-25T09:00:00+0000")
    return root


def lines_of(repo: Path, *numbers: int) -> dict[int, str]:
    text = (repo / "postmortems" / "2026-11-03-cache.md").read_text(encoding="utf-8").split("\n")
    return {n: text[n - 1] for n in numbers}


def test_git_gives_the_day_the_box_was_ticked(repo: Path) -> None:
    days, note = completion_days(repo / "postmortems", {"2026-11-03-cache.md": lines_of(repo, LINE_A, LINE_B)})
    assert note is None
    assert days == {"2026-11-03-cache.md": {LINE_A: "2026-11-08", LINE_B: "2026-11-25"}}  # the author's own day


def test_git_skips_uncommitted_and_unticked_lines(repo: Path) -> None:
    folder = repo / "postmortems"
    (folder / "new.md").write_text("- [x] Not committed yet, P0\n", encoding="utf-8")
    wanted = {"new.md": {1: "- [x] Not committed yet, P0"}, "2026-11-03-cache.md": lines_of(repo, 21)}
    assert completion_days(folder, wanted)[0] == {}  # line 21 is an open box


def test_git_matches_a_moved_line_by_its_text(repo: Path) -> None:
    folder = repo / "postmortems"
    doc = folder / "2026-11-03-cache.md"
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("## Action items\n", "## Action items\n\nAdded in the review:\n"), encoding="utf-8")
    moved = doc.read_text(encoding="utf-8").split("\n")[LINE_A + 1]
    assert moved.startswith("- [x] Add request coalescing")
    days, _ = completion_days(folder, {"2026-11-03-cache.md": {LINE_A + 2: moved}})
    assert days == {"2026-11-03-cache.md": {LINE_A + 2: "2026-11-08"}}


def test_git_dates_are_cached_per_file_version(repo: Path, tmp_path: Path) -> None:
    folder, cache = repo / "postmortems", tmp_path / "cache" / "git.json"
    cache.parent.mkdir()
    wanted = {"2026-11-03-cache.md": lines_of(repo, LINE_A)}
    first = completion_days(folder, wanted, cache)
    if not cache.exists():
        pytest.skip("no per-user secret for sealed caches here")
    assert completion_days(folder, wanted, cache) == first
    assert "2026-11-03-cache.md" in cache.read_text(encoding="utf-8")


def test_not_a_repository_and_a_shallow_clone(tmp_path: Path, repo: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert completion_days(plain, {"a.md": {1: "- [x] a"}}) == ({}, "not in a git repository")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    days, note = completion_days(shallow / "postmortems", {"2026-11-03-cache.md": lines_of(repo, LINE_A)})
    assert days == {} and "shallow" in note


def test_a_hostile_repository_runs_nothing(repo: Path, tmp_path: Path) -> None:
    """A corpus with its own .git: an fsmonitor hook, a textconv driver, an external diff, a
    pager, a hooks folder. None of them may run or stop the dates."""
    marker = tmp_path / "ran"
    script = tmp_path / "evil.sh"
    script.write_text(f'#!/bin/sh\ntouch {marker}\ncat "$@" 2>/dev/null\n', encoding="utf-8")
    script.chmod(0o755)
    (repo / ".gitattributes").write_text("*.md diff=evil\n", encoding="utf-8")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes", when="2026-11-26T09:00:00+0000")
    for key, value in [
        ("core.fsmonitor", str(script)),
        ("core.pager", str(script)),
        ("diff.evil.textconv", str(script)),
        ("diff.external", str(script)),
        ("core.hooksPath", str(tmp_path)),
    ]:
        git(repo, "config", key, value)
    subprocess.run(["git", "diff", "HEAD~1"], cwd=repo, capture_output=True, check=False)  # an ordinary git
    assert marker.exists(), "the hostile settings run for a plain git command (the test's premise)"
    marker.unlink()
    days, note = completion_days(repo / "postmortems", {"2026-11-03-cache.md": lines_of(repo, LINE_A)})
    assert note is None and days == {"2026-11-03-cache.md": {LINE_A: "2026-11-08"}}
    assert not marker.exists()
    # a setting git cannot be told to drop makes blame fail: no dates, a note, no exception
    git(repo, "config", "blame.ignoreRevsFile", "does-not-exist")
    days, note = completion_days(repo / "postmortems", {"2026-11-03-cache.md": lines_of(repo, LINE_A)})
    assert days == {} and "does-not-exist" in note
    assert not marker.exists()


def test_a_strange_file_name_is_an_argument_not_an_option(repo: Path) -> None:
    folder = repo / "postmortems"
    (folder / "--output=x.md").write_text("- [x] Ticked, P0\n", encoding="utf-8")
    git(repo, "add", "--", "postmortems/--output=x.md")
    git(repo, "commit", "-q", "-m", "odd name", when="2026-11-06T09:00:00+0000")
    days, _ = completion_days(folder, {"--output=x.md": {1: "- [x] Ticked, P0"}})
    assert days == {"--output=x.md": {1: "2026-11-06"}}
    assert not (repo / "x").exists() and not (folder / "x").exists()


def test_parse_blame_reads_each_line_in_its_own_zone() -> None:
    porcelain = (
        "abc 1 1 1\nauthor t\nauthor-time 1795235400\nauthor-tz -0500\nsummary s\nfilename f\n\t- [x] a\n"
        "abc 2 2\nauthor t\nauthor-time 1795235400\nauthor-tz +0000\nfilename f\n\t- [x] b\n"
    )
    assert parse_blame(porcelain) == [("- [x] a", "2026-11-20"), ("- [x] b", "2026-11-21")]


# --- the report's sla key ---------------------------------------------------------------------------


@pytest.fixture
def report(repo: Path):
    from reviewer.report.data import Settings, compute

    def run(**overrides):
        base = {"as_of": date(2026, 12, 1), "index_dir": repo / "index", "cache_dir": repo / "results"}
        return compute(repo / "postmortems", Settings(**(base | overrides)))

    return run


def test_the_report_judges_every_item_with_an_sla(report) -> None:
    sla = report()["sla"]
    assert sla["policy"] == {"P0": 7, "P1": 14, "P2": 90}
    assert sla["git"] == {"used": True, "note": None}
    summary = sla["summary"]
    # P0 ticked on the 8th (due the 10th): met, from git; P1 paging ticked on the 25th (due the
    # 17th): late by 8 days, from git; P1 load test done on the 12th by the document (git says
    # the 25th): met; P2 runbook: open until 2027-02-01
    assert {k: summary[k] for k in ("due", "met", "late", "open", "overdue", "done_undated")} == {
        "due": 4,
        "met": 2,
        "late": 1,
        "open": 1,
        "overdue": 0,
        "done_undated": 0,
    }
    assert summary["met_share"] == round(2 / 3, 4)
    assert summary["by_priority"]["P0"]["met_share"] == 1.0
    assert summary["by_priority"]["P1"]["met_share"] == 0.5
    (late,) = sla["late"]
    assert late["text"].startswith("Page when the hit rate")
    assert (late["completed"], late["completed_source"], late["days_late"]) == ("2026-11-25", "git", 8)
    assert late["path"] == "2026-11-03-cache.md" and late["line"] == LINE_B and late["due"] == "2026-11-17"
    assert sla["past_sla"] == [] and sla["completed_before_incident"] == []
    assert [p["period"] for p in sla["periods"]] == ["2026-Q4"] and sla["periods"][0]["due"] == 4
    assert [t["team"] for t in sla["teams"]] == ["@storage-team", "storage"]  # @kim is a person
    assert [s["service"] for s in sla["services"]] == ["cache"]


def test_the_report_policy_comes_from_the_configuration(report, repo: Path) -> None:
    config = repo / ".pmreview.toml"
    config.write_text("[sla]\nP0 = 3\nP2 = 20\n", encoding="utf-8")
    sla = report(config_file=config)["sla"]
    assert sla["policy"] == {"P0": 3, "P1": 14, "P2": 90} | {"P0": 3, "P2": 20}
    assert sla["summary"]["by_priority"]["P0"]["late"] == 1  # ticked the 8th, due the 6th
    (overdue,) = sla["past_sla"]
    assert overdue["priority"] == "P2" and overdue["due"] == "2026-11-23" and overdue["days_late"] == 8


def test_the_report_without_git(report, repo: Path) -> None:
    import shutil

    shutil.rmtree(repo / ".git")
    sla = report()["sla"]
    assert sla["git"] == {"used": False, "note": "not in a git repository"}
    # without git the two ticked boxes have no date: done, but whether in time is unknown
    assert sla["summary"]["done_undated"] == 2 and sla["summary"]["met"] == 1


# --- the HTML section ------------------------------------------------------------------------------


def test_the_page_has_the_sla_section(report) -> None:
    from reviewer.report.html import render

    page = render(report(as_of=date(2026, 12, 20)))
    assert '<section id="sla"' in page and 'href="#sla"' in page
    assert "of P0 done within 1 week (1 of 1)" in page
    assert "of P1 done within 2 weeks (1 of 2)" in page
    assert "Open past SLA (0)" in page  # the P2 runbook is due 2027-02-01
    assert "Done late (1)" in page and "2026-11-25" in page
    assert "@storage-team" in page and "no team" not in page


def test_the_page_without_sla_data_has_no_section() -> None:
    from reviewer.report.html import render

    page = render({"version": 1, "as_of": "2026-01-01"})
    assert 'id="sla"' not in page and 'href="#sla"' not in page


def test_the_sla_section_escapes_and_tolerates_odd_data() -> None:
    from reviewer.report.html import render

    sla = {
        "policy": {"P0": 7, "P1": "x"},
        "summary": {"due": 1, "overdue": 1, "decided": 1, "met_share": 0.0, "by_priority": {"P0": {"due": 1}}},
        "teams": [{"team": "<b>ops</b>", "due": 1}, "junk", {"team": None, "due": 0}],
        "past_sla": [{"text": "<script>alert(1)</script>", "path": "javascript:x", "days_late": "3"}, 7],
        "git": None,
    }
    page = render({"version": 1, "as_of": "2026-01-01", "sla": sla})
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;ops&lt;/b&gt;" in page
    assert 'href="javascript:x"' not in page
    assert "Open past SLA (1)" in page


def test_an_impossible_document_date_falls_back_to_git_and_is_listed(report, repo: Path) -> None:
    doc = repo / "postmortems" / "2026-11-03-cache.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("(done 2026-11-12)", "(done 2026-10-12)"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "a typo in the date", when="2026-11-14T09:00:00+0000")
    sla = report()["sla"]
    (error,) = sla["completed_before_incident"]
    assert error["text"].startswith("Load-test a cold start")
    # judged by git's day (the commit that last changed the line), flagged so the typo gets fixed
    assert (error["completed"], error["completed_source"], error["state"]) == ("2026-11-14", "git", "met")
    assert sla["summary"]["completed_before_incident"] == 1


def test_the_sla_tables_fit_a_700px_window(report, tmp_path: Path) -> None:
    """At 700 px no table of the section needs sideways scrolling, in light and dark mode."""
    import re
    import shutil

    from test_report_html import CHROMIUM, _run_chromium

    binary = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not binary:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI for the report rendering tests")
        pytest.skip("Chromium not installed: the headless rendering check needs it")
    from reviewer.report.html import render, script_hash

    page = render(report(as_of=date(2026, 12, 20)))
    probe = """<script>
var out = [];
Array.prototype.forEach.call(document.querySelectorAll("#sla details"), function (d) { d.open = true; });
Array.prototype.forEach.call(document.querySelectorAll("#sla .table-wrap"), function (w) {
  out.push([w.previousElementSibling ? w.previousElementSibling.textContent : "", w.scrollWidth - w.clientWidth]);
});
out.push(["background", getComputedStyle(document.body).backgroundColor]);
var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script></body>"""
    body = re.search(r"<script>(.*?)</script>", probe, re.S).group(1)
    allowed = page.replace("script-src ", f"script-src {script_hash(body)} ", 1).replace("</body>", probe)
    (tmp_path / "report.html").write_text(allowed, encoding="utf-8")
    backgrounds = []
    for dark in (False, True):
        extra = ["--blink-settings=preferredColorScheme=0"] if dark else []
        result = _run_chromium(
            binary, tmp_path, (tmp_path / "report.html").as_uri(), *extra, "--window-size=700,2000", "--dump-dom"
        )
        match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout)
        assert match, result.stderr[-2000:]
        out = json.loads(match.group(1).replace("&quot;", '"'))
        *tables, (_, background) = out
        assert len(tables) >= 5, tables  # priority, period, team, service, past SLA, done late
        assert [t for t in tables if t[1] > 1] == []
        backgrounds.append(background)
    assert backgrounds[0] != backgrounds[1]  # dark mode paints another background
