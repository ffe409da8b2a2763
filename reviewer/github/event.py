"""Which pull request to review: from the GitHub Actions environment, or from flags.

Inside Actions everything is in the environment (``GITHUB_TOKEN``, ``GITHUB_API_URL``,
``GITHUB_REPOSITORY``, ``GITHUB_EVENT_PATH``); explicit flags win so the bot can also be
run by hand or from another CI against any pull request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.github.api import DEFAULT_API_URL, origin

REPO = re.compile(r"^[\w.-]+/[\w.-]+\Z", re.ASCII)
SHA = re.compile(r"^[0-9a-fA-F]{7,64}\Z")


class EventError(Exception):
    """The pull request cannot be determined; the message says what to set."""


@dataclass(frozen=True)
class PullRequest:
    repo: str  # owner/name of the base repository, where the review is posted
    number: int
    sha: str  # the head commit the review comments are anchored to
    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    server_url: str = "https://github.com"
    fork: bool = False  # head in another repository: the workflow token cannot write

    @property
    def base(self) -> str:
        return f"/repos/{self.repo}"


def from_environment(
    env: Mapping[str, str],
    *,
    repo: str | None = None,
    number: int | None = None,
    sha: str | None = None,
    token: str | None = None,
    api_url: str | None = None,
) -> PullRequest:
    """Flags first, then the environment and the event payload; EventError names what is missing."""
    event = _event(env.get("GITHUB_EVENT_PATH"))
    pr = _object(event.get("pull_request"))
    head = _object(pr.get("head"))
    base = _object(pr.get("base"))
    base_repo = _string(_object(base.get("repo")).get("full_name"))
    repo = repo or env.get("GITHUB_REPOSITORY") or base_repo
    if not repo:
        raise EventError("no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    if not REPO.match(repo) or any(part.strip(".") == "" for part in repo.split("/")):
        raise EventError(f"--repo must look like OWNER/NAME, not {repo!r}")
    if number is None:
        number = pr.get("number") or event.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise EventError(
            "no pull request: pass --pr N, or run on a pull_request event (GITHUB_EVENT_PATH has no pull_request)"
        )
    sha = sha or (_string(head.get("sha")) if pr.get("number") == number else None)
    if not sha:
        raise EventError("no head commit: pass --sha SHA (the pull request's head commit)")
    if not SHA.match(sha):
        raise EventError(f"--sha must be a commit id (hexadecimal), not {sha!r}")
    token = token or env.get("GITHUB_TOKEN")
    if not token:
        raise EventError(
            "no GitHub token: pass --token or set GITHUB_TOKEN "
            "(in a workflow: `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`)"
        )
    head_repo = _string(_object(head.get("repo")).get("full_name")) if pr else None
    # a fork whose repository was deleted has head.repo null: it is still not ours to write from
    same_pr = bool(pr) and pr.get("number") == number
    fork = same_pr and head_repo != (base_repo or repo)
    return PullRequest(
        repo=repo,
        number=number,
        sha=sha,
        token=token,
        api_url=_http_url(api_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL, "--api-url"),
        server_url=_http_url(env.get("GITHUB_SERVER_URL") or "https://github.com", "GITHUB_SERVER_URL"),
        fork=fork,
    )


def _http_url(url: str, name: str) -> str:
    """An http(s) URL with a host, without the trailing slash: the token must not go to ``file:`` or nowhere."""
    try:
        origin(url)
    except ValueError:
        raise EventError(f"{name} must be an http(s) URL with a host, not {url!r}") from None
    return url.rstrip("/")


def _object(value: Any) -> dict[str, Any]:
    """A JSON object of the event, or an empty one for anything else (null, a string, a list)."""
    return value if isinstance(value, dict) else {}


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EventError(f"GITHUB_EVENT_PATH {path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise EventError(f"GITHUB_EVENT_PATH {path}: cannot read the event: {exc}") from None
    return data if isinstance(data, dict) else {}
