"""Action items: found in the sections that mean "action items", whatever their form,
and read into structured records (owner, deadline, priority, ticket, status).

Forms: bullet and numbered lists, checkbox lists (``- [ ]`` open, ``- [x]`` done), and
tables whose header is recognised by meaning. Continuation lines and nested
sub-bullets belong to their parent item. Whether an item is specific or relies on
vigilance is judged by the rules (``reviewer/kinds/action_items.py``), from the
lexicons in ``rules/lexicons/actions.yml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache

from reviewer.dates import Deadline, document_date, find_deadline, find_priority
from reviewer.markdown import Block, Document
from reviewer.resources import lexicon_dir
from reviewer.ruleset import read_yaml

HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9][\w.\-]*[A-Za-z0-9_]|(?<![\w@])@[A-Za-z0-9]")
NOT_HANDLES = {"@here", "@channel", "@everyone", "@all"}
TICKET = re.compile(
    r"\b[A-Z][A-Z0-9]{1,9}-\d{1,6}\b|(?<![\w&])#\d{1,7}\b|https?://\S+/(?:issues|pull|browse|tickets?|merge_requests)/\S+"
)


@dataclass
class ActionItem:
    text: str  # the item's text (source, without the list marker / checkbox)
    start: int
    end: int
    line: int
    end_line: int
    form: str  # bullet | checkbox | numbered | table
    status: str | None  # open | done | None (not stated)
    owner: str | None = None
    owner_missing_reason: str | None = None  # "TBD", "someone", "empty cell"…
    deadline: Deadline | None = None
    priority: str | None = None
    ticket: str | None = None
    section: str | None = None
    description: str = ""  # the text with owner/deadline/priority metadata removed
    masked_description: str = ""  # the same over the masked text (code as x's), for the rules
    masked: str = ""  # masked source of the item (code blanked), for the rules
    findings: list[str] = field(default_factory=list)  # codes of AI rules it fails (filled by the engine)
    masked_at: int = 0  # where ``masked`` starts in the document (a table item's action cell, not its row)

    def record(self) -> dict:
        return {
            "text": " ".join(self.text.split()),
            "line": self.line,
            "end_line": self.end_line,
            "form": self.form,
            "status": self.status,
            "owner": self.owner,
            "deadline": self.deadline.text if self.deadline else None,
            "deadline_date": self.deadline.iso if self.deadline else None,
            "priority": self.priority,
            "ticket": self.ticket,
            "section": self.section,
            "fails": sorted(set(self.findings)),
        }


@cache
def lexicon() -> dict:
    return read_yaml(lexicon_dir() / "actions.yml")


@cache
def _compiled() -> dict[str, re.Pattern[str]]:
    lx = lexicon()

    def alt(items: list[str]) -> str:
        return "|".join(f"(?:{i})" for i in items)

    return {
        "not_owner": re.compile(rf"^\W*(?:{alt(lx['not_owners'])})\W*$", re.I),
        "owner_label": re.compile(
            rf"\b(?:{alt(lx['owner_labels'])})\s*[:=]\s*|\b(?:assigned to|owned by|owner is)\s+", re.I
        ),
        "deadline_label": re.compile(r"\b(?:due|deadline|target|eta|by when)\s*[:=]\s*([^,;()\n—–]*)", re.I),
        "teamish": re.compile(rf"(?<![\w-])(?:{alt(lx['owner_words'])})(?![\w-])", re.I),
        "verb_start": re.compile(rf"^(?:{alt(lx['imperative_verbs'])})\b", re.I),
    }


def _header_role(cell: str) -> str | None:
    text = re.sub(r"[^a-z ]+", " ", cell.lower()).strip()
    for role, words in lexicon()["table_columns"].items():
        if any(re.fullmatch(rf"(?:{w})", text) for w in words):
            return role
    return None


@lru_cache(maxsize=1024)
def _header_roles(header: tuple[str, ...]) -> tuple[str | None, ...]:
    """Tables in one document mostly share a header: read each header once."""
    return tuple(_header_role(h) for h in header)


def action_sections(doc: Document, extra_aliases: tuple[str, ...] = ()) -> list[int]:
    """Indices of sections that hold action items, with their subsections."""
    extra = [re.compile(a, re.I) for a in extra_aliases]
    top = [
        i for i, s in enumerate(doc.sections) if s.canonical == "action_items" or any(p.search(s.title) for p in extra)
    ]
    return sorted(doc.with_subsections(top))


def extract(doc: Document, extra_aliases: tuple[str, ...] = ()) -> list[ActionItem]:
    sections = set(action_sections(doc, extra_aliases))
    if not sections:
        return []
    ref = document_date(doc.front_matter, doc.source.text, doc.source.path)
    items: list[ActionItem] = []
    text = doc.source.text
    tree = _ItemTree(doc)
    # list items: top-level items of lists in action sections; nested items and continuation
    # paragraphs are folded into their parent
    for idx, li in enumerate(doc.list_items):
        if li.parent is not None and _within_item_list(tree, li.parent, sections):
            continue
        first = tree.first.get(idx)
        if first is None or first.section not in sections or first.quoted:
            continue
        start, end, end_line = first.start, tree.end[idx], tree.end_line[idx]
        form = "checkbox" if li.checkbox is not None else ("numbered" if li.ordered else "bullet")
        status = None if li.checkbox is None else ("done" if li.checkbox == "x" else "open")
        section = doc.sections[first.section].title
        item = ActionItem(
            text[start : tree.own_end[idx]], start, end, first.line, end_line, form, status, section=section
        )
        item.masked, item.masked_at = doc.masked[start : tree.own_end[idx]], start
        _read_metadata(item, ref)
        _inherit(item, doc.sections[first.section].title, ref)
        items.append(item)
    # tables
    rows_of: dict[int, list[Block]] = {}
    for b in doc.blocks:
        if b.kind == "table_row" and not b.header:
            rows_of.setdefault(b.table, []).append(b)
    for t_idx, table in enumerate(doc.tables):
        if table.section not in sections:
            continue
        roles = list(_header_roles(tuple(table.header)))
        if "action" not in roles and roles.count(None) == len(roles):
            continue
        if "action" not in roles:
            roles[roles.index(None)] = "action"  # the first unrecognised column holds the item
        for row in rows_of.get(t_idx, ()):
            item = _table_item(doc, row, roles, ref)
            if table.section is not None:
                _inherit(item, doc.sections[table.section].title, ref)
            items.append(item)
    items.sort(key=lambda i: i.start)
    return items


class _ItemTree:
    """Per list item, in one pass over the blocks: its first block, where its own text ends,
    and where it ends with everything nested under it (end offset and last line)."""

    def __init__(self, doc: Document) -> None:
        self.first: dict[int, Block] = {}
        self.own_end: dict[int, int] = {}
        n = len(doc.list_items)
        self.end = [-1] * n
        self.end_line = [-1] * n
        for b in doc.blocks:
            i = b.list_item
            if i is None:
                continue
            self.first.setdefault(i, b)
            self.own_end[i] = max(self.own_end.get(i, b.end), b.end)
            self.end[i] = max(self.end[i], b.end)
            self.end_line[i] = max(self.end_line[i], b.end_line)
        # a nested item comes after its parent: fold each subtree into its parent, deepest first
        for i in range(n - 1, -1, -1):
            p = doc.list_items[i].parent
            if p is not None:
                self.end[p] = max(self.end[p], self.end[i])
                self.end_line[p] = max(self.end_line[p], self.end_line[i])


DONE_HEADING = re.compile(r"\b(?:completed?|done|finished|resolved|already (?:done|taken))\b", re.I)
OPEN_HEADING = re.compile(r"\b(?:planned|in[- ]progress|to ?do|open|pending|proposed|remaining)\b", re.I)


def _inherit(item: ActionItem, heading: str, ref: date | None) -> None:
    """What a sub-heading says about all its items: "Immediate actions (completed)",
    "Short-term (tracked in #40885)". A time frame in a heading ("this week") is not
    taken as each item's deadline: each item should carry its own date."""
    if item.status is None and DONE_HEADING.search(heading) and not OPEN_HEADING.search(heading):
        item.status = "done"
    if item.ticket is None:
        t = TICKET.search(heading)
        if t is not None:
            item.ticket = t.group(0)


def _within_item_list(tree: _ItemTree, parent: int, sections: set[int]) -> bool:
    block = tree.first.get(parent)
    return block is not None and block.section in sections


def _table_item(doc: Document, row: Block, roles: list[str | None], ref: date | None) -> ActionItem:
    text = doc.source.text
    cells = {role: c for role, c in zip(roles, row.cells, strict=False) if role}
    action = cells.get("action")
    a_start, a_end = (action.start, action.end) if action else (row.start, row.end)
    item = ActionItem(text[a_start:a_end], row.start, row.end, row.line, row.end_line, "table", None, section=None)
    item.masked, item.masked_at = doc.masked[a_start:a_end], a_start
    section = doc.section_of(row.start)
    item.section = section.title if section else None
    owner_cell = cells.get("owner")
    if owner_cell is not None:
        value = text[owner_cell.start : owner_cell.end].strip()
        if not value:
            item.owner_missing_reason = "empty owner cell"
        elif _compiled()["not_owner"].match(value) or _indefinite(value):
            item.owner_missing_reason = value
        else:
            item.owner = value
    due_cell = cells.get("due")
    if due_cell is not None:
        value = text[due_cell.start : due_cell.end].strip()
        d = find_deadline(value, ref)
        if d is not None:
            item.deadline = Deadline(d.text, due_cell.start + d.start, due_cell.start + d.end, d.iso, d.valid)
        elif value and not _compiled()["not_owner"].match(value):
            item.deadline = Deadline(value, due_cell.start, due_cell.end, None, valid=False)
    pri_cell = cells.get("priority")
    if pri_cell is not None:
        value = text[pri_cell.start : pri_cell.end].strip()
        p = find_priority(value) or (find_priority(f"priority {value}") if value else None)
        item.priority = p[0] if p else (value or None)
    status_cell = cells.get("status")
    if status_cell is not None:
        value = text[status_cell.start : status_cell.end].strip().lower()
        if value:
            item.status = (
                "done"
                if re.search(r"\b(?:done|closed|complete[d]?|fixed|resolved|shipped|merged)\b|✅|\[x\]", value)
                else "open"
            )
    ticket_cell = cells.get("ticket")
    if ticket_cell is not None:
        value = text[ticket_cell.start : ticket_cell.end].strip()
        item.ticket = value or None
    # metadata written into the action cell itself still counts
    _read_metadata(item, ref, keep_owner=item.owner is not None or item.owner_missing_reason is not None)
    return item


def _indefinite(value: str) -> bool:
    """ "someone from QA", "anyone on the team": a group to pick from is not an owner."""
    return bool(re.match(r"^\W*(?:someone|somebody|anyone|anybody|whoever|one of)\b", value, re.I))


OWNER_VALUE = re.compile(r"[^,;()\n—–|]+?(?=\s*(?:[,;()\n—–|]|\.(?:\s|$)|$))")


def _read_metadata(item: ActionItem, ref: date | None, keep_owner: bool = False) -> None:
    """Owner, deadline, priority and ticket written in the item's own text."""
    text = item.masked if item.masked else item.text
    c = _compiled()
    spans: list[tuple[int, int]] = []
    if not keep_owner:
        m = c["owner_label"].search(text)
        if m:
            v = OWNER_VALUE.match(text, m.end())
            value = v.group(0).strip().rstrip(".") if v else ""
            spans.append((m.start(), v.end() if v else m.end()))
            if not value or c["not_owner"].match(value) or _indefinite(value):
                item.owner_missing_reason = value or "empty"
            else:
                item.owner = _trim_owner(value)
        if item.owner is None and item.owner_missing_reason is None:
            handles = [h for h in HANDLE.finditer(text) if h.group(0).lower() not in NOT_HANDLES]
            if handles:
                item.owner = handles[-1].group(0)
                spans.append((handles[-1].start(), handles[-1].end()))
        if item.owner is None and item.owner_missing_reason is None:
            found = _trailing_owner(text)
            if found is not None:
                value, s, e = found
                if c["not_owner"].match(value) or _indefinite(value):
                    item.owner_missing_reason = value
                else:
                    item.owner = value
                spans.append((s, e))
    d = find_deadline(text, ref)
    if d is not None and item.deadline is None:
        item.deadline = d
        spans.append((d.start, d.end))
    elif item.deadline is None:
        m = c["deadline_label"].search(text)
        if m and m.group(1).strip() and not c["not_owner"].match(m.group(1).strip()):
            item.deadline = Deadline(m.group(1).strip(), m.start(1), m.end(1), None, valid=False)
    p = find_priority(text)
    if p is not None and item.priority is None:
        item.priority = p[0]
        spans.append((p[1], p[2]))
    t = TICKET.search(text)
    if t is not None and item.ticket is None:
        item.ticket = t.group(0)
    item.masked_description = _strip_spans(text, spans)
    source = item.text if len(item.text) == len(text) else text
    item.description = _strip_spans(source, spans)


def _trim_owner(value: str) -> str:
    value = re.sub(r"\s+(?:by|due|before|until|in|on)\b.*$", "", value, flags=re.I).strip()
    return value.rstrip(".").strip()


# "(Platform Team, by Friday)", "— Release Eng — due …", ". Owner-less trailing name"
PAREN = re.compile(r"\(([^()]*)\)\s*[.!]?\s*$")
DASH_SEGMENTS = re.compile(r"\s[—–]\s|\s-\s")


def _trailing_owner(text: str) -> tuple[str, int, int] | None:
    candidates: list[tuple[str, int]] = []
    m = PAREN.search(text.rstrip())
    if m:
        offset = m.start(1)
        for part in m.group(1).split(","):
            candidates.append((part, offset))
            offset += len(part) + 1
    parts = DASH_SEGMENTS.split(text)
    if len(parts) > 1:
        pos = len(parts[0])
        for seg in parts[1:]:
            pos = text.index(seg, pos)
            for sub in seg.split(","):
                candidates.append((sub, pos))
                pos += len(sub) + 1
    for raw, offset in candidates:
        value = raw.strip().rstrip(".?!").strip()
        if _owner_like(value) or _compiled()["not_owner"].match(value) or _indefinite(value):
            s = offset + raw.index(value[:1]) if value else offset
            return value, s, s + len(value)
    return None


def _owner_like(value: str) -> bool:
    if not value or len(value) > 40 or find_deadline(value, None) or find_priority(value):
        return False
    if re.match(r"^(?:done|closed|fixed|see|e\.g|i\.e|for|and|or|to|with|in|on|at)\b", value, re.I):
        return False
    words = value.split()
    if len(words) > 4:
        return False
    c = _compiled()
    if c["verb_start"].match(value):
        return False
    if c["teamish"].search(value):
        return True
    # a person's name: one to three capitalised words
    return all(w[:1].isupper() and w.replace("-", "").replace("'", "").isalpha() for w in words) and len(words) <= 3


def _strip_spans(text: str, spans: list[tuple[int, int]]) -> str:
    out = list(text)
    for s, e in spans:
        for i in range(s, min(e, len(out))):
            out[i] = " "
    cleaned = "".join(out)
    cleaned = re.sub(r"\b(?:owner|due|deadline|priority)\s*[:=]\s*", " ", cleaned, flags=re.I)
    cleaned = re.sub(r"[\s,;:—–-]*[()]\s*[()]?", " ", cleaned)
    return " ".join(cleaned.split()).strip(" .,;—–-")
