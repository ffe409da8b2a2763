"""The pull-request review: which files, which findings become comments, what is posted.

A review bot is only welcome when it talks about what the pull request changes and
never repeats itself. So: only the changed postmortems are reviewed, only findings that
touch an added line become line comments (each carrying its fingerprint, so a re-run
skips what it already said), and one summary comment is edited in place instead of a new
one per push. Where the token cannot write (a fork, a read-only workflow), the same
findings are printed as workflow-command annotations instead.

The pull request is written by a stranger and the API's answers are not trusted either
(docs/github-bot.md, "Security"): file names are checked before anything is read (no
absolute paths, no ``..``, no symbolic links), malformed list items are left out with a
warning, and what one run posts is capped to what GitHub accepts.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from reviewer.github.api import GitHubClient, GitHubError
from reviewer.github.event import PullRequest
from reviewer.terminal import one_line

if TYPE_CHECKING:
    from reviewer.engine import FileResult, Input, Options, Report
    from reviewer.findings import Finding, Severity
    from reviewer.ruleset import Rule

DEFAULT_GLOBS = ("postmortems/**", "**/postmortem*.md")
MARKDOWN = (".md", ".markdown")
SUMMARY_MARKER = "<!-- pmreview:summary -->"
FINGERPRINT = re.compile(r"<!-- pmreview:fingerprint=([0-9a-f]+) -->")


@dataclass(frozen=True)
class Limits:
    """What one run posts at most.

    GitHub refuses a comment body over 65,536 characters (and the whole review with it);
    it documents no cap on the comments of one review, but large ones time out and count
    against the secondary rate limit for content creation, so one run posts a screenful.
    Bodies are measured in UTF-8 bytes, which is never less than GitHub's count.
    """

    comments: int = 50  # line comments in one review
    body: int = 65_000  # UTF-8 bytes of one comment body (the summary, a line comment, the review's own)


LIMITS = Limits()


# ---------------------------------------------------------------------------- globs


@cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob as a regex: ``**`` spans folders, ``*`` and ``?`` stay inside one, ``[…]`` a class.

    ``dir/**`` is everything below ``dir``; ``**/name`` is ``name`` at any depth, the top
    included. Matching is on the whole repository-relative path and case-sensitive, like git.
    """
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and (end := _class_end(pattern, i)) != -1:
            body = pattern[i + 1 : end]
            if body[0] in "!^":
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _class_end(pattern: str, i: int) -> int:
    """Index of the ``]`` closing the class opened at ``i`` (a leading ``]`` is literal), or -1."""
    j = i + 1
    if pattern[j : j + 1] in ("!", "^"):
        j += 1
    if pattern[j : j + 1] == "]":
        j += 1
    return pattern.find("]", j)


def wanted(path: str, globs: Sequence[str]) -> bool:
    """A Markdown file (``.md``/``.markdown``) that one of ``globs`` matches."""
    return path.lower().endswith(MARKDOWN) and any(glob_regex(g.lstrip("/")).match(path) for g in globs)


# ---------------------------------------------------------------------------- paths


def malformed_path(path: str) -> str | None:
    """Why a listed file name cannot be a file of the repository, or None.

    Git stores no absolute path, no ``.``/``..``/empty part and nothing in ``.git``, so a
    name like that means the answer is not GitHub's own: it is refused before any glob sees it.
    """
    if "\x00" in path:
        return "contains a NUL character"
    if path.startswith("/"):
        return "is an absolute path"
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "is not a plain relative path (it has an empty, '.' or '..' part)"
    if any(part.lower() == ".git" for part in parts):
        return "lies inside .git"
    return None


def unsafe_name(path: str) -> str | None:
    """Why a well-formed name is still not read, or None: what git allows but this bot does not.

    Control characters would reach the log and the comments; a backslash or a drive letter
    is a separator or a root on Windows runners.
    """
    if one_line(path) != path:
        return "contains control characters"
    if "\\" in path or re.match(r"[A-Za-z]:", path):
        return "contains a backslash or a drive letter"
    return None


def checkout_problem(path: str, root: Path) -> str | None:
    """Why ``root/path`` must not be read, or None (a missing file is left to the engine to report).

    Every part is checked with ``lstat``: a symbolic link is refused wherever it points,
    even inside the checkout, because the checkout holds what must never be quoted
    (``.git/config`` carries the workflow's credentials).
    """
    here = root
    parts = path.split("/")
    mode = 0
    for i, part in enumerate(parts, 1):
        here = here / part
        try:
            mode = os.lstat(here).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            if i == len(parts):
                return "is a symbolic link; the bot does not follow links (docs/github-bot.md#security)"
            return f"lies below a symbolic link ({'/'.join(parts[:i])}); the bot does not follow links"
    if stat.S_ISDIR(mode):
        return "is a directory"
    if not stat.S_ISREG(mode):
        return "is not a regular file"
    return None


# ---------------------------------------------------------------------------- API data


FILE_FIELDS = {"filename": (str, True), "status": (str, True), "patch": (str, False), "additions": (int, False)}
REVIEW_COMMENT_FIELDS = {"path": (str, True), "body": (str, False)}
ISSUE_COMMENT_FIELDS = {"id": (int, True), "body": (str, False)}


def well_formed(item: Any, fields: dict[str, tuple[type, bool]]) -> bool:
    """A JSON object whose ``fields`` have their types (a required one present; an optional one may be null).

    Integers are not booleans and not negative: an ``id`` or a count never is.
    """
    if not isinstance(item, dict):
        return False
    for name, (kind, required) in fields.items():
        value = item.get(name)
        if value is None:
            if required:
                return False
            continue
        if not isinstance(value, kind) or (kind is int and (isinstance(value, bool) or value < 0)):
            return False
    return True


def valid_items(
    items: list[Any],
    fields: dict[str, tuple[type, bool]],
    what: str,
    err: TextIO,
    check: Callable[[dict[str, Any]], bool] | None = None,
) -> list[dict[str, Any]]:
    """The items that are well formed (and pass ``check``); one warning line for the rest."""
    kept = [item for item in items if well_formed(item, fields) and (check is None or check(item))]
    if len(kept) < len(items):
        left = len(items) - len(kept)
        print(f"pmreview: warning: left out {_n(left, 'malformed item')} of the {what} GitHub returned", file=err)
    return kept


# ---------------------------------------------------------------------------- plan


@dataclass
class ChangedFile:
    """A postmortem the pull request adds or modifies, with the new-file numbers of its added lines.

    ``every_line``: a new file whose patch GitHub left out, all of it is new (a set of its
    line numbers would be as large as the API's ``additions`` says). ``problem``: why it
    is refused unread.
    """

    path: str
    status: str
    added: set[int]
    every_line: bool = False
    problem: str | None = None

    def is_added(self, line: int) -> bool:
        return self.every_line or line in self.added


@dataclass
class Comment:
    path: str
    line: int
    fingerprint: str
    body: str
    finding: Finding

    def payload(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "side": "RIGHT", "body": self.body}


@dataclass
class Plan:
    """What the findings of the reviewed files turn into."""

    comments: list[Comment] = field(default_factory=list)  # on an added line
    whole_document: list[Finding] = field(default_factory=list)  # summary only
    elsewhere: list[Finding] = field(default_factory=list)  # lines the PR did not touch: summary only

    @property
    def gated(self) -> list[Finding]:
        """The findings that decide the exit code and the fallback annotations."""
        return [c.finding for c in self.comments] + self.whole_document


def changed_files(files: Iterable[dict[str, Any]], globs: Sequence[str], root: Path | None = None) -> list[ChangedFile]:
    """The pull request's files worth reviewing: matching ``globs``, not removed; refused ones carry a ``problem``.

    ``files`` are well formed (``FILE_FIELDS``); ``root`` is the checkout (the working directory).
    """
    from reviewer.diff import added_lines

    root = root or Path.cwd()
    out = []
    for f in files:
        path, status = f["filename"], f["status"]
        if status == "removed":
            continue
        problem = malformed_path(path)
        if problem is None:
            if not wanted(path, globs):
                continue
            problem = unsafe_name(path) or checkout_problem(path, root)
        if problem is not None:
            out.append(ChangedFile(one_line(path), status, set(), problem=problem))
            continue
        patch = f.get("patch")
        try:
            added = added_lines(patch) if patch is not None else set()
        except ValueError:  # a hunk header with thousands of digits: int() refuses it
            out.append(ChangedFile(path, status, set(), problem="GitHub's patch of it cannot be read"))
            continue
        # GitHub leaves out the patch of very large diffs; every line of a new file is new
        every_line = patch is None and status == "added" and bool(f.get("additions"))
        out.append(ChangedFile(path, status, added, every_line))
    return out


def plan(report: Report, changed: dict[str, ChangedFile], limits: Limits = LIMITS) -> Plan:
    """Sort every finding: a line comment, a whole-document finding, or one the PR did not cause."""
    result = Plan()
    for file in report.files:
        entry = changed.get(file.path)
        for f in file.findings:
            if f.whole_document:
                result.whole_document.append(f)
                continue
            # an end at column 1 of the next line does not touch that line
            last = f.end_line - 1 if f.end_line > f.line and f.end_column == 1 else f.end_line
            line = next((n for n in range(f.line, last + 1) if entry is not None and entry.is_added(n)), None)
            if line is None:
                result.elsewhere.append(f)
            else:
                result.comments.append(
                    Comment(file.path, line, f.fingerprint, comment_body(f, file, line, limits.body), f)
                )
    return result


# ---------------------------------------------------------------------------- bodies


def comment_body(f: Finding, file: FileResult, line: int, limit: int = LIMITS.body) -> str:
    """What a reviewer needs without leaving the diff: the problem, how to fix it, why, and the fix itself.

    The suggestion holds a whole line of the document, which may be as long as the file:
    when the body would pass ``limit`` it is left out (with a note), then the rest is cut.
    """
    marker = f"<!-- pmreview:fingerprint={f.fingerprint} -->"
    suggestion = suggested_line(f, file, line)
    text = _comment_text(f, suggestion)
    if suggestion is not None and _size(text) + _size(marker) + 2 > limit:
        text = _comment_text(f, None) + "\n\n*The suggested line is too long for a comment.*"
    return fit(text, limit - _size(marker) - 2, " …") + "\n\n" + marker


def _comment_text(f: Finding, suggestion: str | None) -> str:
    from reviewer.docs import rule_url
    from reviewer.formatters.markdown import escape  # quoted draft text must not ping @handles or become HTML

    parts = [f"**{f.code}** {f.name}: {escape(f.message)}"]
    if f.fix and suggestion is None:
        parts.append(f"**Fix:** {escape(f.fix)}")
    rule = _rule(f.code)
    why = _first_sentence(str(rule.docs.get("why", ""))) if rule is not None else ""
    parts.append((f"**Why:** {why} " if why else "") + f"[{f.code} explained]({rule_url(f.code)})")
    if suggestion is not None:
        fence = "`" * max(3, _longest_backtick_run(suggestion) + 1)
        parts.append(f"{fence}suggestion\n{suggestion}\n{fence}")
    return "\n\n".join(parts)


def suggested_line(f: Finding, file: FileResult, line: int) -> str | None:
    """The full new text of ``line`` when the finding's first replacement lies on that one line."""
    source = file.source
    s = next((s for s in f.suggestions if s.start is not None), None)
    if s is None or source is None or s.end is None:
        return None
    first, _ = source.position(s.start)
    last, _ = source.position(s.end)
    if not first == last == line:
        return None
    start = source.offset(line)
    text = source.line_text(line)
    return text[: s.start - start] + s.text + text[s.end - start :]


SUMMARY_CUT = (
    "\n\n---\n*pmreview: the summary is cut here, at the size GitHub allows for a comment. "
    "Run `pmreview review` on the changed postmortems to see all of it.*\n"
)


def summary_body(report: Report, result: Plan, pr: PullRequest, held: int = 0, limits: Limits = LIMITS) -> str:
    """The hidden marker, the counts by where the findings are, then the ``markdown`` format.

    ``held``: findings on changed lines left uncommented by the cap on one review. The
    body is cut at ``limits.body`` (a note says so), the marker always kept.
    """
    from reviewer.formatters import FORMATS

    link = f"{pr.server_url}/{pr.repo}/blob/{pr.sha}/" + "{path}#L{line}"
    not_commented = f" ({held} more not commented: at most {limits.comments} line comments per run)" if held else ""
    counts = (
        f"{_n(len(result.comments), 'finding')} on changed lines{not_commented}, "
        f"{len(result.whole_document)} about whole documents, "
        f"{len(result.elsewhere)} elsewhere in the changed files (not commented)."
    )
    body = f"{SUMMARY_MARKER}\n{counts}\n\n{FORMATS['markdown'](report, link=link).rstrip()}\n"
    return fit(body, limits.body, SUMMARY_CUT)


def no_files_body(globs: Sequence[str]) -> str:
    shown = ", ".join(f"`{g}`" for g in globs)
    return f"{SUMMARY_MARKER}\npmreview: this pull request no longer changes any postmortem ({shown}).\n"


def review_body(n: int, held: int = 0) -> str:
    more = f" {held} more are in the summary comment only; the next run comments on them." if held else ""
    return (
        f"pmreview: {_n(n, 'new finding')} on the lines this pull request changes.{more} "
        "The pmreview summary comment has the counts for the whole of each changed postmortem."
    )


def fit(text: str, limit: int, note: str) -> str:
    """``text`` if it has at most ``limit`` UTF-8 bytes, else its first whole lines and ``note`` within that."""
    if _size(text) <= limit:
        return text
    cut = text.encode("utf-8")[: max(0, limit - _size(note))].decode("utf-8", "ignore")
    if "\n" in cut:  # whole lines: no half a table row, link or marker
        cut = cut[: cut.rindex("\n")]
    return cut.rstrip() + note


def first_comments(comments: list[Comment], n: int) -> tuple[list[Comment], list[Comment]]:
    """The ``n`` comments to post (most severe first, then file and line order) and the ones held back."""
    ranked = sorted(comments, key=lambda c: -int(c.finding.severity))
    return ranked[:n], ranked[n:]


# ---------------------------------------------------------------------------- run


@dataclass
class Outcome:
    exit_code: int
    reviewed: list[str] = field(default_factory=list)
    posted: int = 0  # line comments posted in this run
    summary: str | None = None  # "created", "updated", "unchanged" or None
    fallback: bool = False


def run(
    client: GitHubClient,
    pr: PullRequest,
    options: Options,
    *,
    globs: Sequence[str] = DEFAULT_GLOBS,
    fail_on: Severity | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    limits: Limits = LIMITS,
) -> Outcome:
    """Review the pull request's changed postmortems and post (or print) the result.

    Raises GitHubError for what cannot be worked around (bad token, unknown pull request,
    GitHub down, a limit of the client); a refused write (403, or 422 for a line outside
    the diff) falls back to annotations. The exit code follows ``review``: 1 when a gated
    finding is at or above the threshold, 2 when a changed file could not be read or was
    refused. Files are read from the working directory, the checkout.
    """
    from reviewer.engine import review_inputs

    out = out or sys.stdout
    err = err or sys.stderr
    listed = client.paginate(f"{pr.base}/pulls/{pr.number}/files")
    files = valid_items(listed, FILE_FIELDS, "pull request's files", err)
    selected = changed_files(files, globs, Path.cwd())
    changed = {f.path: f for f in selected if f.problem is None}
    bot = _Writer(client, pr, err, limits)
    if not selected:
        print(f"pmreview: no changed postmortems match {one_line(', '.join(globs))}", file=err)
        if not pr.fork:
            bot.summary(no_files_body(globs), create=False)
        return Outcome(0, summary=bot.summary_state, fallback=bot.fallback)

    report = review_inputs(_inputs(selected), options)
    result = plan(report, changed, limits)
    held: list[Comment] = []
    if pr.fork:
        print("pmreview: a pull request from a fork: the token cannot comment, printing annotations", file=err)
        bot.fallback = True
    else:
        comments = valid_items(
            client.paginate(f"{pr.base}/pulls/{pr.number}/comments"), REVIEW_COMMENT_FIELDS, "review comments", err
        )
        seen = {(c["path"], m.group(1)) for c in comments for m in FINGERPRINT.finditer(c.get("body") or "")}
        new, held = first_comments([c for c in result.comments if (c.path, c.fingerprint) not in seen], limits.comments)
        bot.review(new, held=len(held))
        bot.summary(summary_body(report, result, pr, held=len(held), limits=limits), create=True)
    if bot.fallback:
        out.write(annotations(report, result))
    threshold = fail_on if fail_on is not None else report.fail_on()
    for error in report.errors:
        print(f"pmreview: error: {one_line(error)}", file=err)
    code = 2 if report.errors else 1 if any(f.severity >= threshold for f in result.gated) else 0
    not_posted = f", {len(held)} held back by the cap of {limits.comments} per run" if held else ""
    print(
        f"pmreview: reviewed {_n(len(report.files), 'file')}: {len(result.comments)} on changed lines "
        f"({bot.posted} newly commented{not_posted}), {len(result.whole_document)} whole-document, "
        f"{len(result.elsewhere)} elsewhere; summary {bot.summary_state or 'not written'}",
        file=err,
    )
    return Outcome(code, [f.path for f in report.files], bot.posted, bot.summary_state, bot.fallback)


def _inputs(selected: list[ChangedFile]) -> list[Input | FileResult]:
    """What the engine reads: the accepted files (through ``expand``), then the refused ones as errors, unread."""
    from reviewer.engine import FileResult, expand

    refused = [FileResult(f.path, error=f"{f.path}: {f.problem}") for f in selected if f.problem is not None]
    return [*expand([f.path for f in selected if f.problem is None]), *refused]


def annotations(report: Report, result: Plan) -> str:
    """``FORMATS["github"]`` over the gated findings only, as the review comments would have been."""
    from reviewer.engine import Report
    from reviewer.formatters import FORMATS

    keep = {id(f) for f in result.gated}
    files = [dataclass_replace(r, findings=[f for f in r.findings if id(f) in keep]) for r in report.files]
    return FORMATS["github"](Report(files, report.rules))


class _Writer:
    """The writes, each of which may be refused: a refusal switches to annotations."""

    def __init__(self, client: GitHubClient, pr: PullRequest, err: TextIO, limits: Limits = LIMITS) -> None:
        self.client, self.pr, self.err, self.limits = client, pr, err, limits
        self.fallback = pr.fork
        self.blocked = pr.fork  # no point in trying more writes after a 403
        self.posted = 0
        self.summary_state: str | None = None

    def review(self, comments: list[Comment], held: int = 0) -> None:
        if not comments or self.blocked:
            return
        body = {
            "commit_id": self.pr.sha,
            "event": "COMMENT",
            "body": review_body(len(comments), held),
            "comments": [c.payload() for c in comments],
        }
        if self._write("POST", f"{self.pr.base}/pulls/{self.pr.number}/reviews", body):
            self.posted = len(comments)

    def summary(self, body: str, *, create: bool) -> None:
        if self.blocked:
            return
        comments = valid_items(
            self.client.paginate(f"{self.pr.base}/issues/{self.pr.number}/comments"),
            ISSUE_COMMENT_FIELDS,
            "issue comments",
            self.err,
            check=lambda c: c["id"] > 0,
        )
        existing = next((c for c in comments if (c.get("body") or "").lstrip().startswith(SUMMARY_MARKER)), None)
        if existing is not None:
            if _same(existing.get("body") or "", body):
                self.summary_state = "unchanged"
            elif self._write("PATCH", f"{self.pr.base}/issues/comments/{existing['id']}", {"body": body}):
                self.summary_state = "updated"
        elif create and self._write("POST", f"{self.pr.base}/issues/{self.pr.number}/comments", {"body": body}):
            self.summary_state = "created"

    def _write(self, method: str, path: str, body: dict[str, Any]) -> bool:
        try:
            self.client.request(method, path, body=body)
        except GitHubError as exc:
            if exc.status == 403:
                print(
                    f"pmreview: warning: GitHub refused to write ({exc}); printing annotations instead. "
                    "Give the workflow `permissions: pull-requests: write`.",
                    file=self.err,
                )
                self.fallback = self.blocked = True
                return False
            if exc.status == 422 and path.endswith("/reviews"):
                print(
                    f"pmreview: warning: GitHub rejected the review ({exc}); is the checkout the pull request's "
                    "head commit? Printing annotations instead.",
                    file=self.err,
                )
                self.fallback = True
                return False
            raise
        return True


# ---------------------------------------------------------------------------- helpers


@cache
def _rules_by_code() -> dict[str, Rule]:
    from reviewer.ruleset import default_rules

    return {r.code: r for r in default_rules()}


def _rule(code: str) -> Rule | None:
    return _rules_by_code().get(code)


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    m = re.search(r"(?<=[.!?])\s+(?=[A-Z(\"'])", text)
    return text[: m.start()] if m else text


def _longest_backtick_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def _same(old: str, new: str) -> bool:
    """GitHub may hand a body back with CRLF line ends; that is not a change."""
    return old.replace("\r\n", "\n").strip() == new.replace("\r\n", "\n").strip()


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
