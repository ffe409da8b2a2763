"""The finding model every output format is built from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r} (use error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Suggestion:
    """Replace ``[start, end)`` of the source with ``text``; an instruction when start is None.

    ``safe``: applying it keeps a grammatical sentence with the same facts, only the framing
    changed ("The root cause was" -> "One contributing factor was", an aside dropped, an
    unused directive removed). A rewrite of a whole clause or question is offered for a
    person to read, not to apply unseen (``--fix`` will apply only the safe ones)."""

    text: str
    start: int | None = None
    end: int | None = None
    safe: bool = False


@dataclass
class Finding:
    path: str
    code: str
    name: str
    severity: Severity
    message: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int
    context: str  # the sentence or block the finding sits in, for the fingerprint
    match: str
    suggestions: list[Suggestion] = field(default_factory=list)
    fix: str = ""  # the short instruction shown when no replacement text exists
    section: str | None = None
    fingerprint: str = ""
    data: dict = field(default_factory=dict)  # kind-specific structured details
    # about the whole document (a missing section, too many action items): its position is only
    # an anchor, so diff filters (--diff-base, the PR bot) keep it wherever the change is
    whole_document: bool = False


def assign_fingerprints(findings: list[Finding]) -> None:
    """Stable ids: code + normalised sentence + matched text + occurrence number.

    Line numbers are left out on purpose, so edits elsewhere in the file do not change
    a finding's fingerprint; the occurrence number separates identical sentences.
    """
    seen: dict[str, int] = {}
    for f in sorted(findings, key=lambda f: (f.start, f.end, f.code)):
        base = "\0".join((f.code, " ".join(f.context.split()).lower(), " ".join(f.match.split()).lower()))
        n = seen.get(base, 0)
        seen[base] = n + 1
        f.fingerprint = hashlib.sha256(f"{base}\0{n}".encode()).hexdigest()[:16]
