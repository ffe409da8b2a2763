"""``pmreview github review`` against a hostile pull request and a hostile API (docs/github-bot.md, "Security").

The pull request is a stranger's: it may add symbolic links, odd file names and huge
documents. The API answers are not trusted either: redirects, endless pages, dripped or
oversized bodies and malformed items. Each test runs the bot (or its client) against
the fake GitHub of tests/github_fake.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_github_bot as base
from github_fake import MAX_BODY, FakeGitHub, Reply, added_file_patch
from test_github_bot import PATH, POSTMORTEM, SHA, new_postmortem

gh, repo, bot = base.gh, base.repo, base.bot  # the fixtures, shared with test_github_bot

SECRET = "SECRET-7f3a9c"
# A line with a finding whose suggestion quotes it (RC001): what would leak if the file were read.
LEAK = f"# Postmortem\n\n## Contributing factors\n\nThe root cause was the key {SECRET} in the config.\n"
FILES = "/repos/acme/ops/pulls/7/files"


def sent(fake: FakeGitHub) -> str:
    """Every request body the bot sent, as one string."""
    return json.dumps([r.body for r in fake.requests])


def outside(tmp_path: Path, name: str = "postmortem-secret.md") -> Path:
    """A file next to the checkout (tmp_path), not in it."""
    folder = tmp_path.parent / f"{tmp_path.name}-outside"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(LEAK, encoding="utf-8")
    return path


def fork_env(fake: FakeGitHub, tmp_path: Path) -> dict[str, str | None]:
    event = tmp_path.parent / f"{tmp_path.name}-event.json"
    pull = {
        "number": fake.number,
        "head": {"sha": SHA, "repo": {"full_name": "someone/ops"}},
        "base": {"repo": {"full_name": fake.repo}},
    }
    event.write_text(json.dumps({"number": fake.number, "pull_request": pull}))
    return {"GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": fake.repo, "GITHUB_TOKEN": fake.token}


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("pmreview: error:")]


# ---------------------------------------------------------------------------- 1. files outside the checkout


@pytest.mark.parametrize("fork", [False, True], ids=["same-repo", "fork"])
def test_a_symlink_leaving_the_checkout_is_refused_unread(gh, repo, bot, tmp_path, fork) -> None:
    new_postmortem(gh, repo)
    link = tmp_path / "postmortems" / "leak.md"
    link.symlink_to(outside(tmp_path))
    gh.add_file("postmortems/leak.md", "added", added_file_patch(LEAK))

    result = bot(gh, env=fork_env(gh, tmp_path), flags=False) if fork else bot(gh)

    assert result.exit_code == 2, result.output
    assert SECRET not in result.output and SECRET not in sent(gh)
    assert any("postmortems/leak.md: is a symbolic link" in line for line in errors(result.stderr))
    if fork:  # the annotations still cover the readable file, and name the refused one
        assert any(line.startswith("::warning ") and "RC001" in line for line in result.stdout.splitlines())
        assert any(line.startswith("::error file=postmortems/leak.md") for line in result.stdout.splitlines())
    else:  # the other file is still reviewed
        assert len(gh.reviews) == 1 and {c["path"] for c in gh.review_comments} == {PATH}
        assert "postmortems/leak.md" in gh.summaries()[0]["body"]


def test_a_symlink_inside_the_checkout_is_refused_too(gh, repo, bot, tmp_path) -> None:
    """A link within the checkout could still name .git/config, which holds the workflow's credentials."""
    repo("notes/draft.md", LEAK)
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "alias.md").symlink_to(Path("..") / "notes" / "draft.md")
    gh.add_file("postmortems/alias.md", "added", added_file_patch(LEAK))

    result = bot(gh)

    assert result.exit_code == 2
    assert SECRET not in sent(gh)
    assert "postmortems/alias.md: is a symbolic link" in result.stderr


def test_a_file_below_a_symlinked_folder_is_refused(gh, repo, bot, tmp_path) -> None:
    secret = outside(tmp_path, "leak.md")
    (tmp_path / "postmortems").symlink_to(secret.parent, target_is_directory=True)
    gh.add_file("postmortems/leak.md", "added", added_file_patch(LEAK))

    result = bot(gh)

    assert result.exit_code == 2
    assert SECRET not in sent(gh) and SECRET not in result.output
    assert "postmortems/leak.md: lies below a symbolic link (postmortems)" in result.stderr


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "dot-git"])
def test_api_file_names_leaving_the_checkout_are_refused_unread(gh, repo, bot, tmp_path, kind) -> None:
    new_postmortem(gh, repo)
    secret = outside(tmp_path)
    name = {
        "dotdot": f"postmortems/../../{secret.parent.name}/{secret.name}",
        "absolute": str(secret),
        "dot-git": ".git/postmortem-secret.md",
    }[kind]
    repo(".git/postmortem-secret.md", LEAK)
    gh.add_file(name, "added", added_file_patch(LEAK))

    result = bot(gh)

    assert result.exit_code == 2, result.output
    assert SECRET not in sent(gh) and SECRET not in result.output
    [line] = errors(result.stderr)
    assert line.startswith(f"pmreview: error: {name}: ")
    assert len(gh.reviews) == 1  # the real postmortem is still reviewed


def test_a_file_name_with_control_characters_is_refused_and_shown_inert(gh, repo, bot, tmp_path) -> None:
    name = "postmortem-a\x1b]0;owned\x07\n::error::forged.md"
    try:
        repo(name, LEAK)
    except OSError:
        pytest.skip("the file system refuses the name")
    gh.add_file(name, "added", added_file_patch(LEAK))

    result = bot(gh, env=fork_env(gh, tmp_path), flags=False)

    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert not any(line.startswith("::error::forged") for line in result.output.splitlines())
    assert "contains control characters" in result.stderr


@pytest.mark.parametrize(
    ("path", "malformed"),
    [
        ("postmortems/x.md", False),
        ("postmortems/../x.md", True),
        ("/etc/postmortem.md", True),
        ("postmortems//x.md", True),
        ("postmortems/./x.md", True),
        (".git/postmortem.md", True),
        ("teams/.GIT/postmortem.md", True),
        ("postmortems/x\x00.md", True),
    ],
)
def test_malformed_paths(path: str, malformed: bool) -> None:
    from reviewer.github.bot import malformed_path

    assert (malformed_path(path) is not None) is malformed


def test_globs_never_see_a_path_leaving_the_repository(tmp_path: Path) -> None:
    from reviewer.github.bot import changed_files

    files = [
        {"filename": "postmortems/../../x/postmortem.md", "status": "added"},
        {"filename": "/abs/postmortem.md", "status": "added"},
        {"filename": "src/../app.py", "status": "modified"},  # not Markdown: refused all the same
    ]
    selected = changed_files(files, ("postmortems/**", "**/postmortem*.md"), tmp_path)
    assert [f.problem is not None for f in selected] == [True, True, True]
    assert all(f.added == set() for f in selected)


# ---------------------------------------------------------------------------- 2. the token and other origins


def test_a_redirect_to_another_origin_is_refused_and_gets_no_token(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    other = FakeGitHub(token=gh.token).start()
    try:
        gh.queue("GET", "/pulls/7/files", Reply(302, {"Location": f"{other.url}{FILES}"}, body=b""))

        result = bot(gh)

        assert other.requests == []  # the token never reached the other origin
        assert result.exit_code == 2
        [line] = errors(result.stderr)
        assert "redirect (HTTP 302) to another origin" in line and other.url in line
        assert gh.writes() == []
    finally:
        other.stop()


def test_a_redirect_on_the_api_origin_is_followed(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    gh.queue("GET", "/pulls/7/files", Reply(301, {"Location": f"{gh.url}{FILES}?per_page=100&moved=1"}, body=b""))

    result = bot(gh)

    assert result.exit_code == 1, result.output
    moved = [r for r in gh.requests if r.query.get("moved") == "1"]
    assert len(moved) == 1 and moved[0].headers["authorization"] == f"Bearer {gh.token}"
    assert len(gh.reviews) == 1


def test_error_messages_are_redacted_and_inert(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    message = f"token {gh.token} is \x1b]0;owned\x07 bad\n::error::forged"
    gh.queue("GET", "/pulls/7/files", Reply(400, body=json.dumps({"message": message}).encode()))

    result = bot(gh)

    assert result.exit_code == 2
    [line] = errors(result.stderr)
    assert gh.token not in result.output and "***" in line
    assert "\x1b" not in result.output and "::error::forged" not in result.stderr.replace(line, "")


def test_the_client_never_shows_its_token() -> None:
    from reviewer.github.api import GitHubClient
    from reviewer.github.event import PullRequest

    assert "s3cr3t" not in repr(GitHubClient("s3cr3t", "https://api.github.com"))
    assert "s3cr3t" not in repr(PullRequest("a/b", 1, SHA, "s3cr3t"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/api", "https://", "not a url"])
def test_api_url_must_be_http(gh, repo, bot, url) -> None:
    result = bot(gh, "--api-url", url)
    assert result.exit_code == 2
    assert "--api-url must be an http(s) URL" in result.stderr
    assert gh.requests == []


# ---------------------------------------------------------------------------- 3. denial of service


def test_a_next_link_to_itself_is_not_followed_forever(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    page = json.dumps(gh.files).encode()
    loop = Reply(200, {"Link": f'<{gh.url}{FILES}?per_page=100>; rel="next"'}, body=page)
    gh.queue("GET", "/pulls/7/files", *[loop] * 5)  # then the real page, so an unfixed bot ends too

    result = bot(gh)

    assert result.exit_code == 2
    [line] = errors(result.stderr)
    assert "repeats a page already read" in line
    assert len([r for r in gh.requests if r.path == FILES]) == 1  # the link was refused, not fetched
    assert gh.writes() == []


def test_endless_pages_stop_at_the_page_limit(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    gh.endless.add(FILES)

    result = bot(gh)

    assert result.exit_code == 2
    assert "more than 100 pages" in result.stderr
    assert len([r for r in gh.requests if r.path == FILES]) == 100


@pytest.fixture
def fake() -> FakeGitHub:
    server = FakeGitHub().start()
    yield server
    server.stop()


def client_for(fake: FakeGitHub, **limits: float) -> object:
    from reviewer.github.api import GitHubClient

    return GitHubClient(fake.token, fake.url, sleep=lambda _: None, base_delay=0, **limits)


def test_requests_per_run_are_capped(fake) -> None:
    from reviewer.github.api import GitHubError

    fake.endless.add(FILES)
    client = client_for(fake, max_requests=3)
    with pytest.raises(GitHubError, match="more than 3 requests in one run"):
        client.paginate(FILES)
    assert len(fake.requests) == 3


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "until-close"])
def test_a_response_over_the_size_cap_is_not_read(fake, length) -> None:
    from reviewer.github.api import GitHubError

    fake.queue("GET", "/pulls/7/files", Reply(200, body=b"[" + b"1," * 5000 + b"1]", length=length))
    with pytest.raises(GitHubError, match="larger than 1000 bytes"):
        client_for(fake, max_body=1000).paginate(FILES)
    assert len(fake.requests) == 1  # not retried


@pytest.mark.parametrize("drip_headers", [False, True], ids=["body", "headers"])
def test_a_dripped_answer_hits_the_call_deadline(fake, drip_headers) -> None:
    """urllib's timeout is per read: one byte every 50 ms never trips a 30 s timeout, but trips the deadline."""
    from reviewer.github.api import GitHubError

    body = json.dumps([{"filename": f"f{i}.md"} for i in range(10)]).encode()  # ~10 s at this rate
    fake.queue("GET", "/pulls/7/files", *[Reply(200, body=body, drip=0.05, drip_headers=drip_headers)] * 4)
    with pytest.raises(GitHubError, match=r"no complete answer within 0\.3 s"):
        client_for(fake, deadline=0.3).paginate(FILES)


# ---------------------------------------------------------------------------- 4. malformed API data


def test_malformed_files_are_left_out_with_one_warning(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    repo("postmortems/b.md", LEAK)
    gh.files += [
        5,
        "postmortems/b.md",
        None,
        [],
        {"filename": 5, "status": "added"},
        {"filename": "postmortems/b.md", "status": "added", "additions": "lots"},
        {"filename": "postmortems/b.md", "status": "added", "additions": True},
        {"filename": "postmortems/b.md", "status": "added", "patch": 5},
        {"filename": "postmortems/b.md"},
    ]

    result = bot(gh)

    assert result.exit_code == 1, result.output
    warnings = [line for line in result.stderr.splitlines() if "malformed" in line]
    assert warnings == ["pmreview: warning: left out 9 malformed items of the pull request's files GitHub returned"]
    assert "reviewed 1 file" in result.stderr and len(gh.reviews) == 1


def test_malformed_comments_are_left_out(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    gh.review_comments += [{"id": 1, "path": PATH, "body": 5}, {"id": 2, "body": "x"}, "comment", 7]
    gh.issue_comments += [
        {"body": "<!-- pmreview:summary -->\nno id"},
        {"id": "12", "body": "<!-- pmreview:summary -->\nstring id"},
        {"id": True, "body": "<!-- pmreview:summary -->\nboolean id"},
        {"id": 13, "body": 5},
        None,
    ]

    result = bot(gh)

    assert result.exit_code == 1, result.output
    assert "left out 4 malformed items of the review comments" in result.stderr
    assert "left out 5 malformed items of the issue comments" in result.stderr
    assert len(gh.reviews) == 1 and len(gh.summaries()) == 4  # a new summary: the malformed ones are not ours
    assert [r.method for r in gh.writes()] == ["POST", "POST"]


@pytest.mark.parametrize(
    "body",
    [b'{"message": "not a list"}', b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe not json", b"[1, 2"],
    ids=["object", "nested", "bytes", "truncated"],
)
def test_an_unusable_list_is_one_error_line(gh, repo, bot, body) -> None:
    new_postmortem(gh, repo)
    gh.queue("GET", "/pulls/7/files", Reply(200, body=body))

    result = bot(gh)

    assert result.exit_code == 2
    [line] = errors(result.stderr)
    assert "expected a list in the response" in line


def test_a_patch_with_an_unreadable_hunk_header_is_an_error_not_a_traceback(gh, repo, bot) -> None:
    new_postmortem(gh, repo)
    repo("postmortems/b.md", LEAK)
    gh.add_file("postmortems/b.md", "added", "@@ -0,0 +" + "9" * 5000 + ",1 @@\n+# Postmortem")

    result = bot(gh)

    assert result.exit_code == 2
    assert "postmortems/b.md: GitHub's patch of it cannot be read" in result.stderr
    assert len(gh.reviews) == 1


def test_a_huge_additions_count_does_not_build_a_huge_set(gh, repo, bot) -> None:
    """A new file without a patch counts as all added; the count is not turned into line numbers."""
    text = POSTMORTEM.format(factor="The root cause was a hard-coded alias name in the reindex script.")
    repo(PATH, text)
    gh.files.append({"filename": PATH, "status": "added", "additions": 10**15, "deletions": 0})

    result = bot(gh)

    assert result.exit_code == 1, result.output
    assert "6 on changed lines" in result.stderr


# ---------------------------------------------------------------------------- 5. what one review posts


def many_findings(n: int) -> str:
    lines = "\n".join(f"- 09:{i % 60:02d} UTC Priya finally looks at dashboard number {i}." for i in range(n))
    return f"# Postmortem: many\n\n## Summary\n\nA.\n\n## Timeline\n\n{lines}\n"


def test_comments_per_review_are_capped_and_the_rest_summarised(gh, repo, bot) -> None:
    text = many_findings(60)
    repo(PATH, text)
    gh.add_file(PATH, "added", added_file_patch(text))

    result = bot(gh)

    assert result.exit_code == 1, result.output
    [review] = gh.reviews
    assert len(review["comments"]) == 50
    assert "10 more are in the summary comment only" in review["body"]
    assert "(10 more not commented: at most 50 line comments per run)" in gh.summaries()[0]["body"]
    assert "10 held back" in result.stderr

    bot(gh)  # the next run comments on the rest, and on nothing twice

    assert [len(r["comments"]) for r in gh.reviews] == [50, 10]
    fingerprints = [c["body"].rsplit("fingerprint=", 1)[1] for c in gh.review_comments]
    assert len(set(fingerprints)) == 60


def test_a_comment_on_a_huge_line_fits_in_a_github_comment(gh, repo, bot) -> None:
    long_line = "- 09:20 UTC Priya finally looks at the dashboard `" + "x" * 70_000 + "` again."
    text = f"# Postmortem\n\n## Timeline\n\n{long_line}\n"
    repo(PATH, text)
    gh.add_file(PATH, "added", added_file_patch(text))

    result = bot(gh)

    assert result.exit_code == 1, result.output
    [comment] = [c for c in gh.review_comments if c["body"].startswith("**BL006**")]
    assert len(comment["body"].encode()) <= 65_000 < len(long_line)
    assert "```suggestion" not in comment["body"] and "too long for a comment" in comment["body"]
    assert comment["body"].endswith(" -->")  # the fingerprint marker survives
    assert all(len(r.body.get("body", "")) <= MAX_BODY for r in gh.writes())


def test_the_summary_is_cut_to_the_body_limit(gh, repo, tmp_path, monkeypatch) -> None:
    import io

    from reviewer.engine import Options
    from reviewer.github.api import GitHubClient
    from reviewer.github.bot import SUMMARY_MARKER, Limits, run
    from reviewer.github.event import PullRequest

    text = many_findings(40)
    repo(PATH, text)
    gh.add_file(PATH, "added", added_file_patch(text))
    client = GitHubClient(gh.token, gh.url, sleep=lambda _: None)
    pr = PullRequest(gh.repo, gh.number, SHA, gh.token, gh.url)

    outcome = run(client, pr, Options(), err=io.StringIO(), limits=Limits(comments=5, body=3000))

    assert outcome.summary == "created" and outcome.posted == 5
    [summary] = gh.summaries()
    assert summary["body"].startswith(SUMMARY_MARKER + "\n")
    assert len(summary["body"].encode()) <= 3000
    assert summary["body"].rstrip().endswith("to see all of it.*")
    assert all(len(c["body"].encode()) <= 3000 for c in gh.review_comments)


def test_fit_keeps_whole_lines_and_the_note() -> None:
    from reviewer.github.bot import fit

    assert fit("short", 10, "!") == "short"
    assert fit("line one\nline two\nline three", 20, " [cut]") == "line one [cut]"
    assert fit("é" * 10, 7, "…") == "éé…"  # never half a character
    assert len(fit("x" * 100, 50, "").encode()) <= 50


# ---------------------------------------------------------------------------- annotations


def test_fork_annotations_carry_no_escapes_or_extra_commands(gh, repo, bot, tmp_path) -> None:
    """Document text reaches the annotations (the suggested line): it must stay one inert workflow command."""
    line = "- 09:20 UTC Priya finally looks at the \x1b]0;owned\x07dashboard %0A::error::forged \r::stop-commands::x"
    text = f"# Postmortem\n\n## Timeline\n\n{line}\n"
    repo(PATH, text)
    gh.add_file(PATH, "added", added_file_patch(text))

    result = bot(gh, env=fork_env(gh, tmp_path), flags=False)

    assert result.exit_code == 1, result.output
    out = result.stdout.splitlines()
    assert out and all(line.startswith(("::warning ", "::error ", "::notice ")) for line in out)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\r" not in result.stdout
    assert "%250A::error::forged" in result.stdout  # a literal %0A in the document stays literal
