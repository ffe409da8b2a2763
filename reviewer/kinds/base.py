"""What every kind shares: the hit it yields and the context it gets."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from reviewer.findings import Suggestion

if TYPE_CHECKING:
    from reviewer.people import People
    from reviewer.ruleset import Rule
    from reviewer.sentences import Sentence


@dataclass
class Hit:
    """One match: source offsets, values for the message template, suggestions."""

    start: int
    end: int
    values: dict[str, str] = field(default_factory=dict)
    suggestions: list[Suggestion] = field(default_factory=list)
    fix: str | None = None
    message: str | None = None
    whole_document: bool = False  # about the document as a whole (a missing section), not the text it points at
    data: dict = field(default_factory=dict)  # structured details for the output formats (Finding.data)


WORD_START = r"(?:(?<=[^\w@-])|^)(?=[\w@'’*|?])"
"""Where a trigger can begin: the start of a word (or of a quote, handle or question mark).
Trying a big alternation only there is about twice as fast as trying it at every character."""

POSTMORTEM_TITLE = re.compile(
    r"\b(?:post-?mortem|post-?incident|incident|outage|retrospective|retro|pir|rca|root cause|degradation|downtime)\b",
    re.I,
)


@dataclass
class Context:
    """What a rule may consult besides its sentence: the people lexicon and per-document facts."""

    people: People
    action_aliases: tuple[str, ...] = ()
    template: tuple[str, ...] | None = None
    max_action_items: int | None = None
    priority_counts: bool | None = None
    matcher: Any = None  # reviewer.recurrence.Matcher, when a corpus index is configured
    corpus_root: Any = None
    recurrence_threshold: float | None = None
    self_judgement: bool = False  # judge the writers too ("we should have…"): `self-judgement = true`
    memo: dict = field(default_factory=dict)

    def corpus_relpath(self, path: str) -> str | None:
        """The reviewed file's path inside the corpus, if it is one of the corpus documents."""
        from pathlib import Path

        if self.corpus_root is None:
            return None
        try:
            return Path(path).resolve().relative_to(Path(self.corpus_root).resolve()).as_posix()
        except ValueError:
            return None

    def action_items(self, doc) -> list:
        from reviewer.actions import extract

        key = ("items", id(doc))
        if key not in self.memo:
            self.memo[key] = extract(doc, self.action_aliases)
        return self.memo[key]

    def action_sections(self, doc) -> list[int]:
        from reviewer.actions import action_sections

        return action_sections(doc, self.action_aliases)

    def is_postmortem(self, doc) -> bool:
        """Document-level checks only make sense on something shaped like a postmortem."""
        canonical = {r for s in doc.sections for r in s.roles}
        if len(canonical) >= 2:
            return True
        title = doc.sections[0].title if doc.sections else ""
        titled = bool(POSTMORTEM_TITLE.search(title)) or bool(
            doc.front_matter and re.search(r"^\s*(?:severity|incident|impact|services?)\s*:", doc.front_matter, re.M)
        )
        return titled and len(canonical) >= 1


class Kind:
    """Base class: validate options in ``__init__``, cheap filter in ``wants``, work in ``check``."""

    keys: ClassVar[dict[str, bool]] = {}
    document_scope: ClassVar[bool] = False
    needs_parse: ClassVar[bool] = False

    prefilter: re.Pattern[str] | None = None
    """A cheap superset test: a sentence it does not match cannot produce a hit (None: no shortcut).
    Set it with ``set_prefilter``, which also keeps its source for the engine's union of them."""
    prefilter_source: str | None = None

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def set_prefilter(self, *sources: str) -> None:
        """The prefilter from regular expressions (any one matching), tried only where a word starts.

        A leading ``(?<![\\w@-])`` (what ``compile_pattern`` puts in front) is dropped: at a
        word start it always holds, and testing it again in every alternative costs a sixth.
        """
        parts = [s.removeprefix(WORD_BOUNDARY) for s in sources]
        self.prefilter_source = "|".join(f"(?:{p})" for p in parts)
        self.prefilter = re.compile(WORD_START + f"(?:{self.prefilter_source})", re.I)

    def error(self, message: str) -> Exception:
        from reviewer.ruleset import RuleError

        return RuleError(f"{self.rule.path}: {message}")

    def wants(self, sent: Sentence, ctx: Context) -> bool:
        return True

    def check(self, sent: Sentence, ctx: Context) -> Iterable[Hit]:
        raise NotImplementedError


WORD_BOUNDARY = r"(?<![\w@-])"


def compile_pattern(kind: Kind, pattern: Any, what: str = "pattern") -> re.Pattern[str]:
    """Patterns are case-insensitive regular expressions matched on whole words."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise kind.error(f"{what} must be a non-empty string")
    try:
        return re.compile(rf"{WORD_BOUNDARY}(?:{pattern})(?![\w-])", re.I)
    except re.error as exc:
        raise kind.error(f"{what} {pattern!r} is not a valid regular expression: {exc}") from None


QUOTED = re.compile(r"\"[^\"\n]{1,200}\"|“[^”\n]{1,200}”|‘[^’\n]{1,200}’|(?<![\w])'[^'\n]{1,200}?'(?![\w])")


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of quoted material inside a sentence: error strings, reported speech."""
    return [(m.start(), m.end()) for m in QUOTED.finditer(text)]


def inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)
