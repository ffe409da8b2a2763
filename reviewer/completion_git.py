"""When an action item was ticked, from git: the date of the commit that marked it done.

When the corpus folder is inside a git repository and the document does not say when an item
was done, the commit that made its checkbox line ``- [x] …`` (or its table row) what it is now
is the best record of the day it was done. One ``git blame --line-porcelain HEAD -- FILE`` per
file gives, for every line of the committed file, the last commit that changed it; the item's
date is that commit's author date, in the author's time zone.

The approximation, stated where it is used (docs/report.md):

* blame names the commit that *last* changed the line. When the box was ticked and the text
  after it was edited later, the date is the later edit's, so the item looks done later than
  it was (never earlier). A line written already ticked gets the day it was written down.
* A table row's date is the last change to any cell of the row.
* Only committed lines count: a line the working tree changed since ``HEAD`` is matched by its
  text to a committed line, else it has no git date. Items that are not checkboxes or table rows
  (a bullet under a "Completed" heading) get none: their line says nothing about when.
* A shallow clone (CI's default checkout) attributes every old line to its boundary commit, so
  no git dates are read from one; the report says so.

Safety: a corpus can come from a stranger's pull request, with a ``.git`` of its own. git runs
without a shell, with the arguments as a list, a timeout, no pager, no system or global
configuration, and with every setting that could run a program or reach the network overridden:
no fsmonitor, no hooks, no textconv, no external diff, no transport protocol (so a partial clone
cannot fetch). A repository's own ``.git/config`` can still make blame fail (a
``blame.ignoreRevsFile`` that does not exist) or skip commits; it cannot make it run anything, and
whoever wrote that ``.git`` could forge every commit date anyway. A pull request cannot write it. The runner is reviewer/git.py, shared with ``--diff-base``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from reviewer.cache import seal, sealed
from reviewer.git import GitUnavailable, run_git
from reviewer.source import read_bounded
from reviewer.workspace import write_atomic

CACHE_VERSION = 1
CACHE_LIMIT = 32 * 1024 * 1024
DONE_LINE = re.compile(r"^\s{0,12}(?:[-*+]|\d{1,9}[.)])\s+\[[xX]\]|^\s{0,3}\|")


def repository(folder: Path) -> Path:
    """The top of the repository ``folder`` is in; GitUnavailable when there is none usable."""
    try:
        out = run_git(["rev-parse", "--show-toplevel", "--is-shallow-repository"], folder).splitlines()
    except GitUnavailable as exc:
        raise GitUnavailable("not in a git repository" if "not a git repository" in str(exc) else str(exc)) from None
    if len(out) < 2 or not out[0]:
        raise GitUnavailable("not a git repository")
    if out[1].strip() == "true":
        raise GitUnavailable("a shallow clone (fetch the full history for completion dates)")
    return Path(out[0])


def blobs(root: Path, folder: Path) -> dict[str, str]:
    """Path under ``folder`` (relative to it, forward slashes) -> its blob id at HEAD."""
    rel = folder.resolve().relative_to(root.resolve()).as_posix()
    out = run_git(["ls-tree", "-r", "-z", "--full-tree", "HEAD", "--", "." if rel == "." else rel], root)
    prefix = "" if rel == "." else rel + "/"
    found = {}
    for entry in filter(None, out.split("\0")):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob" and path.startswith(prefix):
            found[path[len(prefix) :]] = parts[2]
    return found


def _author_day(seconds: str, tz: str) -> str | None:
    """The author date's day in the author's own zone (``-0500``): when they ticked it, locally."""
    m = re.fullmatch(r"([+-])(\d{2})(\d{2})", tz)
    try:
        offset = timedelta(hours=int(m.group(2)), minutes=int(m.group(3))) if m else timedelta()
        if m and m.group(1) == "-":
            offset = -offset
        moment = datetime.fromtimestamp(int(seconds), UTC).astimezone(timezone(offset))
    except (ValueError, OverflowError, OSError):
        return None
    return moment.date().isoformat()


def parse_blame(porcelain: str) -> list[tuple[str, str | None]]:
    """``git blame --line-porcelain`` -> per line of the file (in order): (its text, the day of the
    commit that last changed it). Each line's group has its own full header."""
    out: list[tuple[str, str | None]] = []
    seconds = tz = None
    for raw in porcelain.split("\n"):
        if raw.startswith("\t"):
            out.append((raw[1:], _author_day(seconds, tz or "+0000") if seconds else None))
            seconds = tz = None
        elif raw.startswith("author-time "):
            seconds = raw[12:].strip()
        elif raw.startswith("author-tz "):
            tz = raw[10:].strip()
    return out


def blame_days(root: Path, path: str) -> dict[int, tuple[str, str]]:
    """Line number (1-based, in HEAD's file) -> (text, day) for the lines that look done (a ticked
    checkbox or a table row): one git call."""
    lines = parse_blame(
        run_git(["blame", "--line-porcelain", "--root", "--no-textconv", "--no-ext-diff", "HEAD", "--", path], root)
    )
    return {n: (text[:300], day) for n, (text, day) in enumerate(lines, 1) if day and DONE_LINE.match(text)}


def completion_days(
    folder: Path, wanted: dict[str, dict[int, str]], cache_file: Path | None = None
) -> tuple[dict[str, dict[int, str]], str | None]:
    """Git completion days for the items ``wanted``: {path under ``folder``: {line: that line's
    text now}} -> ({path: {line: ISO day}}, why there are none or None).

    A line gets the day of the committed line at the same number when the text is the same,
    else of the one committed done line with exactly that text. Results are cached per file and
    HEAD blob in ``cache_file`` (sealed, like the report's other caches), so a warm report runs
    two git commands whatever the corpus size."""
    if not wanted:
        return {}, None
    try:
        root = repository(folder)
        heads = blobs(root, folder)
    except (GitUnavailable, ValueError) as exc:
        return {}, str(exc) if isinstance(exc, GitUnavailable) else "the corpus is outside its repository"
    prefix = folder.resolve().relative_to(root.resolve()).as_posix()
    cache = _load(cache_file) if cache_file else {}
    fresh: dict[str, dict] = {}
    out: dict[str, dict[int, str]] = {}
    problem = None
    for path in sorted(wanted):
        blob = heads.get(path)
        if blob is None:
            continue  # not committed
        key = f"{path}\0{blob}"
        entry = cache.get(key)
        if entry is None:
            try:
                committed = blame_days(root, path if prefix == "." else f"{prefix}/{path}")
            except GitUnavailable as exc:
                problem = problem or str(exc)
                continue
            entry = {str(n): list(v) for n, v in committed.items()}
        fresh[key] = entry
        days = {int(n): (t, d) for n, (t, d) in entry.items()}
        by_text: dict[str, list[str]] = {}
        for t, d in days.values():
            by_text.setdefault(t, []).append(d)
        found = {}
        for line, text in wanted[path].items():
            same = days.get(line)
            if same is not None and same[0] == text[:300]:
                found[line] = same[1]
            elif len(by_text.get(text[:300], ())) == 1:
                found[line] = by_text[text[:300]][0]
        if found:
            out[path] = found
    if cache_file is not None:
        current = {k: v for k, v in cache.items() if heads.get(k.partition("\0")[0]) == k.partition("\0")[2]}
        merged = current | fresh  # files not asked about this time stay cached while unchanged
        if merged != cache:
            _save(cache_file, merged)
    return out, problem


def _canonical(entries: dict) -> bytes:
    return hashlib.sha256(json.dumps(entries, sort_keys=True, separators=(",", ":")).encode()).digest()


def _load(path: Path) -> dict[str, dict]:
    """The cached blame days, if this user wrote them (the folder may come from a pull request)."""
    try:
        data = json.loads(read_bounded(path, CACHE_LIMIT)[:CACHE_LIMIT])
        entries = data["files"]
        if data.get("version") != CACHE_VERSION or not sealed(_canonical(entries), data.get("seal")):
            return {}
    except (OSError, ValueError, AttributeError, KeyError, TypeError, RecursionError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {
        k: v
        for k, v in entries.items()
        if isinstance(v, dict)
        and all(
            isinstance(n, str)
            and n.isdigit()
            and isinstance(x, list)
            and len(x) == 2
            and all(isinstance(s, str) for s in x)
            and _valid_day(x[1])
            for n, x in v.items()
        )
    }


def _valid_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _save(path: Path, entries: dict[str, dict]) -> None:
    """Atomic; a read-only corpus or no user secret just leaves it cold."""
    tag = seal(_canonical(entries))
    if tag is None:
        return
    body = json.dumps({"version": CACHE_VERSION, "files": entries, "seal": tag}, separators=(",", ":"))
    with contextlib.suppress(OSError):
        write_atomic(path, body.encode("utf-8"))
