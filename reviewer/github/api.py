"""A small GitHub REST client on ``urllib.request``: retries, pagination and clear errors.

The bot needs a handful of endpoints, so a dependency-free client is enough. It retries
what is worth retrying (429, 5xx, secondary rate limits, dropped connections) with a
bounded exponential backoff that honours ``Retry-After``; the sleep function and the base
delay are parameters so the tests run instantly.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reviewer import __version__

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = f"pmreview/{__version__} (+github review bot)"
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class GitHubError(Exception):
    """A request GitHub refused or that kept failing; ``status`` is 0 for network errors."""

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        super().__init__(f"{method} {path}: {message}")
        self.status = status
        self.method = method
        self.path = path
        self.message = message


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    data: Any = None


@dataclass
class GitHubClient:
    """Authenticated calls to one GitHub API root (github.com or an Enterprise server)."""

    token: str
    api_url: str = DEFAULT_API_URL
    sleep: Callable[[float], None] = time.sleep
    base_delay: float = 1.0
    max_tries: int = 4
    max_delay: float = 60.0
    timeout: float = 30.0
    opener: Callable[..., Any] = field(default=urllib.request.urlopen, repr=False)

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).data

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, body=body).data

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PATCH", path, body=body).data

    def paginate(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        """Every item of a list endpoint, following ``Link: <…>; rel="next"`` (100 per page)."""
        items: list[Any] = []
        url: str | None = self._url(path, {"per_page": 100, **(params or {})})
        while url is not None:
            response = self._send("GET", url, None, path)
            if not isinstance(response.data, list):
                raise GitHubError(response.status, "GET", path, "expected a list in the response")
            items.extend(response.data)
            url = self._next(response.headers.get("link", ""), path)
        return items

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None) -> Response:
        return self._send(method, self._url(path, params), body, path)

    def _url(self, path: str, params: dict[str, Any] | None) -> str:
        url = f"{self.api_url}/{path.lstrip('/')}"
        return f"{url}?{urllib.parse.urlencode(params)}" if params else url

    def _next(self, link: str, path: str) -> str | None:
        """The next page; a link off the API host is refused so the token never leaves it."""
        m = NEXT_LINK.search(link)
        if m is None:
            return None
        url = m.group(1)
        if urllib.parse.urlsplit(url)[:2] != urllib.parse.urlsplit(self.api_url)[:2]:
            raise GitHubError(0, "GET", path, f"refusing to follow a next-page link to another host: {url}")
        return url

    def _send(self, method: str, url: str, body: Any, path: str) -> Response:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "Authorization": f"Bearer {self.token}",
            "User-Agent": USER_AGENT,
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(1, self.max_tries + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with self.opener(request, timeout=self.timeout) as raw:
                    return Response(raw.status, _headers(raw.headers), _json(raw.read()))
            except urllib.error.HTTPError as exc:
                status, reply_headers = exc.code, _headers(exc.headers)
                message = _message(exc.read() if exc.fp is not None else b"", status)
                delay = self._retry_delay(status, reply_headers, attempt)
                if delay is None:
                    raise GitHubError(status, method, path, message) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                status, message = 0, f"cannot reach {self.api_url}: {getattr(exc, 'reason', exc)}"
                delay = self.base_delay * 2 ** (attempt - 1) if attempt < self.max_tries else None
                if delay is None:
                    raise GitHubError(status, method, path, message) from None
            self.sleep(delay)
        raise AssertionError("unreachable")  # the last attempt either returns or raises

    def _retry_delay(self, status: int, headers: dict[str, str], attempt: int) -> float | None:
        """Seconds to wait before trying again, or None when the error is final."""
        rate_limited = status == 429 or (
            status == 403 and ("retry-after" in headers or headers.get("x-ratelimit-remaining") == "0")
        )
        if not (rate_limited or status >= 500) or attempt >= self.max_tries:
            return None
        delay = self.base_delay * 2 ** (attempt - 1)
        if "retry-after" in headers:
            with contextlib.suppress(ValueError):  # an HTTP date instead of seconds: keep the backoff
                delay = max(delay, float(headers["retry-after"]))
        elif headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset", "").isdigit():
            delay = max(delay, int(headers["x-ratelimit-reset"]) - time.time())
        return delay if delay <= self.max_delay else None  # not worth blocking a CI job for longer


def _headers(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers.items() if headers is not None else [])}


def _json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _message(raw: bytes, status: int) -> str:
    """GitHub's own explanation (``message`` and validation ``errors``) with the status."""
    data = _json(raw)
    if isinstance(data, dict):
        text = str(data.get("message") or "")
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            details = "; ".join(e.get("message", json.dumps(e)) if isinstance(e, dict) else str(e) for e in errors)
            text = f"{text} ({details})" if text else details
    else:
        text = str(data or "").strip()[:200]
    return f"{text or 'request failed'} (HTTP {status})"
