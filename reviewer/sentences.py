"""Sentences: the unit most rules look at, with offsets into the source.

A rule-based splitter runs over every block's masked text; only the sentences a
rule asks for are parsed by spaCy, each on its own, so the parse cost follows the
number of candidate sentences rather than the size of the document.
"""

from __future__ import annotations

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


@dataclass
class Sentence:
    doc: Document
    block: Block
    start: int
    end: int
    text: str  # masked source slice, newlines turned into spaces
    parsed: Doc | None = field(default=None, repr=False)

    @property
    def nlp_text(self) -> str:
        """The text given to spaCy: a leading timeline stamp is blanked so it does not disturb the parse."""
        ts = self.block.timestamp
        if ts and ts[0] >= self.start and ts[0] < self.end:
            a, b = ts[0] - self.start, min(ts[1], self.end) - self.start
            return self.text[:a] + " " * (b - a) + self.text[b:]
        return self.text

    @property
    def is_question(self) -> bool:
        return self.text.rstrip().endswith("?")

    def span(self, token: Token) -> tuple[int, int]:
        return self.start + token.idx, self.start + token.idx + len(token.text)

    def source(self, start: int, end: int) -> str:
        return self.doc.source.text[start:end]


def split_block(doc: Document, block: Block) -> list[Sentence]:
    """Split a block's masked text at sentence ends, skipping abbreviations and initials."""
    text = doc.masked[block.start : block.end].replace("\n", " ")
    cuts = [0]
    for m in BOUNDARY.finditer(text):
        before = text[cuts[-1] : m.end()]
        w = WORD_BEFORE.search(before.rstrip("\"'”’)]"))
        if w and (w.group(1).lower() in ABBREVIATIONS or len(w.group(1)) == 1 or "." in w.group(1)):
            continue
        cuts.append(m.end())
    cuts.append(len(text))
    out = []
    for a, b in itertools.pairwise(cuts):
        piece = text[a:b]
        body = piece.strip()
        if body:
            start = block.start + a + (len(piece) - len(piece.lstrip()))
            out.append(Sentence(doc, block, start, start + len(body), body))
    return out
