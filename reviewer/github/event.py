"""Which pull request to review: from the GitHub Actions environment, or from flags.

Inside Actions everything is in the environment (``GITHUB_TOKEN``, ``GITHUB_API_URL``,
``GITHUB_REPOSITORY``, ``GITHUB_EVENT_PATH``); explicit flags win so the bot can also be
run by hand or from another CI against any pull request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.github.api import DEFAULT_API_URL

REPO = re.compile(r"^[\w.-]+/[\w.-]+$")


class EventError(Exception):
    """The pull request cannot be determined; the message says what to set."""


@dataclass(frozen=True)
class PullRequest:
    repo: str  # owner/name of the base repository, where the review is posted
    number: int
    sha: str  # the head commit the review comments are anchored to
    token: str
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
    pr = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else {}
    head = pr.get("head") or {}
    base = pr.get("base") or {}
    repo = repo or env.get("GITHUB_REPOSITORY") or (base.get("repo") or {}).get("full_name")
    if not repo:
        raise EventError("no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    if not REPO.match(repo):
        raise EventError(f"--repo must look like OWNER/NAME, not {repo!r}")
    if number is None:
        number = pr.get("number") or event.get("number")
    if not isinstance(number, int) or number <= 0:
        raise EventError(
            "no pull request: pass --pr N, or run on a pull_request event (GITHUB_EVENT_PATH has no pull_request)"
        )
    sha = sha or (head.get("sha") if pr.get("number") == number else None)
    if not sha:
        raise EventError("no head commit: pass --sha SHA (the pull request's head commit)")
    token = token or env.get("GITHUB_TOKEN")
    if not token:
        raise EventError(
            "no GitHub token: pass --token or set GITHUB_TOKEN "
            "(in a workflow: `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`)"
        )
    head_repo = (head.get("repo") or {}).get("full_name") if pr else None
    # a fork whose repository was deleted has head.repo null: it is still not ours to write from
    same_pr = bool(pr) and pr.get("number") == number
    fork = same_pr and head_repo != ((base.get("repo") or {}).get("full_name") or repo)
    return PullRequest(
        repo=repo,
        number=number,
        sha=sha,
        token=token,
        api_url=(api_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        server_url=(env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
        fork=fork,
    )


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
