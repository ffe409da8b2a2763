"""``action-items``: checks on the extracted action items (``reviewer/actions.py``).

``check`` picks what the rule looks at:

* ``owner``: no owner (or TBD, ?, someone, an empty cell);
* ``deadline``: no deadline, and no priority when ``priority_counts`` (default true);
* ``scope``: vague wording (``vague``, ``vague_whole``, ``needs_target``) with no concrete
  anchor (``concrete``) — "Improve monitoring", "Increase IOPS" with no figure;
* ``vigilance``: relies on people being careful (``patterns``);
* ``count``: more than ``max`` items;
* ``none``: a postmortem with no action items at all;
* ``deadline-valid``: a deadline before the incident date, or one that is not a date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import ClassVar

from reviewer.actions import ActionItem
from reviewer.dates import document_date
from reviewer.kinds.base import Context, Hit, Kind, compile_pattern
from reviewer.markdown import Document

CHECKS = {"owner", "deadline", "scope", "vigilance", "count", "none", "deadline-valid"}
LINKED = re.compile(r"\]\(|\]\[|https?://")  # a link: the tracked issue or PR defines the work
CONDITION = re.compile(r"\b(?:when|whenever|while|during|if|until|before|after)\b", re.I)
NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twice|double|half)\b", re.I)


def item_span(item: ActionItem) -> tuple[int, int]:
    """The item's first line: where the finding points."""
    nl = item.text.find("\n")
    return item.start, item.start + (nl if nl != -1 else len(item.text))


class ActionItems(Kind):
    keys: ClassVar[dict[str, bool]] = {
        "check": True,
        "patterns": False,
        "vague": False,
        "vague_whole": False,
        "vague_anywhere": False,
        "always_vague": False,
        "needs_target": False,
        "concrete": False,
        "max": False,
        "priority_counts": False,
    }
    document_scope: ClassVar[bool] = True

    def __init__(self, rule) -> None:
        super().__init__(rule)
        o = rule.options
        self.check_name = o["check"]
        if self.check_name not in CHECKS:
            raise self.error(f"check must be one of {sorted(CHECKS)}")

        def pats(key: str) -> list[re.Pattern[str]]:
            return [compile_pattern(self, p, key) for p in o.get(key, [])]

        self.patterns = pats("patterns")
        self.vague = pats("vague")
        self.vague_whole = [re.compile(rf"^(?:{p})\W*$", re.I) for p in o.get("vague_whole", [])]
        self.always_vague = pats("always_vague")
        self.vague_anywhere = pats("vague_anywhere")
        self.needs_target = pats("needs_target")
        self.concrete = pats("concrete")
        self.max = int(o.get("max", 7))
        self.priority_counts = bool(o.get("priority_counts", True))

    def check_document(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        items = ctx.action_items(doc)
        c = self.check_name
        if c == "none":
            if not items and ctx.is_postmortem(doc) and not ctx.action_sections(doc):
                s = doc.sections[0] if doc.sections else None
                start = doc.blocks[0].start if doc.blocks else 0
                end = doc.blocks[0].end if doc.blocks else 0
                yield Hit(
                    start,
                    end,
                    values={"title": s.title if s else ""},
                    whole_document=True,
                    data={"subject": "section:action_items"},
                )
            return
        if c == "count":
            open_items = [i for i in items if i.status != "done"]
            limit = ctx.max_action_items if ctx.max_action_items is not None else self.max
            if len(open_items) > limit:
                sections = set(ctx.action_sections(doc))
                sec = next((b for b in doc.blocks if b.kind == "heading" and b.section in sections), None)
                start, end = (sec.start, sec.end) if sec else item_span(open_items[0])
                yield Hit(start, end, values={"count": str(len(open_items)), "max": str(limit)}, whole_document=True)
            return
        ref = document_date(doc.front_matter, doc.source.text, doc.source.path)
        for item in items:
            if self._fails(item, ref, ctx):
                item.findings.append(self.rule.code)
                phrase = self._phrase(item) if self.check_name == "vigilance" else None
                s, e = phrase or item_span(item)
                yield Hit(
                    s,
                    e,
                    values={
                        "item": _short(item.description or item.text),
                        "owner": item.owner or "",
                        "owner_note": f" ('{item.owner_missing_reason}' is not an owner)"
                        if item.owner_missing_reason and item.owner_missing_reason not in ("empty", "empty owner cell")
                        else "",
                        "deadline": item.deadline.text if item.deadline else "",
                        "date": ref.isoformat() if ref else "",
                        "phrase_note": f" ('{' '.join(doc.source.text[s:e].split())}')" if phrase else "",
                    },
                )

    def _fails(self, item: ActionItem, ref: date | None, ctx: Context) -> bool:
        c = self.check_name
        if item.status == "done" and c in ("owner", "deadline", "scope", "vigilance"):
            return False  # finished work is not re-litigated
        if c in ("owner", "deadline", "scope") and _ticket_only(item):
            return False  # "- #2213": the tracker holds owner, date and scope
        if c == "owner":
            return item.owner is None
        if c == "deadline":
            has_deadline = item.deadline is not None and item.deadline.valid
            counts = ctx.priority_counts if ctx.priority_counts is not None else self.priority_counts
            return not has_deadline and not (counts and item.priority)
        if c == "deadline-valid":
            d = item.deadline
            if d is None:
                return False
            if not d.valid:
                return True
            return bool(ref and d.iso and d.iso < ref.isoformat() and item.status != "done")
        text = " ".join((item.masked_description or item.masked or item.text).split())
        if c == "vigilance":
            return any(p.search(text) for p in self.patterns)
        if c == "scope":
            return self._vague(item, text)
        return False

    def _vague(self, item: ActionItem, text: str) -> bool:
        """Could a reader tell when it is done? Not when it asks for care, names no object
        ("Update the runbook"), or wants "a better way", "more alerts" or "a strategy" with no
        figure or tracked issue to define it; an investigation or a fix is concrete once it names
        what it is about (a named component, a message, a condition) or links its issue."""
        if any(p.match(text) for p in self.vague_whole) or any(p.match(text) for p in self.always_vague):
            return True
        # the item's own issue defines its work; an umbrella issue on the heading above tracks a
        # whole list ("Short-term fixes (tracked in #408)") and says nothing of this one
        tracked = (bool(item.ticket) and not item.ticket_from_heading) or bool(LINKED.search(item.text))
        if any(p.search(text) for p in self.vague_anywhere) and not tracked and not NUMBER.search(text):
            return True
        anchors = tracked + sum(1 for p in self.concrete if p.search(text))
        if any(p.match(text) for p in self.vague) and anchors == 0:
            return True
        return any(p.match(text) for p in self.needs_target) and not NUMBER.search(text) and not CONDITION.search(text)

    def _phrase(self, item: ActionItem) -> tuple[int, int] | None:
        """Where in the item the call for care is ("…, including 'never ignore errors in staging'"
        on its third line), so the finding points at the words, not only at the item's first line."""
        if not item.masked:
            return None
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", item.masked)]
        flat = " ".join(item.masked[a:b] for a, b in words)
        starts, pos = [], 0
        for a, b in words:
            starts.append((pos, a))
            pos += b - a + 1
        hits = [m for p in self.patterns for m in [p.search(flat)] if m]
        if not hits:
            return None
        m = min(hits, key=lambda m: m.start())

        def source(offset: int) -> int:
            base, at = max((x for x in starts if x[0] <= offset), default=(0, 0))
            return at + offset - base

        return item.masked_at + source(m.start()), item.masked_at + source(max(m.end() - 1, m.start())) + 1

    def wants(self, sent, ctx) -> bool:
        return False

    def check(self, sent, ctx) -> Iterable[Hit]:
        return ()


def _ticket_only(item: ActionItem) -> bool:
    from reviewer.actions import TICKET

    if not item.ticket:
        return False
    rest = TICKET.sub(" ", item.description or item.text)
    return len(re.findall(r"[A-Za-z]{2,}", rest)) < 2


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"
