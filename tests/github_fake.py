"""A fake GitHub REST API on 127.0.0.1 for the review bot's tests.

It keeps the state the bot reads and writes (a pull request's files, review comments,
issue comments, reviews), records every request, paginates with ``Link`` headers,
checks the token, refuses review comments on lines outside the diff (422, like GitHub)
and can be told to misbehave: queued replies per endpoint (a status, a raw body, a
redirect, an answer dripped a byte at a time), endless pagination, or 403 on every write.
"""

from __future__ import annotations

import difflib
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
MAX_BODY = 65536
"""Characters GitHub accepts in one comment, review or issue body."""
TOO_LONG = {"message": "Validation Failed", "errors": [f"Body is too long (maximum is {MAX_BODY} characters)"]}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None


@dataclass
class Reply:
    """A queued answer that replaces the fake's own for one request (hostile-server tests)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # None: {"message": "injected STATUS"}
    drip: float = 0.0  # seconds between the bytes of the body (and of the headers, with drip_headers)
    drip_headers: bool = False
    length: bool = True  # send Content-Length; without it the body ends when the connection closes


def added_file_patch(text: str) -> str:
    """GitHub's ``patch`` of a new file: one hunk adding every line."""
    lines = text.splitlines()
    return f"@@ -0,0 +1,{len(lines)} @@\n" + "\n".join("+" + line for line in lines)


def modified_file_patch(old: str, new: str) -> str:
    """GitHub's ``patch`` of a modified file: the hunks of a unified diff, without file headers."""
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3)
    return "\n".join(line for line in diff if not line.startswith(("---", "+++")))


def right_lines(patch: str) -> set[int]:
    """New-file lines a review comment may point at: added and context lines of the hunks."""
    out: set[int] = set()
    line = None
    for raw in patch.splitlines():
        m = HUNK.match(raw)
        if m:
            line = int(m.group(1))
        elif line is not None and not raw.startswith(("-", "\\")):
            out.add(line)
            line += 1
    return out


class FakeGitHub:
    """One repository with one pull request; start() serves it on an ephemeral port."""

    def __init__(self, repo: str = "acme/ops", number: int = 7, token: str = "fake-token") -> None:
        self.repo, self.number, self.token = repo, number, token
        self.files: list[dict[str, Any]] = []
        self.review_comments: list[dict[str, Any]] = []
        self.issue_comments: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.requests: list[Request] = []
        self.queued: dict[tuple[str, str], list[Reply]] = {}
        self.endless: set[str] = set()  # paths whose every page links to one more
        self.forbid_writes = False
        self.page_size = 100
        self._ids = iter(range(1000, 10**6))
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- state helpers -----------------------------------------------------------------

    def add_file(self, filename: str, status: str = "added", patch: str | None = None) -> None:
        entry: dict[str, Any] = {"filename": filename, "status": status, "additions": 0, "deletions": 0}
        if patch is not None:
            entry["patch"] = patch
        self.files.append(entry)

    def add_issue_comment(self, body: str) -> dict[str, Any]:
        comment = {"id": next(self._ids), "body": body, "user": {"login": "someone"}}
        self.issue_comments.append(comment)
        return comment

    def add_review_comment(self, path: str, line: int, body: str) -> None:
        self.review_comments.append({"id": next(self._ids), "path": path, "line": line, "body": body})

    def queue(self, method: str, path: str, *replies: int | Reply) -> None:
        """The next requests to ``path`` (below the repository) get these answers, in order, then the real one."""
        queue = self.queued.setdefault((method, self.base + path), [])
        queue.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def summaries(self) -> list[dict[str, Any]]:
        return [
            c
            for c in self.issue_comments
            if isinstance(c, dict) and str(c.get("body")).lstrip().startswith("<!-- pmreview:summary -->")
        ]

    def writes(self) -> list[Request]:
        return [r for r in self.requests if r.method != "GET"]

    @property
    def base(self) -> str:
        return f"/repos/{self.repo}"

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- server ------------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_PATCH(self) -> None:
                fake._handle(self, "PATCH")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        split = urllib.parse.urlsplit(h.path)
        query = dict(urllib.parse.parse_qsl(split.query))
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        with self._lock:
            self.requests.append(Request(method, split.path, query, {k.lower(): v for k, v in h.headers.items()}, body))
            reply = self._route(method, split.path, query, body, h.headers.get("Authorization"))
        payload = reply.body if reply.body is not None else b""
        head = [f"HTTP/1.0 {reply.status} {h.responses.get(reply.status, ('',))[0]}", "Content-Type: application/json"]
        if reply.length:
            head.append(f"Content-Length: {len(payload)}")
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        raw_head = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        try:
            self._write(h, raw_head, reply.drip if reply.drip_headers else 0.0)
            self._write(h, payload, reply.drip)
        except OSError:  # the client gave up on a dripped answer
            h.close_connection = True

    @staticmethod
    def _write(h: BaseHTTPRequestHandler, data: bytes, drip: float) -> None:
        if not drip:
            h.wfile.write(data)
            return
        for i in range(len(data)):
            h.wfile.write(data[i : i + 1])
            h.wfile.flush()
            time.sleep(drip)

    def _route(self, method: str, path: str, query: dict[str, str], body: Any, auth: str | None) -> Reply:
        if auth != f"Bearer {self.token}":
            return _json(401, {}, {"message": "Bad credentials"})
        queue = self.queued.get((method, path))
        if queue:
            reply = queue.pop(0)
            return (
                reply
                if reply.body is not None
                else _json(reply.status, reply.headers, {"message": f"injected {reply.status}"})
            )
        return _json(*self._state(method, path, query, body))

    def _state(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
        """The answer from the kept state, as GitHub would give it."""
        if method != "GET" and self.forbid_writes:
            return 403, {}, {"message": "Resource not accessible by integration"}
        pr = f"{self.base}/pulls/{self.number}"
        issue = f"{self.base}/issues/{self.number}"
        if method == "GET" and path == f"{pr}/files":
            return self._page(path, query, self.files)
        if method == "GET" and path == f"{pr}/comments":
            return self._page(path, query, self.review_comments)
        if method == "GET" and path == f"{issue}/comments":
            return self._page(path, query, self.issue_comments)
        if method == "POST" and path == f"{pr}/reviews":
            return self._review(body)
        if method in ("POST", "PATCH") and len(str((body or {}).get("body", ""))) > MAX_BODY:
            return 422, {}, TOO_LONG
        if method == "POST" and path == f"{issue}/comments":
            comment = {"id": next(self._ids), "body": body["body"], "user": {"login": "github-actions[bot]"}}
            self.issue_comments.append(comment)
            return 201, {}, comment
        m = re.fullmatch(rf"{re.escape(self.base)}/issues/comments/(\d+)", path)
        if method == "PATCH" and m:
            for comment in self.issue_comments:
                if isinstance(comment, dict) and comment.get("id") == int(m.group(1)):
                    comment["body"] = body["body"]
                    return 200, {}, comment
        return 404, {}, {"message": "Not Found"}

    def _page(self, path: str, query: dict[str, str], items: list[Any]) -> tuple[int, dict[str, str], Any]:
        size = min(int(query.get("per_page", 30)), self.page_size)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(items) or path in self.endless:
            nxt = urllib.parse.urlencode({**query, "page": page + 1})
            headers["Link"] = f'<{self.url}{path}?{nxt}>; rel="next", <{self.url}{path}?page=1>; rel="first"'
        return 200, headers, chunk

    def _review(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        patches = {f.get("filename"): f.get("patch") or "" for f in self.files if isinstance(f, dict)}
        for c in body.get("comments", []):
            if len(c["body"]) > MAX_BODY:
                return 422, {}, TOO_LONG
            if c["path"] not in patches or c["line"] not in right_lines(patches[c["path"]]):
                return 422, {}, {"message": "Unprocessable Entity", "errors": ["line must be part of the diff"]}
        self.reviews.append(body)
        for c in body.get("comments", []):
            self.review_comments.append({"id": next(self._ids), **c, "commit_id": body.get("commit_id")})
        return 200, {}, {"id": next(self._ids), "state": "COMMENTED"}


def _json(status: int, headers: dict[str, str], data: Any) -> Reply:
    return Reply(status, headers, json.dumps(data).encode() if data is not None else b"")
