"""The pull-request review: which files, which findings become comments, what is posted.

A review bot is only welcome when it talks about what the pull request changes and
never repeats itself. So: only the changed postmortems are reviewed, only findings that
touch an added line become line comments (each carrying its fingerprint, so a re-run
skips what it already said), and one summary comment is edited in place instead of a new
one per push. Where the token cannot write (a fork, a read-only workflow), the same
findings are printed as workflow-command annotations instead.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from functools import cache
from typing import TYPE_CHECKING, Any, TextIO

from reviewer.github.api import GitHubClient, GitHubError
from reviewer.github.event import PullRequest

if TYPE_CHECKING:
    from reviewer.engine import FileResult, Options, Report
    from reviewer.findings import Finding, Severity
    from reviewer.ruleset import Rule

DEFAULT_GLOBS = ("postmortems/**", "**/postmortem*.md")
MARKDOWN = (".md", ".markdown")
SUMMARY_MARKER = "<!-- pmreview:summary -->"
FINGERPRINT = re.compile(r"<!-- pmreview:fingerprint=([0-9a-f]+) -->")


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


# ---------------------------------------------------------------------------- plan


@dataclass
class ChangedFile:
    """A postmortem the pull request adds or modifies, with the new-file numbers of its added lines."""

    path: str
    status: str
    added: set[int]


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


def changed_files(files: Iterable[dict[str, Any]], globs: Sequence[str]) -> list[ChangedFile]:
    """The pull request's files worth reviewing: matching ``globs``, not removed."""
    from reviewer.diff import added_lines

    out = []
    for f in files:
        path, status = f.get("filename", ""), f.get("status", "")
        if status == "removed" or not wanted(path, globs):
            continue
        patch = f.get("patch")
        if patch is not None:
            added = added_lines(patch)
        elif status == "added":
            # GitHub leaves out the patch of very large diffs; every line of a new file is new
            added = set(range(1, int(f.get("additions") or 0) + 1))
        else:
            added = set()
        out.append(ChangedFile(path, status, added))
    return out


def plan(report: Report, changed: dict[str, ChangedFile]) -> Plan:
    """Sort every finding: a line comment, a whole-document finding, or one the PR did not cause."""
    result = Plan()
    for file in report.files:
        added = changed[file.path].added if file.path in changed else set()
        for f in file.findings:
            if f.whole_document:
                result.whole_document.append(f)
                continue
            # an end at column 1 of the next line does not touch that line
            last = f.end_line - 1 if f.end_line > f.line and f.end_column == 1 else f.end_line
            line = next((n for n in range(f.line, last + 1) if n in added), None)
            if line is None:
                result.elsewhere.append(f)
            else:
                result.comments.append(Comment(file.path, line, f.fingerprint, comment_body(f, file, line), f))
    return result


# ---------------------------------------------------------------------------- bodies


def comment_body(f: Finding, file: FileResult, line: int) -> str:
    """What a reviewer needs without leaving the diff: the problem, how to fix it, why, and the fix itself."""
    from reviewer.docs import rule_url
    from reviewer.formatters.markdown import escape  # quoted draft text must not ping @handles or become HTML

    parts = [f"**{f.code}** {f.name}: {escape(f.message)}"]
    suggestion = suggested_line(f, file, line)
    if f.fix and suggestion is None:
        parts.append(f"**Fix:** {escape(f.fix)}")
    rule = _rule(f.code)
    why = _first_sentence(str(rule.docs.get("why", ""))) if rule is not None else ""
    parts.append((f"**Why:** {why} " if why else "") + f"[{f.code} explained]({rule_url(f.code)})")
    if suggestion is not None:
        fence = "`" * max(3, _longest_backtick_run(suggestion) + 1)
        parts.append(f"{fence}suggestion\n{suggestion}\n{fence}")
    parts.append(f"<!-- pmreview:fingerprint={f.fingerprint} -->")
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


def summary_body(report: Report, result: Plan, pr: PullRequest) -> str:
    """The hidden marker, the counts by where the findings are, then the ``markdown`` format."""
    from reviewer.formatters import FORMATS

    link = f"{pr.server_url}/{pr.repo}/blob/{pr.sha}/" + "{path}#L{line}"
    counts = (
        f"{_n(len(result.comments), 'finding')} on changed lines, "
        f"{len(result.whole_document)} about whole documents, "
        f"{len(result.elsewhere)} elsewhere in the changed files (not commented)."
    )
    return f"{SUMMARY_MARKER}\n{counts}\n\n{FORMATS['markdown'](report, link=link).rstrip()}\n"


def no_files_body(globs: Sequence[str]) -> str:
    shown = ", ".join(f"`{g}`" for g in globs)
    return f"{SUMMARY_MARKER}\npmreview: this pull request no longer changes any postmortem ({shown}).\n"


def review_body(n: int) -> str:
    return (
        f"pmreview: {_n(n, 'new finding')} on the lines this pull request changes. "
        "The pmreview summary comment has the counts for the whole of each changed postmortem."
    )


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
) -> Outcome:
    """Review the pull request's changed postmortems and post (or print) the result.

    Raises GitHubError for what cannot be worked around (bad token, unknown pull request,
    GitHub down); a refused write (403, or 422 for a line outside the diff) falls back to
    annotations. The exit code follows ``review``: 1 when a gated finding is at or above
    the threshold, 2 when a changed file could not be read.
    """
    from reviewer.engine import expand, review_inputs

    out = out or sys.stdout
    err = err or sys.stderr
    files = client.paginate(f"{pr.base}/pulls/{pr.number}/files")
    changed = {f.path: f for f in changed_files(files, globs)}
    bot = _Writer(client, pr, err)
    if not changed:
        print(f"pmreview: no changed postmortems match {', '.join(globs)}", file=err)
        if not pr.fork:
            bot.summary(no_files_body(globs), create=False)
        return Outcome(0, summary=bot.summary_state, fallback=bot.fallback)

    report = review_inputs(expand(list(changed)), options)
    result = plan(report, changed)
    if pr.fork:
        print("pmreview: a pull request from a fork: the token cannot comment, printing annotations", file=err)
        bot.fallback = True
    else:
        seen = {
            (c.get("path"), m.group(1))
            for c in client.paginate(f"{pr.base}/pulls/{pr.number}/comments")
            for m in FINGERPRINT.finditer(c.get("body") or "")
        }
        new = [c for c in result.comments if (c.path, c.fingerprint) not in seen]
        bot.review(new)
        bot.summary(summary_body(report, result, pr), create=True)
    if bot.fallback:
        out.write(annotations(report, result))
    threshold = fail_on if fail_on is not None else report.fail_on()
    for error in report.errors:
        print(f"pmreview: error: {error}", file=err)
    code = 2 if report.errors else 1 if any(f.severity >= threshold for f in result.gated) else 0
    print(
        f"pmreview: reviewed {_n(len(report.files), 'file')}: {len(result.comments)} on changed lines "
        f"({bot.posted} newly commented), {len(result.whole_document)} whole-document, "
        f"{len(result.elsewhere)} elsewhere; summary {bot.summary_state or 'not written'}",
        file=err,
    )
    return Outcome(code, [f.path for f in report.files], bot.posted, bot.summary_state, bot.fallback)


def annotations(report: Report, result: Plan) -> str:
    """``FORMATS["github"]`` over the gated findings only, as the review comments would have been."""
    from reviewer.engine import Report
    from reviewer.formatters import FORMATS

    keep = {id(f) for f in result.gated}
    files = [dataclass_replace(r, findings=[f for f in r.findings if id(f) in keep]) for r in report.files]
    return FORMATS["github"](Report(files, report.rules))


class _Writer:
    """The writes, each of which may be refused: a refusal switches to annotations."""

    def __init__(self, client: GitHubClient, pr: PullRequest, err: TextIO) -> None:
        self.client, self.pr, self.err = client, pr, err
        self.fallback = pr.fork
        self.blocked = pr.fork  # no point in trying more writes after a 403
        self.posted = 0
        self.summary_state: str | None = None

    def review(self, comments: list[Comment]) -> None:
        if not comments or self.blocked:
            return
        body = {
            "commit_id": self.pr.sha,
            "event": "COMMENT",
            "body": review_body(len(comments)),
            "comments": [c.payload() for c in comments],
        }
        if self._write("POST", f"{self.pr.base}/pulls/{self.pr.number}/reviews", body):
            self.posted = len(comments)

    def summary(self, body: str, *, create: bool) -> None:
        if self.blocked:
            return
        existing = next(
            (
                c
                for c in self.client.paginate(f"{self.pr.base}/issues/{self.pr.number}/comments")
                if (c.get("body") or "").lstrip().startswith(SUMMARY_MARKER)
            ),
            None,
        )
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


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
