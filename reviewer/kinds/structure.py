"""``structure``: whole-document checks on a postmortem's shape.

``check``:

* ``missing-section``: a section of the template (``sections``, or ``required-sections``
  in config) that the document does not have, by canonical name;
* ``timeline-timestamp``: timeline entries without a time, where most entries have one;
* ``timeline-timezone``: times without a zone while others have one, and entries whose
  zone differs from the timeline's (a zone in the heading, "Timeline (UTC)", covers all);
* ``impact-quantified``: an impact section with no number, duration, count or percentage;
* ``section-present``: a recommended section (``sections``) that is absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from reviewer.kinds.base import Context, Hit, Kind
from reviewer.markdown import ZONE, Block, Document

CHECKS = {"missing-section", "timeline-timestamp", "timeline-timezone", "impact-quantified", "section-present"}
QUANTITY = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?|"
    r"half|twice|none|nobody|no one|zero|no (?:customers?|users?|data|orders?|requests?))\b",
    re.I,
)
DATE_ONLY = re.compile(
    r"^\W*(?:\*\*)?\s*(?:\d{4}-\d{2}-\d{2}|\d{1,2}\s+[A-Za-z]{3,9}(?:\s+\d{4})?|[A-Za-z]{3,9}\s+\d{1,2})\b"
)
NAMES = {
    "summary": "Summary",
    "impact": "Impact",
    "timeline": "Timeline",
    "contributing_factors": "Contributing factors",
    "action_items": "Action items",
    "what_went_well": "What went well",
    "detection": "Detection",
    "resolution": "Resolution",
    "lessons_learned": "Lessons learned",
}


class Structure(Kind):
    keys: ClassVar[dict[str, bool]] = {"check": True, "template": False, "defer_to": False}
    document_scope: ClassVar[bool] = True

    def __init__(self, rule) -> None:
        super().__init__(rule)
        self.check_name = rule.options["check"]
        if self.check_name not in CHECKS:
            raise self.error(f"check must be one of {sorted(CHECKS)}")
        self.sections = list(rule.options.get("template", []))

    def wants(self, sent, ctx) -> bool:
        return False

    def check(self, sent, ctx) -> Iterable[Hit]:
        return ()

    def check_document(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        if not ctx.is_postmortem(doc):
            return
        c = self.check_name
        if c in ("missing-section", "section-present"):
            wanted = list(ctx.template) if (c == "missing-section" and ctx.template is not None) else self.sections
            present = {r for s in doc.sections for r in s.roles}
            if _intro(doc):
                present.add("summary")  # a blog-style post opens with its summary, unheaded
            if present & STANDS_FOR_FACTORS:
                present.add("contributing_factors")  # "What went wrong", "Conclusions": the factors are there
            if "action_items" in wanted and "action_items" not in present and _follow_up_written(doc, ctx):
                present.add("action_items")
            anchor = next((b for b in doc.blocks if b.kind == "heading"), doc.blocks[0] if doc.blocks else None)
            if anchor is None:
                return
            for name in wanted:
                if name not in present:
                    label = NAMES.get(name, name.replace("_", " ").capitalize())
                    yield Hit(
                        anchor.start,
                        anchor.end,
                        values={"section": label},
                        whole_document=True,
                        data={"subject": f"section:{name}"},
                    )
            return
        if c == "impact-quantified":
            yield from self._impact(doc)
            return
        entries = _timeline_entries(doc)
        if c == "timeline-timestamp":
            untimed = [b for b in entries if not (b.timestamp or DATE_ONLY.match(doc.masked[b.start : b.end]))]
            if len(entries) >= 3 and (len(entries) - len(untimed)) * 2 >= len(entries):
                for b in untimed:
                    yield Hit(b.start, _line_end(doc, b), values={})
            return
        if c == "timeline-timezone":
            yield from self._zones(doc, entries)

    def _impact(self, doc: Document) -> Iterable[Hit]:
        impact = [i for i, s in enumerate(doc.sections) if "impact" in s.roles]
        if not impact:
            return
        body_of: dict[int, list[Block]] = {}  # section -> its own blocks, in document order
        heading_of: dict[int, Block] = {}
        for b in doc.blocks:
            if b.section is None:
                continue
            if b.kind == "heading":
                heading_of.setdefault(b.section, b)
            else:
                body_of.setdefault(b.section, []).append(b)
        for i in impact:
            body = sorted((b for k in doc.subsections(i) for b in body_of.get(k, ())), key=lambda b: b.start)
            text = " ".join(doc.masked[b.start : b.end] for b in body)
            if QUANTITY.search(text):
                continue
            target = body[0] if body else heading_of[i]
            yield Hit(target.start, _line_end(doc, target), values={"section": doc.sections[i].title})

    def _zones(self, doc: Document, entries: list[Block]) -> Iterable[Hit]:
        zoned: list[tuple[Block, str | None]] = []
        for b in entries:
            if not b.timestamp:
                continue
            stamp = doc.masked[b.timestamp[0] : b.timestamp[1]]
            m = ZONE.search(stamp)
            zoned.append((b, m.group(0).upper() if m else None))
        if not zoned:
            return
        heading_zone = None
        for b, _ in zoned[:1]:
            # "## Timeline (UTC)" or a line "All times are UTC." declares the zone for every entry
            sec = b.section
            declared = [doc.sections[sec].title] if sec is not None else []
            declared += [
                doc.masked[x.start : x.end]
                for x in doc.blocks
                if x.section == sec and x.kind == "paragraph" and not x.timestamp and x.list_item is None
            ]
            for text in declared:
                m = ZONE.search(text)
                if m and (text is declared[0] or re.search(r"\btimes?\b|\bzone\b", text, re.I)):
                    heading_zone = m.group(0).upper()
                    break
        reference = heading_zone or next((z for _, z in zoned if z), None)
        if reference is None:
            return  # no zone anywhere: nothing to compare with (ST002's cousin, not this rule)
        for b, zone in zoned:
            stamp = doc.source.text[b.timestamp[0] : b.timestamp[1]].strip(" -:|*—–")
            if zone is None and heading_zone is None:
                yield Hit(
                    b.timestamp[0],
                    b.timestamp[0] + len(stamp),
                    values={"stamp": stamp, "zone": reference, "problem": "has no time zone"},
                )
            elif zone is not None and _norm(zone) != _norm(reference):
                yield Hit(
                    b.timestamp[0],
                    b.timestamp[0] + len(stamp),
                    values={"stamp": stamp, "zone": reference, "problem": f"uses {zone}"},
                )


def _norm(zone: str) -> str:
    return {"Z": "UTC", "GMT": "UTC", "UTC+0": "UTC", "UTC+00:00": "UTC", "+00:00": "UTC"}.get(zone, zone)


STANDS_FOR_FACTORS = frozenset({"what_went_poorly", "lessons_learned"})
HOLDS_FOLLOW_UP = frozenset({"resolution", "lessons_learned"})


def _topic(doc: Document, s) -> bool:
    """A section under a heading of its own topic ("Postmortem", "GKE auth issue"): no role, not the title."""
    return not s.roles and not s.lead_in and not (s.level == 1 and s is doc.sections[0])


def _follow_up_written(doc: Document, ctx: Context) -> bool:
    """The team's follow-up work is written, as commitments, in its Response or Lessons section
    or under a heading of its own ("I have revoked the token and will …"): the actions are there
    under another name."""
    for item in ctx.action_items(doc):
        s = doc.section_of(item.start)
        if s is not None and (set(s.roles) & HOLDS_FOLLOW_UP or _topic(doc, s)):
            return True
    return False


def _intro(doc: Document) -> bool:
    """Does prose open the document before its first section heading (after the title, if any)?"""
    first_named = next((k for k, s in enumerate(doc.sections) if s.roles), None)
    limit = doc.sections[first_named].start if first_named is not None else len(doc.source.text)
    for b in doc.blocks:
        if b.start >= limit:
            return False
        if (
            b.kind == "paragraph"
            and not b.quoted
            and b.list_item is None
            and len(doc.masked[b.start : b.end].split()) >= 12
        ):
            return True
    return False


def _timeline_entries(doc: Document) -> list[Block]:
    """First blocks of top-level list items and table rows in timeline sections."""
    out = []
    seen_items = set()
    timeline = doc.sections_named("timeline")
    for b in doc.blocks:
        if b.section not in timeline or b.quoted or b.header:
            continue
        if b.kind == "table_row":
            out.append(b)
        elif b.list_item is not None:
            item = doc.list_items[b.list_item]
            if item.parent is None and b.list_item not in seen_items:
                seen_items.add(b.list_item)
                out.append(b)
        elif b.kind == "paragraph" and b.timestamp:
            out.append(b)
    return out


def _line_end(doc: Document, b: Block) -> int:
    nl = doc.source.text.find("\n", b.start, b.end)
    return nl if nl != -1 else b.end
