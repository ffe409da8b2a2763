"""``pmreview github review``: the click command; everything heavy is imported when it runs.

Only click is imported at module level, because ``reviewer.cli`` registers this group on
every start-up, including ``pmreview --version``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reviewer import options


@click.group(short_help="Review pull requests on GitHub (for GitHub Actions).")
def github() -> None:
    """Review pull requests on GitHub (for GitHub Actions)."""


@github.command("review", short_help="Review a pull request's postmortems and comment on it.")
@click.option("--repo", help="OWNER/NAME of the repository [default: $GITHUB_REPOSITORY].")
@click.option("--pr", "number", type=int, help="Pull request number [default: from $GITHUB_EVENT_PATH].")
@click.option("--sha", help="Head commit of the pull request [default: from $GITHUB_EVENT_PATH].")
@click.option("--token", help="GitHub token [default: $GITHUB_TOKEN; prefer the variable, flags show in `ps`].")
@click.option("--api-url", help="REST API root [default: $GITHUB_API_URL or https://api.github.com].")
@click.option(
    "--paths",
    "globs",
    multiple=True,
    help="Globs of the Markdown files to review, comma-separated or repeated; ** spans folders "
    "[default: postmortems/** and **/postmortem*.md].",
)
@options.rule_selection
@options.fail_on("Lowest severity of a finding on a changed line that makes the exit code 1 [default: warning].")
@options.config_file
@options.corpus_dir
@options.results_cache
@click.option("--retry-delay", type=float, default=1.0, hidden=True, help="First backoff delay in seconds (tests).")
def review_pr(
    repo: str | None,
    number: int | None,
    sha: str | None,
    token: str | None,
    api_url: str | None,
    globs: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    fail_on: str | None,
    config_file: Path | None,
    corpus_dir: Path | None,
    no_cache: bool,
    cache_dir: Path,
    retry_delay: float,
) -> None:
    """Review the postmortems a pull request changes: line comments, one summary comment.

    Files are read from the working tree (check out the pull request's head commit). Only
    findings on added lines are commented; the summary comment is edited in place. On a
    fork, or when the token may not write, findings are printed as annotations instead.

    Exit status: 0 no finding at or above --fail-on on a changed line (or about a whole
    changed document), 1 findings, 2 errors. See docs/github-bot.md.
    """
    from reviewer.cli import _fail, _split, review_options
    from reviewer.config import ConfigError
    from reviewer.findings import Severity
    from reviewer.github.api import GitHubClient, GitHubError
    from reviewer.github.bot import DEFAULT_GLOBS, run
    from reviewer.github.event import EventError, from_environment
    from reviewer.nlp import ModelError
    from reviewer.recurrence import IndexError_
    from reviewer.ruleset import RuleError

    try:
        pr = from_environment(os.environ, repo=repo, number=number, sha=sha, token=token, api_url=api_url)
    except EventError as exc:
        _fail(str(exc))
    try:
        options = review_options(select, ignore, extend_select, config_file, corpus_dir, no_cache, cache_dir)
        client = GitHubClient(pr.token, pr.api_url, base_delay=retry_delay)
        outcome = run(
            client,
            pr,
            options,
            globs=_split(globs) or DEFAULT_GLOBS,
            fail_on=Severity.parse(fail_on) if fail_on else None,
        )
    except (RuleError, ConfigError, ModelError, IndexError_) as exc:
        _fail(str(exc))
    except GitHubError as exc:
        _fail(explain(exc))
    sys.exit(outcome.exit_code)


def explain(exc: Exception) -> str:
    """The GitHub error with what usually causes it."""
    status = getattr(exc, "status", None)
    if status == 401:
        return f"GitHub rejected the token: {exc}; check GITHUB_TOKEN or --token"
    if status == 404:
        return f"{exc}; check --repo and --pr, and that the token can read the repository"
    if status == 403:
        return f"{exc}; the token may not read this repository (or the rate limit is spent)"
    return str(exc)
