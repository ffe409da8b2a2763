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
from functools import cache

from reviewer.actions import extract
from reviewer.dates import document_date
from reviewer.headings import Aliases, is_label
from reviewer.markdown import Document, Spans
from reviewer.sentences import split_block

FACTOR_SECTIONS = ("contributing_factors", "what_went_poorly", "lessons_learned")
CAUSE_SECTIONS = ("contributing_factors",)
"""A document with one of these states its causes there; without, a summary's "X caused Y" is read too."""
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


NAMED_ELSEWHERE = ("summary", "detection", "resolution", "lessons_learned", "what_went_poorly")
"""Named sections whose nested topic headings are read only when the document has no factor section."""
ASIDES = ("action_items", "questions")
NAMED_CAUSE = re.compile(
    r"\b(?:(?:root|primary|main|underlying|ultimate|real|actual)\s+cause|caused\s+by|the\s+cause\s+of)\b", re.I
)
"""A sentence that names a cause outright, read even where factors are not looked for."""
NOT_FACTORS = ("timeline", "action_items", "what_went_well", "questions", "impact")
"""Sections whose text never states a factor: what happened when, what will be done, what helped,
what is still open, who was hurt."""


@cache
def _aliases() -> Aliases:
    from reviewer.aliases import section_aliases

    return tuple((name, tuple(patterns)) for name, patterns in section_aliases().items())


@cache
def _explains() -> re.Pattern[str]:
    """A sentence that says why: "because", "due to", "caused", "resulted in", "there was no"."""
    from reviewer.kinds.cause_framing import vocabulary

    words = sorted(vocabulary()["explains"], key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words) + r")\w*", re.I)


def factors(doc: Document) -> list[Factor]:
    """The statements of why: the items and sentences of the factor sections (under any heading
    or lead-in), and the sentences that explain under topic headings ("Postmortem", "Fault").
    Where no contributing-factors section states the causes, the explaining sentences anywhere
    else count too (a summary's "X caused Y"). Never those of the timeline, the action items,
    what went well, the questions or the impact."""
    inside, barred = _factor_zones(doc)
    actions = Spans([(i.start, i.end) for i in extract(doc)])
    found = _collect(doc, inside, actions)
    causes = _in_sections(doc, CAUSE_SECTIONS)
    stated = any(_section_index(doc, f.start) in causes for f in found)
    if stated:
        # the summary restates the causes; a topic heading's explaining sentences add to them
        elsewhere = {
            i
            for i, s in enumerate(doc.sections)
            if not s.roles and i not in inside and i not in barred and not (i == 0 and s.level == 1)
        } - _in_sections(doc, NAMED_ELSEWHERE)
    else:
        elsewhere = {i for i in range(len(doc.sections)) if i not in inside and i not in barred}
        if any(b.section is None for b in doc.blocks):
            elsewhere.add(None)  # type: ignore[arg-type]  # text before the first heading
    more = _collect(doc, elsewhere, actions, explains=_explains())
    # "The primary cause of these issues is…" written among the action items is still a cause
    aside = _collect(doc, _in_sections(doc, ASIDES) - inside, actions, explains=NAMED_CAUSE)
    if not (found or more or aside):
        # nothing says why in so many words: what the summary tells is all the document gives
        # about why ("A repo is posted to a forum and goes viral"), and recurrence needs something
        found = _collect(doc, _summary_sections(doc), actions)
    return sorted(found + more + aside, key=lambda f: f.start)


def _summary_sections(doc: Document) -> set:
    """The summary by name ("Summary", "What happened?"): text under a bare title may be no
    postmortem at all (meeting notes), and gives no factor."""
    return _in_sections(doc, ("summary",)) - _in_sections(doc, NOT_FACTORS)


def _factor_zones(doc: Document) -> tuple[set[int], set[int]]:
    """The sections read whole for factors, and those never read, each by its innermost heading
    that decides: "What went well" under "Lessons learnt" is what helped, not a factor, and a
    "What went wrong" under it is one. A heading of another kind starts a zone of its own, but
    a bold lead-in of another kind ("**Detection gaps**:" under "Root causes") labels an item of
    the zone it sits in."""
    zones: list[str | None] = []
    deciding = set(FACTOR_SECTIONS) | set(NOT_FACTORS)
    for s in doc.sections:
        roles = set(s.roles) & deciding
        if roles & set(FACTOR_SECTIONS):
            zones.append("inside")
        elif roles:
            zones.append("barred")
        elif s.roles and not s.lead_in:
            zones.append(None)  # a heading of its own kind ("Summary" under "Lessons learned")
        else:
            zones.append(zones[s.parent] if s.parent is not None else None)
    return {i for i, z in enumerate(zones) if z == "inside"}, {i for i, z in enumerate(zones) if z == "barred"}


def _section_index(doc: Document, offset: int) -> int | None:
    sec = doc.section_of(offset)
    return next((i for i, s in enumerate(doc.sections) if s is sec), None) if sec is not None else None


def _collect(doc: Document, sections: set, actions: Spans, explains: re.Pattern[str] | None = None) -> list[Factor]:
    """The factors in these sections: each list item is one (nested items that are statements are
    their own), each table row, each sentence of a paragraph; with ``explains``, only the
    sentences that say why. Action items are never factors."""
    out: list[Factor] = []
    text = doc.source.text
    for block in doc.blocks:
        if block.section not in sections or block.kind == "heading" or block.quoted or block.header:
            continue
        if actions.overlaps(block.start, block.start + 1):
            continue
        start = block.start
        section = doc.sections[block.section] if block.section is not None else None
        if section is not None and section.lead_in and section.label_end and block.start < section.label_end:
            start = section.label_end  # "**Root cause:** …": the statement after the label
        if block.list_item is not None or block.kind == "table_row":
            first_paragraph = block.list_item is None or doc.list_items[block.list_item].start_line == block.line
            spans = [(start, block.end)] if first_paragraph else []
        else:
            spans = [(s.start, s.end) for s in split_block(doc, block) if s.end > start]
            spans = [(max(a, start), b) for a, b in spans]
        for s, e in spans:
            clean = LABEL.sub("", " ".join(re.sub(r"x{3,}", " ", doc.masked[s:e]).split()))
            # a bullet of a factor list says it in three words ("The certificate expired"); a
            # sentence of prose that short is an aside ("It was late.")
            least = MIN_WORDS - 1 if explains is None and (block.list_item is not None or block.table) else MIN_WORDS
            if len(re.findall(r"[A-Za-z]{2,}", clean)) < least:
                continue
            if explains is not None and not explains.search(clean):
                continue
            if clean.endswith("?") and not _explains().search(clean):
                continue  # "Why did this start in the first place?" asks; it states no factor
            if len(clean) <= 80 and is_label(clean.rstrip(" .:!?"), _aliases()):
                continue  # a template's prompt left in ("Things that could have gone better."): a label
            out.append(Factor(" ".join(text[s:e].split()), clean, doc.source.position(s)[0], s, e))
    return out


def title_of(doc: Document, path: str, meta: dict | None = None) -> str:
    """The incident's title: the front matter's, else the first heading that is neither a section
    label ("Summary") nor a template placeholder ("Title:"), else the file name."""
    if meta and meta.get("title"):
        return meta["title"]
    for sec in doc.sections:
        if sec.roles:
            break  # a title comes before the sections ("Notes to the owner" at the end is none)
        if sec.lead_in:
            continue
        if FIELD.match(sec.title) and not PLACEHOLDER.match(sec.title):
            continue  # "Owner: @sam", "Date: 2026-03-02": a metadata field set as a heading
        title = PLACEHOLDER.sub("", sec.title).strip(" :-–—")
        if title and not PLACEHOLDER_ONLY.match(title):
            return title
    return path.rsplit("/", 1)[-1].removesuffix(".md")


PLACEHOLDER = re.compile(r"^\s*(?:title|incident(?: title)?|post-?\s?mortem(?: title)?)\s*:\s*", re.I)
PLACEHOLDER_ONLY = re.compile(
    r"^(?:title|untitled|post-?\s?mortem|incident(?: report)?|template|tbd|todo|metadata|meta|date|authors?"
    r"|owners?|status|involved|participants|attendees|reviewers?|contents|table of contents)$",
    re.I,
)
FIELD = re.compile(r"^[A-Za-z][\w ]{0,30}:(?:\s*$|\s+\S+(?:\s+\S+){0,2}\s*$)")
"""A metadata field set as a heading: "Owner: @sam", "Involved:", "Date: 2026-03-02" (a short value)."""


FM_FIELD = re.compile(r"^\s*(id|title|date|severity|services|tags)\s*[:=]\s*(.+?)\s*$", re.M)
"""A field of YAML (``title: …``) or TOML (``title = "…"``) front matter."""


def incident(doc: Document, path: str) -> Incident:
    meta: dict = {}
    if doc.front_matter:
        for m in FM_FIELD.finditer(doc.front_matter):
            meta[m.group(1)] = m.group(2).strip("'\"")
    title = title_of(doc, path, meta)
    when = document_date(doc.front_matter, doc.source.text, path)
    actions = [{"text": i.record()["text"], "status": i.status or "open", "owner": i.owner} for i in extract(doc)]
    summary = [f.clean for f in _collect(doc, _in_sections(doc, ("summary",)), Spans([]))]
    context = " ".join([title, *summary])
    return Incident(path, title, when.isoformat() if when else None, factors(doc), actions, meta, context)
