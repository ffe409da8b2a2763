"""Applying suggestions to a document: ``review --fix``, ``--unsafe-fixes`` and ``--diff``.

Why this is more than a loop over replacements: findings carry offsets into the *normalised*
text (BOM removed, CRLF read as LF), while the file must keep its BOM and line endings; fixes
may overlap (two rules on one phrase) or disappear once another is applied; and a fix may
reveal another (an aside dropped, then a capital restored). So each pass applies only
non-overlapping fixes, from the end backwards, mapped onto the raw text; then the document is
reviewed again, until nothing is left to fix, the text stops changing, or ``MAX_PASSES``.
Suppressed findings never reach here (the engine drops them first), so a fix inside a
suppressed region is never applied.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from reviewer.findings import Finding, Suggestion

MAX_PASSES = 8


@dataclass
class Fixed:
    """The outcome for one document: its new raw text and what was applied, per rule."""

    text: str
    applied: Counter = field(default_factory=Counter)
    passes: int = 0

    @property
    def count(self) -> int:
        return sum(self.applied.values())


def applicable(finding: Finding, unsafe: bool) -> Suggestion | None:
    """The replacement ``--fix`` would apply for this finding: its first suggestion with a range
    that is safe (or any, with ``--unsafe-fixes``)."""
    for s in finding.suggestions:
        if s.start is not None and s.end is not None and s.start <= s.end and (s.safe or unsafe):
            return s
    return None


def plan(findings: Iterable[Finding], unsafe: bool) -> list[tuple[int, int, str, str]]:
    """Non-overlapping edits (start, end, text, code) in document order. Where two overlap, the
    one that starts first wins and the other waits for the next pass (it may be gone by then)."""
    wanted = []
    for f in findings:
        s = applicable(f, unsafe)
        if s is not None:
            wanted.append((s.start, s.end, s.text, f.code))
    wanted.sort(key=lambda e: (e[0], e[1]))
    out: list[tuple[int, int, str, str]] = []
    reach = -1  # where the edits taken so far end; an insertion claims its point
    for start, end, text, code in wanted:
        if start < reach:
            continue  # overlaps an edit taken: next pass
        out.append((start, end, text, code))
        reach = end if end > start else start + 1
    return out


def raw_offsets(raw: str) -> list[int]:
    """For each offset of the normalised text (plus its end), the offset in ``raw``: a leading
    BOM is skipped, and CRLF or a lone CR, read as one LF, map to their first character."""
    out: list[int] = []
    i = 1 if raw.startswith("\ufeff") else 0
    n = len(raw)
    while i < n:
        out.append(i)
        if raw[i] == "\r":
            i += 2 if i + 1 < n and raw[i + 1] == "\n" else 1
        else:
            i += 1
    out.append(n)
    return out


def newline_of(raw: str) -> str:
    """The line ending the file mostly uses, for line breaks a fix inserts."""
    crlf = raw.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= raw.count("\n") else "\n"


def apply(raw: str, edits: list[tuple[int, int, str, str]]) -> str:
    """Apply normalised-offset edits to the raw text, from the end so earlier offsets hold."""
    at = raw_offsets(raw)
    eol = newline_of(raw)
    out = raw
    for start, end, text, _ in sorted(edits, key=lambda e: e[0], reverse=True):
        if end >= len(at):
            continue  # out of range: the document changed under the finding
        out = out[: at[start]] + text.replace("\n", eol) + out[at[end] :]
    return out


def fix(raw: str, review: Callable[[str], list[Finding]], unsafe: bool = False) -> Fixed:
    """Fix ``raw`` (the file's text as decoded, BOM and line endings included) until stable.

    ``review`` reviews a raw text and returns its findings (offsets into its normalised text)."""
    result = Fixed(raw)
    seen = {raw}
    for _ in range(MAX_PASSES):
        edits = plan(review(result.text), unsafe)
        if not edits:
            break
        changed = apply(result.text, edits)
        if changed in seen:
            break  # a fix that undoes another: stop rather than cycle
        seen.add(changed)
        result.text = changed
        result.passes += 1
        result.applied.update(code for *_, code in edits)
    return result


def unified_diff(path: str, before: str, after: str) -> str:
    """A ``git diff``-style patch of one file (empty when nothing changed)."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
