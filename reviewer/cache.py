"""A results cache, so re-running on unchanged drafts (a pre-commit hook, a CI re-run)
skips Markdown parsing, spaCy and the rules entirely.

One JSON file per (file content, path, effective settings, rule data, pmreview
version), under ``.pmreview_cache/`` in the working directory (``--cache-dir`` or
``PMREVIEW_CACHE_DIR`` to move it, ``--no-cache`` to bypass it). Entries are written
atomically, so a crash never leaves a half-written one; a corrupt entry is a miss.

The cache folder sits in the checkout, and a pull request can commit one: entries are
named by a keyed hash whose key is a secret of this user (``cache-key`` in the user's
cache folder, created once, mode 0600), so an entry the machine did not write itself is
never found, and a committed entry cannot say "no findings" for a blameful draft. A
cache folder that a symbolic link takes out of the working tree is not used at all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict
from functools import cache
from pathlib import Path

from reviewer import __version__
from reviewer.findings import Finding, Severity, Suggestion
from reviewer.resources import models_dir, rules_dir
from reviewer.workspace import escapes, repo_root, write_atomic

FORMAT = 3  # 3: suggestions carry `safe`


@cache
def data_digest() -> str:
    """Everything shipped that changes results: the code, rule files, lexicons, the trained model."""
    h = hashlib.sha256(f"{__version__}/{FORMAT}".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.read_bytes())
    for path in sorted(rules_dir().rglob("*.yml")):
        h.update(path.relative_to(rules_dir()).as_posix().encode())
        h.update(path.read_bytes())
    for path in sorted(models_dir().glob("*.json")):
        h.update(path.read_bytes())
    return h.hexdigest()


@cache
def user_secret() -> bytes | None:
    """This user's cache key, created on first use; None where no private file can be kept."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pmreview"
    path = base / "cache-key"
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            secret = path.read_bytes()
        else:
            secret = os.urandom(32)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secret)
    except (OSError, RuntimeError):
        return None
    return secret if len(secret) == 32 else None


def seal(payload: bytes) -> str | None:
    """A tag proving this user wrote ``payload`` (HMAC-SHA256 with ``user_secret``), or None
    where there is no secret, in which case nothing should be cached."""
    secret = user_secret()
    return None if secret is None else hmac.new(secret, payload, hashlib.sha256).hexdigest()


def sealed(payload: bytes, tag: object) -> bool:
    """Did this user write ``payload``? For every cache kept in a folder a pull request can fill."""
    expected = seal(payload)
    return expected is not None and isinstance(tag, str) and hmac.compare_digest(expected, tag)


class ResultCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.secret = None if escapes(directory, repo_root()) else user_secret()

    @property
    def usable(self) -> bool:
        return self.secret is not None

    def key(self, path: str, data: bytes, settings: str) -> str:
        h = hmac.new(self.secret or b"", digestmod=hashlib.sha256)
        for part in (data_digest(), settings, path):
            h.update(part.encode())
            h.update(b"\0")
        h.update(data)
        return h.hexdigest()

    def get(self, key: str) -> tuple[list[Finding], list[dict], dict | None] | None:
        if not self.usable:
            return None
        entry = self.directory / key[:2] / f"{key}.json"
        try:
            raw = json.loads(entry.read_text(encoding="utf-8"))
            timeline = raw.get("timeline")
            return (
                [_finding(f) for f in raw["findings"]],
                list(raw["actions"]),
                timeline if isinstance(timeline, dict) else None,
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(  # type: ignore[assignment]
        self, key: str, findings: list[Finding], actions: list[dict] = (), timeline: dict | None = None
    ) -> None:
        if not self.usable:
            return
        folder = self.directory / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if not (self.directory / "CACHEDIR.TAG").exists():
                (self.directory / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")
                (self.directory / ".gitignore").write_text("*\n")
            payload = json.dumps(
                {"findings": [_dump(f) for f in findings], "actions": list(actions), "timeline": timeline},
                ensure_ascii=False,
            )
            write_atomic(folder / f"{key}.json", payload.encode("utf-8"))
        except OSError:
            pass  # a read-only checkout still gets its review, just not cached


def _dump(f: Finding) -> dict:
    d = asdict(f)
    d["severity"] = int(f.severity)
    return d


def _finding(d: dict) -> Finding:
    d = dict(d)
    d["severity"] = Severity(d["severity"])
    d["suggestions"] = [Suggestion(**s) for s in d["suggestions"]]
    if "sentence" in d.get("data", {}):
        d["data"]["sentence"] = tuple(d["data"]["sentence"])
    return Finding(**d)
