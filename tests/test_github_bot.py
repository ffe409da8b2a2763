"""``pmreview github review`` against a fake GitHub API (tests/github_fake.py) on 127.0.0.1.

The bot runs in-process (CliRunner) so the spaCy model loaded for the session is reused;
the postmortems are written under tmp_path, which is the working directory, as the
checked-out pull request head would be in Actions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from github_fake import FakeGitHub, Reply, added_file_patch, modified_file_patch

SHA = "5d1e0c3b9a7f4e2d8c6b0a1f3e5d7c9b1a3f5e7d"
PATH = "postmortems/2026-02-11-search-outage.md"
ENV_CLEARED = {
    name: None
    for name in ("GITHUB_TOKEN", "GITHUB_EVENT_PATH", "GITHUB_REPOSITORY", "GITHUB_API_URL", "GITHUB_SERVER_URL")
}

# Written for these tests. Findings: BL006 line 18, RC001 line 24, BL003 line 26, AI001-AI003 line 35.
POSTMORTEM = """\
# Postmortem: search index outage

Date: 2026-02-11

## Summary

On 11 February the product search returned empty results for 47 minutes after a
reindex job wrote to the live alias instead of the staging one.

## Impact

About 18% of search requests between 09:12 and 09:59 UTC returned no results.

## Timeline

- 09:05 UTC The nightly reindex job starts an hour late because of a queue backlog.
- 09:12 UTC Empty result rates climb and the search latency alert fires.
- 09:20 UTC Priya finally looks at the dashboard after the second page.
- 09:41 UTC The alias is pointed back to the previous index.
- 09:59 UTC Result rates are back to normal.

## Contributing factors

{factor}
The job and the live alias share a naming prefix, so the mistake is easy to miss.
Priya should have checked the alias before running the job.

## What went well

Rolling the alias back took a single command.

## Action items

- [ ] Make the reindex script refuse to write to a live alias. Owner: @search-team, due 2026-03-01.
- [ ] Improve monitoring.
"""
OLD_FACTOR = "A hard-coded alias name in the reindex script sent the writes to the live index."
NEW_FACTOR = "The root cause was a hard-coded alias name in the reindex script."

# No timeline, contributing factors or action items: whole-document findings (ST001, AI006).
SHORT = """\
# Postmortem: DNS resolver restart

## Summary

Internal DNS lookups failed for six minutes while the resolvers restarted together.

## Impact

Around 300 deploys were delayed by up to six minutes.
"""


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    fake = FakeGitHub().start()
    yield fake
    fake.stop()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Path]:
    """Write a file of the checked-out pull request head (the working directory)."""
    monkeypatch.chdir(tmp_path)

    def _write(rel: str, text: str) -> Path:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="module")
def bot() -> Callable[..., Result]:
    """Run ``pmreview github review`` in-process against a fake: ``bot(fake, *extra_args, env=...)``."""
    from reviewer.cli import main

    runner = CliRunner()

    def _run(fake: FakeGitHub, *args: str, env: dict[str, str | None] | None = None, flags: bool = True) -> Result:
        target = ["--repo", fake.repo, "--pr", str(fake.number), "--sha", SHA, "--token", fake.token] if flags else []
        argv = ["github", "review", *target, "--api-url", fake.url, "--retry-delay", "0", *args]
        return runner.invoke(main, argv, env={**ENV_CLEARED, **(env or {})}, catch_exceptions=False)

    return _run


def new_postmortem(gh: FakeGitHub, repo: Callable[[str, str], Path], factor: str = NEW_FACTOR) -> str:
    text = POSTMORTEM.format(factor=factor)
    repo(PATH, text)
    gh.add_file(PATH, "added", added_file_patch(text))
    return text


def comment_lines(gh: FakeGitHub) -> list[tuple[str, int, str]]:
    return sorted((c["path"], c["line"], re.match(r"\*\*(\w+)\*\*", c["body"]).group(1)) for c in gh.review_comments)


# ---------------------------------------------------------------------------- the review


def test_new_postmortem_gets_line_comments_and_one_summary(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    result = bot(gh)
    assert result.exit_code == 1, result.output  # warnings on changed lines

    assert len(gh.reviews) == 1
    review = gh.reviews[0]
    assert review["commit_id"] == SHA and review["event"] == "COMMENT" and review["body"]
    assert comment_lines(gh) == [
        (PATH, 18, "BL006"),
        (PATH, 24, "RC001"),
        (PATH, 26, "BL003"),
        (PATH, 35, "AI001"),
        (PATH, 35, "AI002"),
        (PATH, 35, "AI003"),
    ]
    by_code = {re.match(r"\*\*(\w+)\*\*", c["body"]).group(1): c for c in review["comments"]}
    rc = by_code["RC001"]
    assert rc["side"] == "RIGHT" and rc["path"] == PATH and rc["line"] == 24
    assert rc["body"].startswith("**RC001** single-root-cause: 'The root cause' frames the incident")
    assert (
        "```suggestion\nOne contributing factor was a hard-coded alias name in the reindex script.\n```" in rc["body"]
    )
    assert "RC001.md" in rc["body"]  # the rule page
    assert re.search(r"<!-- pmreview:fingerprint=[0-9a-f]{16} -->", rc["body"])
    # a deletion inside the line is still the full new line
    assert (
        "```suggestion\n- 09:20 UTC Priya looks at the dashboard after the second page.\n```"
        in by_code["BL006"]["body"]
    )
    assert "```suggestion" not in by_code["AI001"]["body"]  # no replacement text: the fix instead
    assert "**Fix:**" in by_code["AI001"]["body"]
    assert "@team" not in by_code["AI001"]["body"]  # the fix's example handle must not ping anyone

    [summary] = gh.summaries()
    assert summary["body"].startswith("<!-- pmreview:summary -->\n")
    assert "6 findings on changed lines" in summary["body"]
    assert f"/acme/ops/blob/{SHA}/{PATH}#L24" in summary["body"]

    for request in gh.requests:
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert request.headers["authorization"] == f"Bearer {gh.token}"
        assert request.headers["user-agent"].startswith("pmreview/")


def test_only_the_changed_paragraph_is_commented(gh, repo, bot) -> None:
    old = POSTMORTEM.format(factor=OLD_FACTOR)
    new = POSTMORTEM.format(factor=NEW_FACTOR)
    repo(PATH, new)
    gh.add_file(PATH, "modified", modified_file_patch(old, new))

    result = bot(gh)

    # BL006 (18), BL003 (26, a context line of the hunk) and the AI findings (35) were already there
    assert comment_lines(gh) == [(PATH, 24, "RC001")]
    assert result.exit_code == 1
    [summary] = gh.summaries()
    assert "1 finding on changed lines" in summary["body"]
    assert "5 elsewhere in the changed files" in summary["body"]


def test_changed_lines_without_findings_exit_0(gh, repo, bot) -> None:
    old = POSTMORTEM.format(factor=OLD_FACTOR)
    new = old.replace("took a single command", "took one command")
    repo(PATH, new)
    gh.add_file(PATH, "modified", modified_file_patch(old, new))

    result = bot(gh)

    assert result.exit_code == 0, result.output
    assert gh.reviews == []  # nothing to say on the changed lines: no review at all
    assert len(gh.summaries()) == 1  # the summary still lists the file's findings


def test_whole_document_findings_go_to_the_summary_only(gh, repo, bot) -> None:
    path = "postmortems/2026-03-02-dns.md"
    repo(path, SHORT)
    gh.add_file(path, "added", added_file_patch(SHORT))

    result = bot(gh)

    assert gh.review_comments == []
    [summary] = gh.summaries()
    assert "ST001" in summary["body"]
    assert re.search(r"[1-9]\d* about whole documents", summary["body"])
    assert result.exit_code == 1  # a missing section of a changed document still fails the check


def test_second_identical_run_writes_nothing(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    assert bot(gh).exit_code == 1
    writes = len(gh.writes())
    comments = len(gh.review_comments)

    second = bot(gh)

    assert second.exit_code == 1
    assert len(gh.writes()) == writes  # no review, no summary PATCH
    assert len(gh.review_comments) == comments
    assert len(gh.summaries()) == 1


def test_summary_is_updated_in_place_and_only_new_findings_are_commented(gh, repo, bot) -> None:
    text = new_postmortem(gh, repo)
    bot(gh)
    [summary] = gh.summaries()
    first_body = summary["body"]

    # a new push: one more blameful sentence in the timeline
    extra = "- 09:30 UTC Priya should have paged the search team sooner."
    text = text.replace("- 09:41 UTC", extra + "\n- 09:41 UTC")
    repo(PATH, text)
    gh.files[0]["patch"] = added_file_patch(text)
    before = len(gh.requests)

    assert bot(gh).exit_code == 1

    [updated] = gh.summaries()
    assert updated["id"] == summary["id"] and updated["body"] != first_body
    assert len(gh.issue_comments) == 1
    patches = [r for r in gh.requests[before:] if r.method == "PATCH"]
    assert [r.path for r in patches] == [f"/repos/acme/ops/issues/comments/{summary['id']}"]
    assert len(gh.reviews) == 2
    assert [(c["line"], c["body"][:9]) for c in gh.reviews[1]["comments"]] == [(19, "**BL003**")]
    fingerprints = [re.search(r"fingerprint=(\w+)", c["body"]).group(1) for c in gh.review_comments]
    assert len(fingerprints) == len(set(fingerprints))


def test_summary_among_other_comments_is_found(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    gh.add_issue_comment("Thanks, looks good to me.")
    stale = gh.add_issue_comment("<!-- pmreview:summary -->\nold summary")
    gh.add_issue_comment("Quoting: <!-- pmreview:summary --> is not ours")

    bot(gh)

    assert [c["id"] for c in gh.summaries()] == [stale["id"]]
    assert stale["body"] != "<!-- pmreview:summary -->\nold summary"
    assert len(gh.issue_comments) == 3


def test_existing_fingerprints_are_not_commented_again(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    bot(gh)
    kept = gh.review_comments[:2]
    gh.review_comments[:] = kept  # e.g. the others were posted by an older run and deleted
    gh.reviews.clear()

    bot(gh)

    assert len(gh.reviews) == 1 and len(gh.reviews[0]["comments"]) == 4
    assert len(gh.review_comments) == 6


# ---------------------------------------------------------------------------- fallbacks


def test_403_on_write_falls_back_to_annotations(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    gh.forbid_writes = True

    result = bot(gh)

    assert result.exit_code == 1  # the normal exit code, not an error
    assert gh.reviews == [] and gh.issue_comments == []
    assert len(gh.writes()) == 1  # the first refusal stops further writes
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert any(line.startswith(f"::warning file={PATH},line=24,") and "RC001" in line for line in annotations)
    assert len(annotations) == 6
    assert "pull-requests: write" in result.stderr


def test_422_on_the_review_prints_annotations_and_still_writes_the_summary(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    gh.queue("POST", "/pulls/7/reviews", 422)

    result = bot(gh)

    assert result.exit_code == 1
    assert gh.reviews == []
    assert len(gh.summaries()) == 1
    assert len([line for line in result.stdout.splitlines() if line.startswith("::warning ")]) == 6
    assert "head commit" in result.stderr


def test_a_changed_file_missing_from_the_checkout_exits_2(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    gh.add_file("postmortems/2026-02-12-not-checked-out.md", "added", "@@ -0,0 +1,1 @@\n+# Postmortem")

    result = bot(gh)

    assert result.exit_code == 2
    assert "2026-02-12-not-checked-out.md: no such file or directory" in result.stderr
    assert len(gh.reviews) == 1  # the readable file is still reviewed
    assert "could not be reviewed" in gh.summaries()[0]["body"]


def test_fork_pull_request_prints_annotations_without_writing(gh, repo, bot, tmp_path) -> None:
    old = POSTMORTEM.format(factor=OLD_FACTOR)
    new = POSTMORTEM.format(factor=NEW_FACTOR)
    repo(PATH, new)
    gh.add_file(PATH, "modified", modified_file_patch(old, new))
    event = tmp_path.parent / f"{tmp_path.name}-event.json"
    event.write_text(
        json.dumps(
            {
                "action": "synchronize",
                "number": gh.number,
                "pull_request": {
                    "number": gh.number,
                    "head": {"sha": SHA, "repo": {"full_name": "someone/ops"}},
                    "base": {"sha": "0" * 40, "repo": {"full_name": gh.repo}},
                },
            }
        )
    )
    env = {"GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": gh.repo, "GITHUB_TOKEN": gh.token}

    result = bot(gh, env=env, flags=False)

    assert result.exit_code == 1
    assert gh.writes() == []
    assert {r.path for r in gh.requests} == {"/repos/acme/ops/pulls/7/files"}
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1 and "line=24" in annotations[0]
    assert "fork" in result.stderr


def test_environment_only_run_on_a_same_repository_pull_request(gh, repo, bot, tmp_path) -> None:
    new_postmortem(gh, repo)
    event = tmp_path.parent / f"{tmp_path.name}-event.json"
    same = {"full_name": gh.repo}
    event.write_text(
        json.dumps({"pull_request": {"number": gh.number, "head": {"sha": SHA, "repo": same}, "base": {"repo": same}}})
    )
    env = {
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": gh.repo,
        "GITHUB_TOKEN": gh.token,
        "GITHUB_API_URL": gh.url,
    }

    result = bot(gh, env=env, flags=False)

    assert result.exit_code == 1, result.output
    assert len(gh.reviews) == 1 and gh.reviews[0]["commit_id"] == SHA


# ---------------------------------------------------------------------------- HTTP behaviour


def test_pagination_of_files_and_comments(gh, repo, bot) -> None:
    gh.page_size = 2
    new_postmortem(gh, repo)
    # 6 files (3 pages): the postmortem, a removed one, and files the globs or the extension leave out
    gh.add_file("postmortems/2025-01-01-old.md", "removed", "@@ -1,1 +0,0 @@\n-gone")
    gh.add_file("src/app.py", "modified", "@@ -1,1 +1,1 @@\n-a\n+b")
    gh.add_file("postmortems/diagram.png", "added")
    gh.add_file("docs/readme.md", "modified", "@@ -1,1 +1,1 @@\n-a\n+b")
    gh.add_file("docs/postmortem-template.md", "added", "@@ -0,0 +1,1 @@\n+# Postmortem template")
    repo("docs/postmortem-template.md", "# Postmortem template\n")
    for i in range(4):  # the summary and already-posted comments sit on the last page
        gh.add_issue_comment(f"chatter {i}")
    bot(gh)
    assert gh.issue_comments[-1] is gh.summaries()[0]
    gh.reviews.clear()
    gh.requests.clear()

    result = bot(gh)

    pages = [r.query.get("page", "1") for r in gh.requests if r.path.endswith("/pulls/7/files")]
    assert pages == ["1", "2", "3"]
    assert all(r.query["per_page"] == "100" for r in gh.requests if r.path.endswith("/pulls/7/files"))
    assert [r.query.get("page", "1") for r in gh.requests if r.path.endswith("/pulls/7/comments")] == ["1", "2", "3"]
    assert [r.query.get("page", "1") for r in gh.requests if r.path.endswith("/issues/7/comments")] == ["1", "2", "3"]
    assert gh.reviews == []  # all 6 fingerprints were found across the pages
    assert len(gh.summaries()) == 1
    assert "reviewed 2 files" in result.stderr


def test_retries_429_and_502_then_succeeds(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    gh.queue("GET", "/pulls/7/files", Reply(429, {"Retry-After": "0"}), 502)
    gh.queue("POST", "/pulls/7/reviews", 503)

    result = bot(gh)

    assert result.exit_code == 1, result.output
    file_requests = [r for r in gh.requests if r.path.endswith("/pulls/7/files")]
    assert len(file_requests) == 3
    assert len(gh.reviews) == 1


def test_client_backoff_honours_retry_after_and_gives_up() -> None:
    from reviewer.github.api import GitHubClient, GitHubError

    fake = FakeGitHub().start()
    try:
        slept: list[float] = []
        client = GitHubClient(fake.token, fake.url, sleep=slept.append, base_delay=0.5)
        fake.queue("GET", "/pulls/7/files", Reply(429, {"Retry-After": "7"}), 500)
        assert client.paginate("/repos/acme/ops/pulls/7/files") == []
        assert slept == [7.0, 1.0]  # Retry-After, then the doubled base delay

        slept.clear()
        fake.queue("GET", "/pulls/7/files", 502, 502, 502, 502, 502)
        with pytest.raises(GitHubError) as exc:
            client.paginate("/repos/acme/ops/pulls/7/files")
        assert exc.value.status == 502
        assert slept == [0.5, 1.0, 2.0]  # four tries in all

        fake.queue("GET", "/pulls/7/files", Reply(429, {"Retry-After": "3600"}))
        with pytest.raises(GitHubError):  # not worth blocking the job for an hour
            client.paginate("/repos/acme/ops/pulls/7/files")
    finally:
        fake.stop()


# ---------------------------------------------------------------------------- errors


def test_bad_token_exits_2(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    result = bot(gh, "--token", "wrong-token")  # the last --token wins
    assert result.exit_code == 2
    assert "GitHub rejected the token" in result.stderr and "Bad credentials" in result.stderr
    assert "wrong-token" not in result.output  # never echo the token


def test_unknown_pull_request_exits_2(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    result = bot(gh, "--pr", "8")
    assert result.exit_code == 2
    assert "Not Found (HTTP 404)" in result.stderr and "--repo and --pr" in result.stderr


def test_missing_token_exits_2(gh, repo, bot) -> None:
    result = bot(gh, flags=False, env={"GITHUB_REPOSITORY": gh.repo})
    assert result.exit_code == 2
    assert "no pull request" in result.stderr
    result = bot(gh, "--repo", gh.repo, "--pr", "7", "--sha", SHA, flags=False)
    assert result.exit_code == 2
    assert "no GitHub token" in result.stderr and "GITHUB_TOKEN" in result.stderr
    assert gh.requests == []


def test_a_pull_request_without_postmortems_posts_nothing(gh, repo, bot) -> None:
    gh.add_file("src/app.py", "modified", "@@ -1,1 +1,1 @@\n-a\n+b")
    result = bot(gh)
    assert result.exit_code == 0
    assert gh.writes() == []
    assert "no changed postmortems" in result.stderr


# ---------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("path", "globs", "expected"),
    [
        ("postmortems/2026-01-01-db.md", ("postmortems/**",), True),
        ("postmortems/2026/q1/db.markdown", ("postmortems/**",), True),
        ("postmortems/diagram.png", ("postmortems/**",), False),  # Markdown only
        ("docs/postmortems/db.md", ("postmortems/**",), False),  # anchored at the repository root
        ("postmortem-2026-01-01.md", ("**/postmortem*.md",), True),  # ** also matches no folder
        ("teams/db/postmortem-2026.md", ("**/postmortem*.md",), True),
        ("teams/db/Postmortem-2026.md", ("**/postmortem*.md",), False),  # case-sensitive, like git
        ("incidents/db.md", ("incidents/*.md",), True),
        ("incidents/2026/db.md", ("incidents/*.md",), False),  # * stays inside one folder
        ("incidents/2026/db.md", ("incidents/**/*.md",), True),
        ("incidents/db.md", ("incidents/**/*.md",), True),
        ("incidents/db1.md", ("incidents/db[0-9].md",), True),
        ("incidents/dbx.md", ("incidents/db[!x].md",), False),
        ("a.md", ("?.md",), True),
    ],
)
def test_globs(path: str, globs: tuple[str, ...], expected: bool) -> None:
    from reviewer.github.bot import wanted

    assert wanted(path, globs) is expected


def test_suggestion_block_uses_a_longer_fence_around_backticks(review_result) -> None:
    from reviewer.github.bot import comment_body

    result = review_result("The root cause was the `ttl` value.\n", path="x.md")
    [finding] = [f for f in result.findings if f.code == "RC001"]
    body = comment_body(finding, result, 1)
    assert "```suggestion\nOne contributing factor was the `ttl` value.\n```" in body
    result = review_result("The root cause was the ```ttl``` value.\n", path="x.md")
    [finding] = [f for f in result.findings if f.code == "RC001"]
    assert "````suggestion\n" in comment_body(finding, result, 1)
