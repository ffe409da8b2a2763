"""A small GitHub REST client on ``urllib.request``: retries, pagination, limits and clear errors.

The bot needs a handful of endpoints, so a dependency-free client is enough. It retries
what is worth retrying (429, 5xx, secondary rate limits, dropped connections) with a
bounded exponential backoff that honours ``Retry-After``; the sleep function and the base
delay are parameters so the tests run instantly.

The network is not trusted either (docs/github-bot.md, "Security"): the token goes to the
configured API origin only (a redirect or a next-page link elsewhere is refused), every
call has a deadline that also covers a server dripping its answer byte by byte, bodies,
pages and requests are capped, and what GitHub says is echoed without the token or
control characters.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import io
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reviewer import __version__
from reviewer.terminal import printable

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = f"pmreview/{__version__} (+github review bot)"
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
DEFAULT_PORTS = {"http": 80, "https": 443}
CHUNK = 64 * 1024
MAX_ERROR_BODY = 64 * 1024
"""An error body is only read for GitHub's one-line explanation."""
MAX_MESSAGE = 500
"""Characters of a server's message worth echoing on one line."""


class GitHubError(Exception):
    """A request GitHub refused or that kept failing; ``status`` is 0 for network errors and limits."""

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        super().__init__(f"{method} {path}: {message}")
        self.status = status
        self.method = method
        self.path = path
        self.message = message


class _Refused(Exception):
    """Raised inside the opener (a redirect to another origin, a body over the cap): final, not retried."""


Origin = tuple[str, str, int]


def origin(url: str) -> Origin:
    """(scheme, host, port) of an http(s) URL; ValueError for anything else (``file:``, no host, bad port)."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL with a host: {url}")
    return scheme, parts.hostname.lower(), parts.port or DEFAULT_PORTS[scheme]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    data: Any = None


@dataclass
class GitHubClient:
    """Authenticated calls to one GitHub API root (github.com or an Enterprise server).

    ``timeout`` bounds one socket read; ``deadline`` one call from the first connection to
    the last byte, tries and waits included; ``max_pages`` one ``paginate``;
    ``max_requests`` the client's whole life (one bot run); ``max_body`` one response.
    """

    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    sleep: Callable[[float], None] = time.sleep
    base_delay: float = 1.0
    max_tries: int = 4
    max_delay: float = 60.0
    timeout: float = 30.0
    deadline: float = 180.0
    max_pages: int = 100
    max_requests: int = 1000
    max_body: int = 32 * 1024 * 1024
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    requests_made: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        self.origin = origin(self.api_url)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).data

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, body=body).data

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PATCH", path, body=body).data

    def paginate(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        """Every item of a list endpoint, following ``Link: <…>; rel="next"`` (100 per page).

        A next link that repeats a page already read, or more than ``max_pages`` pages, is
        an error: a server that never stops must not keep the job running.
        """
        items: list[Any] = []
        url: str | None = self._url(path, {"per_page": 100, **(params or {})})
        seen: set[str] = set()
        while url is not None:
            if url in seen:
                raise self._error(0, "GET", path, f"the next-page link repeats a page already read: {url}")
            if len(seen) >= self.max_pages:
                raise self._error(0, "GET", path, f"more than {self.max_pages} pages; stopping")
            seen.add(url)
            response = self._send("GET", url, None, path)
            if not isinstance(response.data, list):
                raise self._error(response.status, "GET", path, "expected a list in the response")
            items.extend(response.data)
            url = self._next(response.headers.get("link", ""), path)
        return items

    def request(self, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None) -> Response:
        return self._send(method, self._url(path, params), body, path)

    def _url(self, path: str, params: dict[str, Any] | None) -> str:
        url = f"{self.api_url}/{path.lstrip('/')}"
        return f"{url}?{urllib.parse.urlencode(params)}" if params else url

    def _next(self, link: str, path: str) -> str | None:
        """The next page; a link off the API origin is refused so the token never leaves it."""
        m = NEXT_LINK.search(link)
        if m is None:
            return None
        url = urllib.parse.urljoin(self.api_url + "/", m.group(1))
        try:
            same = origin(url) == self.origin
        except ValueError:
            same = False
        if not same:
            raise self._error(0, "GET", path, f"refusing to follow a next-page link to another origin: {url}")
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
        deadline = self.clock() + self.deadline
        for attempt in range(1, self.max_tries + 1):
            self.requests_made += 1
            if self.requests_made > self.max_requests:
                raise self._error(0, method, path, f"more than {self.max_requests} requests in one run; stopping")
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with self._open(request, deadline) as raw:
                    return Response(raw.status, _headers(raw.headers), _json(self._read(raw, self.max_body)))
            except urllib.error.HTTPError as exc:
                status, reply_headers = exc.code, _headers(exc.headers)
                message = _message(self._error_body(exc), status)
                delay = self._retry_delay(status, reply_headers, attempt)
                if delay is None:
                    raise self._error(status, method, path, message) from None
            except _Refused as exc:
                raise self._error(0, method, path, str(exc)) from None
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                if self.clock() >= deadline:
                    raise self._error(0, method, path, f"no complete answer within {self.deadline:g} s") from None
                reason = getattr(exc, "reason", None) or exc
                status, message = 0, f"cannot reach {self.api_url}: {reason}"
                delay = self.base_delay * 2 ** (attempt - 1) if attempt < self.max_tries else None
                if delay is None:
                    raise self._error(status, method, path, message) from None
            if self.clock() + delay >= deadline:
                raise self._error(0, method, path, f"no complete answer within {self.deadline:g} s") from None
            self.sleep(delay)
        raise AssertionError("unreachable")  # the last attempt either returns or raises

    def _open(self, request: urllib.request.Request, deadline: float) -> Any:
        """Open with redirects kept on the API origin and every socket read bounded by ``deadline``."""
        opener = urllib.request.build_opener(
            _SameOriginRedirects(self.origin),
            _DeadlineHTTPHandler(deadline, self.clock),
            _DeadlineHTTPSHandler(deadline, self.clock),
        )
        left = deadline - self.clock()
        if left <= 0:
            raise TimeoutError("deadline passed")
        return opener.open(request, timeout=min(self.timeout, left))

    def _read(self, raw: Any, limit: int, *, cut: bool = False) -> bytes:
        """The body in chunks, at most ``limit`` bytes: over it is an error, or with ``cut`` the first part."""
        declared = (raw.headers.get("Content-Length") or "").strip() if raw.headers is not None else ""
        if not cut and declared.isdigit() and int(declared) > limit:
            raise _Refused(f"the response is larger than {limit} bytes ({declared}); not read")
        chunks, size = [], 0
        while chunk := raw.read(CHUNK):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                if cut:
                    return b"".join(chunks)[:limit]
                raise _Refused(f"the response is larger than {limit} bytes; not read")
        return b"".join(chunks)

    def _error_body(self, exc: urllib.error.HTTPError) -> bytes:
        """What an error answer says, or nothing when reading it fails too (the status is enough)."""
        if exc.fp is None:
            return b""
        try:
            return self._read(exc, MAX_ERROR_BODY, cut=True)
        except (http.client.HTTPException, OSError):
            return b""

    def _error(self, status: int, method: str, path: str, message: str) -> GitHubError:
        """A GitHubError whose text can be echoed: no token, no control characters, one bounded line."""
        return GitHubError(status, method, self._clean(path), self._clean(message))

    def _clean(self, text: str) -> str:
        if self.token:
            text = text.replace(self.token, "***")
        text = printable(" ".join(text.split()))
        return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"

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


# ---------------------------------------------------------------------------- the opener


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect on the API origin; refuse one elsewhere.

    urllib copies ``Authorization`` onto the redirected request whatever its host, so a
    302 to another origin would hand it the token. Refusing (instead of following without
    the header) also keeps a hostile answer from steering what the bot reads.
    """

    def __init__(self, api_origin: Origin) -> None:
        super().__init__()
        self.api_origin = api_origin

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        try:
            same = origin(newurl) == self.api_origin
        except ValueError:
            same = False
        if not same:
            fp.close()
            raise _Refused(f"refusing to follow a redirect (HTTP {code}) to another origin: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _DeadlineReader(io.RawIOBase):
    """The socket as a raw stream whose every read waits no later than the deadline.

    urllib's ``timeout`` is per read: a server sending one byte a second keeps a request
    alive forever. Setting the socket's timeout to the time left before each read bounds
    the status line, the headers and the body alike.
    """

    def __init__(self, sock: socket.socket, deadline: float, read_timeout: float | None, clock: Callable[[], float]):
        super().__init__()
        self._sock, self._deadline, self._read_timeout, self._clock = sock, deadline, read_timeout, clock
        self._io = sock.makefile("rb", buffering=0)  # holds a reference, so urllib's sock.close() waits for it

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - self._clock()
        if left <= 0:
            raise TimeoutError("the answer took longer than the deadline")
        self._sock.settimeout(left if self._read_timeout is None else min(left, self._read_timeout))
        return self._io.readinto(buffer)

    def close(self) -> None:
        self._io.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, *args: Any, deadline: float, clock: Callable[[], float], **kwargs: Any):
        super().__init__(sock, *args, **kwargs)
        self.fp.close()
        self.fp = io.BufferedReader(_DeadlineReader(sock, deadline, sock.gettimeout(), clock))


def _deadline_connection(base: type[http.client.HTTPConnection], deadline: float, clock: Callable[[], float]):
    """``base`` whose responses read through a _DeadlineReader."""

    def make(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
        connection = base(*args, **kwargs)
        connection.response_class = functools.partial(_DeadlineResponse, deadline=deadline, clock=clock)
        return connection

    return make


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: float, clock: Callable[[], float]) -> None:
        super().__init__()
        self.connection = _deadline_connection(http.client.HTTPConnection, deadline, clock)

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self.connection, req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: float, clock: Callable[[], float]) -> None:
        super().__init__()
        self.connection = _deadline_connection(http.client.HTTPSConnection, deadline, clock)

    def https_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(self.connection, req, context=self._context)


# ---------------------------------------------------------------------------- bodies


def _headers(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers.items() if headers is not None else [])}


def _json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        return raw.decode("utf-8", "replace")


def _message(raw: bytes, status: int) -> str:
    """GitHub's own explanation (``message`` and validation ``errors``) with the status."""
    data = _json(raw)
    if isinstance(data, dict):
        text = str(data.get("message") or "")
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            details = "; ".join(
                str(e.get("message", json.dumps(e)))[:MAX_MESSAGE] if isinstance(e, dict) else str(e)[:MAX_MESSAGE]
                for e in errors[:5]
            )
            text = f"{text} ({details})" if text else details
    else:
        text = str(data or "").strip()[:200]
    return f"{text[:MAX_MESSAGE] or 'request failed'} (HTTP {status})"
