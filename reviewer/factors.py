"""Contributing factors and incident metadata, read from a parsed postmortem.

Factors are the items and sentences of the sections that explain why the incident
happened (contributing factors, root causes, causes, what went wrong, why it
happened, lessons learned); a document with none of those gives its summary
sentences instead. Each factor keeps its line, for findings and for the evidence
shown to the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewer.actions import extract
from reviewer.dates import document_date
from reviewer.markdown import Document
from reviewer.sentences import split_block

FACTOR_SECTIONS = ("contributing_factors", "what_went_poorly", "lessons_learned")
# framing that says nothing about the weakness itself ("The root cause was …", "Trigger: …")
LABEL = re.compile(
    r"^\W*(?:the\s+)?(?:(?:single|primary|main|underlying|real|true|direct|proximate)\s+)*(?:root\s+)?"
    r"(?:causes?|trigger|contributing\s+factors?(?:\s+\d+)?|factor\s+\d+|rca)"
    r"(?:\s+of\s+(?:the|this)\s+\w+)?\s*(?:was|is|were|:|—|–|-)\s+",
    re.I,
)
MIN_WORDS = 4


@dataclass
class Factor:
    text: str  # source text, whitespace collapsed, for people
    clean: str  # masked text (no code, URLs, markup), for matching
    line: int
    start: int
    end: int


@dataclass
class Incident:
    path: str
    title: str
    date: str | None
    factors: list[Factor]
    actions: list[dict]  # {text, status, owner}
    meta: dict
    context: str = ""  # title and summary: the systems the incident is about

    @property
    def profile(self) -> str:
        """Everything that says what the incident was about, for whole-incident similarity."""
        return " ".join([self.context, *(f.clean for f in self.factors)])


def _in_sections(doc: Document, names: tuple[str, ...]) -> set[int]:
    return doc.sections_named(*names)


def factors(doc: Document) -> list[Factor]:
    sections = _in_sections(doc, FACTOR_SECTIONS)
    found = _collect(doc, sections)
    if not found:
        found = _collect(doc, _in_sections(doc, ("summary",)))
    return found


def _collect(doc: Document, sections: set[int]) -> list[Factor]:
    out: list[Factor] = []
    seen_items: set[int] = set()
    text = doc.source.text
    for block in doc.blocks:
        if block.section not in sections or block.kind == "heading" or block.quoted:
            continue
        if block.list_item is not None:
            # a list item is one factor (its first paragraph); nested bullets are its details
            if doc.list_items[block.list_item].parent is not None or block.list_item in seen_items:
                continue
            seen_items.add(block.list_item)
            spans = [(block.start, block.end)]
        elif block.kind == "table_row":
            if block.header:
                continue
            spans = [(block.start, block.end)]
        else:
            spans = [(s.start, s.end) for s in split_block(doc, block)]
        for s, e in spans:
            clean = LABEL.sub("", " ".join(re.sub(r"x{3,}", " ", doc.masked[s:e]).split()))
            if len(re.findall(r"[A-Za-z]{2,}", clean)) < MIN_WORDS:
                continue
            out.append(Factor(" ".join(text[s:e].split()), clean, doc.source.position(s)[0], s, e))
    return out


FM_FIELD = re.compile(r"^\s*(id|title|date|severity|services|tags)\s*:\s*(.+?)\s*$", re.M)


def incident(doc: Document, path: str) -> Incident:
    meta: dict = {}
    if doc.front_matter:
        for m in FM_FIELD.finditer(doc.front_matter):
            meta[m.group(1)] = m.group(2).strip("'\"")
    title = meta.get("title") or (doc.sections[0].title if doc.sections else path.rsplit("/", 1)[-1])
    when = document_date(doc.front_matter, doc.source.text, path)
    actions = [{"text": i.record()["text"], "status": i.status or "open", "owner": i.owner} for i in extract(doc)]
    summary = [f.clean for f in _collect(doc, _in_sections(doc, ("summary",)))]
    context = " ".join([title, *summary])
    return Incident(path, title, when.isoformat() if when else None, factors(doc), actions, meta, context)
