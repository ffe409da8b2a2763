"""Sentences: the unit most rules look at, with offsets into the source.

A rule-based splitter runs over every block's masked text; only the sentences a
rule asks for are parsed by spaCy, each on its own, so the parse cost follows the
number of candidate sentences rather than the size of the document.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reviewer.markdown import Block, Document

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

ABBREVIATIONS = {
    "e.g",
    "i.e",
    "etc",
    "vs",
    "cf",
    "approx",
    "incl",
    "dr",
    "mr",
    "mrs",
    "ms",
    "st",
    "no",
    "fig",
    "eq",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "inc",
    "ltd",
    "co",
    "corp",
    "dept",
    "est",
    "min",
    "max",
    "sec",
    "hr",
    "hrs",
    "ca",
    "al",
}
BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9@#*`_-])")
WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
WINDOW = 100
"""Characters before a sentence boundary searched for the abbreviation or initial it may end."""
MAX_SENTENCE = 2000
"""The longest sentence given to the rules and spaCy; longer text is read in pieces."""


INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
"""Characters a reader never sees in the rendered text: controls, zero-width characters (``care\u200cless``),
soft hyphens, direction marks and bidi overrides. Left in, they would hide words from every rule."""


@dataclass
class Sentence:
    doc: Document
    block: Block
    start: int
    end: int
    text: str  # masked source slice, newlines turned into spaces, invisible characters removed
    parsed: Doc | None = field(default=None, repr=False)
    offsets: list[int] | None = field(default=None, repr=False)
    """The source offset of each character of ``text``, where removed characters make them
    non-contiguous; None (the usual case) when ``text[i]`` sits at ``start + i``."""

    @property
    def nlp_text(self) -> str:
        """The text given to spaCy: a leading timeline stamp is blanked so it does not disturb the parse."""
        ts = self.block.timestamp
        if ts and ts[0] >= self.start and ts[0] < self.end:
            a, b = self.index(ts[0]), self.index(min(ts[1], self.end))
            return self.text[:a] + " " * (b - a) + self.text[b:]
        return self.text

    @property
    def is_question(self) -> bool:
        return self.text.rstrip().endswith("?")

    def at(self, i: int) -> int:
        """The source offset where ``text[i]`` starts (a span's start); ``len(text)`` gives ``end``."""
        if self.offsets is None:
            return self.start + i
        return self.offsets[i] if i < len(self.offsets) else self.end

    def end_at(self, i: int) -> int:
        """The source offset just after ``text[i - 1]`` (a span's exclusive end)."""
        if self.offsets is None:
            return self.start + i
        return self.offsets[i - 1] + 1 if i > 0 else self.start

    def index(self, offset: int) -> int:
        """The position in ``text`` of the first character at or after a source offset."""
        if self.offsets is None:
            return offset - self.start
        return bisect.bisect_left(self.offsets, offset)

    def span(self, token: Token) -> tuple[int, int]:
        return self.at(token.idx), self.end_at(token.idx + len(token.text))

    def source(self, start: int, end: int) -> str:
        return self.doc.source.text[start:end]


def split_block(doc: Document, block: Block) -> list[Sentence]:
    """Split a block's masked text at sentence ends, skipping abbreviations and initials."""
    text = doc.masked[block.start : block.end].replace("\n", " ")
    offsets = None
    if INVISIBLE.search(text):
        keep = [i for i, c in enumerate(text) if not INVISIBLE.match(c)]
        text = "".join(text[i] for i in keep)
        offsets = [block.start + i for i in keep]
    cuts = [0]
    for m in BOUNDARY.finditer(text):
        # only the word before the boundary matters: a bounded window keeps a long run of
        # abbreviations ("e.g. A … e.g. B …") from rescanning the paragraph at every one
        before = text[max(cuts[-1], m.start() - WINDOW) : m.end()]
        w = WORD_BEFORE.search(before.rstrip("\"'”’)]"))
        if w and (w.group(1).lower() in ABBREVIATIONS or len(w.group(1)) == 1 or "." in w.group(1)):
            continue
        cuts.append(m.end())
    cuts.append(len(text))
    cuts = _bounded(text, cuts)
    out = []
    for a, b in itertools.pairwise(cuts):
        piece = text[a:b]
        body = piece.strip()
        if not body:
            continue
        first = a + (len(piece) - len(piece.lstrip()))
        last = first + len(body)
        if offsets is None:
            out.append(Sentence(doc, block, block.start + first, block.start + last, body))
            continue
        where = offsets[first:last]
        contiguous = where[-1] - where[0] == len(where) - 1
        out.append(Sentence(doc, block, where[0], where[-1] + 1, body, offsets=None if contiguous else where))
    return out


def _bounded(text: str, cuts: list[int]) -> list[int]:
    """``cuts`` with extra cuts at spaces wherever a sentence would be longer than ``MAX_SENTENCE``.

    No sentence a person writes is that long; text that is (a pasted log line, a hostile
    paragraph) is read in pieces, which keeps every per-sentence pass and spaCy's own limit
    (a million characters) out of reach.
    """
    if all(b - a <= MAX_SENTENCE for a, b in itertools.pairwise(cuts)):
        return cuts
    out = [0]
    for b in cuts[1:]:
        while b - out[-1] > MAX_SENTENCE:
            space = text.rfind(" ", out[-1] + MAX_SENTENCE // 2, out[-1] + MAX_SENTENCE)
            out.append(space + 1 if space != -1 else out[-1] + MAX_SENTENCE)
        out.append(b)
    return out
