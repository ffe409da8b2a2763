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

from reviewer import completion
from reviewer.action_categories import category
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
    ticket_from_heading: bool = False  # the ticket is the heading's ("tracked in #408"), an umbrella for the list
    completed: str | None = None  # ISO day it was done, as the document says (reviewer/completion.py)

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
            "category": category(self.text),
            "fails": sorted(set(self.findings)),
            "completed": self.completed,
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


@cache
def _meaning() -> dict:
    """The lexicon's phrases for reading what an item says (rules/lexicons/actions.yml)."""
    lx = lexicon()

    def alt(items: list[str] | str) -> str:
        return items if isinstance(items, str) else "|".join(f"(?:{i})" for i in items)

    adverbs = r"(?:\s+(?:also|now|still|then|really|probably|definitely|first|all|likely|clearly|certainly|currently|further|additionally))*"
    not_verb = r"(?!\s+(?:is|are|was|were|has|had|have|can|could|would|will|should|does|did|seems?|got|became|failed|caused|went)\b)"
    return {
        "commit": re.compile(rf"\b(?:{alt(lx['commit_subjects'])}){adverbs}\s*(?:{alt(lx['commit_verbs'])})\b", re.I),
        "planning": re.compile(alt(lx["planning_phrases"]), re.I),
        "done_report": re.compile(alt(lx["done_reports"]), re.I),
        "directive": re.compile(alt(lx["directive_phrases"]), re.I),
        "hindsight": re.compile(alt(lx["hindsight"]), re.I),
        "order": re.compile(
            rf"^[\W_]*(?:{lx['order_openers']})?(?:(?:{lx['order_adverbs']})\s+)*"
            rf"(?:(?:don't|do not|never|avoid|stop|please)\b|(?:{alt(lx['order_verbs'])})\b(?!['-])){not_verb}",
            re.I,
        ),
        "advice": re.compile(alt(lx["advice"]), re.I),
        "advice_named": [re.compile(a, re.I) for a in lx["advice"] if "you" not in a],
        "done": re.compile(alt(lx["status_done"]), re.I),
        "open": re.compile(alt(lx["status_open"]), re.I),
        "past": re.compile(rf"^[\W_]*(?:{NOT_PAST}[a-z-]+ed|{lx['past_openers']})\s+(?:{lx['past_objects']})\b", re.I),
        "link_word": re.compile(rf"^\W*(?:{lx['link_words']})\W*$", re.I),
    }


def _sentences(text: str) -> list[str]:
    return [p for p in re.split(r"(?<=[.!?])\s+(?=[\W_]*[A-Z])|\s+[–—]\s+|:\s+(?=[A-Z])", text) if p.strip()]


def _commits(text: str) -> bool:
    """The team commits to follow-up work, or reports it done: "We will add …", "we need to …",
    "we are looking into …", "the foundation is planning …", "we have since added …"."""
    m = _meaning()
    text = m["hindsight"].sub(" ", text)
    if any(not SUBORDINATE.search(text, 0, c.start()) for c in m["commit"].finditer(text)):
        return True
    if any(not SUBORDINATE_CLAUSE.search(text, 0, p.start()) for p in m["planning"].finditer(text)):
        return True
    return bool(m["done_report"].search(text))


# "… when you are working on that part": the subject of a subordinate clause plans nothing
SUBORDINATE_CLAUSE = re.compile(
    r"\b(?:because|since|as|which|who|when|while|if|although|though|until|unless|where|whether|whenever)\s+"
    r"(?:\w+\s+){1,2}$",
    re.I,
)
# "… because we must wait for the tests": a subordinate clause explains, it commits to nothing
SUBORDINATE = re.compile(
    r"\b(?:because|since|as|so|which|when|while|if|although|though|until|unless|where|whether|whenever)\s+$", re.I
)


def _orders(text: str) -> bool:
    """A sentence of the text is an order: "Add …", "If X, do Y", "Never run …"."""
    m = _meaning()
    return any(m["order"].search(s) for s in _sentences(text))


def _says_to_do(text: str) -> bool:
    """Phrased as something to do (an order, a commitment, an obligation) rather than an observation."""
    m = _meaning()
    if _commits(text) or _orders(text):
        return True
    return any(_directs(m["hindsight"].sub(" ", s)) for s in _sentences(text))


def _directs(sentence: str) -> bool:
    """An obligation in the sentence's main clause: "because we must wait for the tests" gives a
    reason, "that should be possible" judges; neither tells anyone to do anything."""
    return any(
        not SUBORDINATE.search(sentence, 0, d.start()) and not SUBORDINATE_CLAUSE.search(sentence, 0, d.start())
        for d in _meaning()["directive"].finditer(sentence)
    )


def _advice(text: str, zone: str | None = None) -> bool:
    """Advice to readers or users ("If you have an old account, remove it"), not a team action:
    read in the first sentence, so an explanation that says "your pipeline" does not count. In a
    lessons section "you" is the generic one ("Know all your certificates"): there only users
    named as such ("Users should …") or a call to action make advice."""
    first = _sentences(text)[:1]
    if not first:
        return False
    if zone == "lesson":
        return any(p.search(first[0]) for p in _meaning()["advice_named"])
    return bool(_meaning()["advice"].search(first[0]))


def _placeholder(text: str) -> bool:
    return bool(re.fullmatch(r"\W*(?:none|n/?a|tbd|tba|nothing|-+|\?+)?\W*", text, re.I))


def _note(text: str) -> bool:
    """A line that only points at something or reports on its parent: a link, "See …", "e.g. …",
    "Note: …", "This has been done"."""
    m = _meaning()
    if re.match(
        r"^\W*(?:see|e\.g|i\.e|note|nb|link|ref|cf|for example|for instance|example|read more|more (?:info|details))\b",
        text,
        re.I,
    ):
        return True
    if not re.search(r"[A-Za-z]{3,}", re.sub(r"x{3,}", " ", text)) or m["link_word"].match(text):
        return True
    return bool(m["done"].search(text)) and len(text.split()) <= 12


def _read_status(item: ActionItem, notes: str = "", raw: str = "") -> None:
    """Status written in words, in the item or in a nested note: "(DONE)", "Done:", "✅",
    ~~struck through~~, "This has been done", "(in progress)", "TODO"; an item whose first word is a
    past-tense verb with an object ("Reverted the change") reports work done."""
    if item.status is not None:
        return
    m = _meaning()
    text = _norm(item.masked or item.text)
    src = (raw or item.text).strip()
    if (
        re.fullmatch(r"(?:[-*+]|\d+[.)])?\s*(?:\[.\]\s*)?~~.+~~\W*", src, re.S)
        or m["done"].search(text)
        or m["done"].search(src[:4])
    ):
        item.status = "done"
    elif m["open"].search(text):
        item.status = "open"
    elif notes and m["done"].search(notes):
        item.status = "done"


NOT_PAST = r"(?!(?:need|feed|seed|proceed|exceed|succeed|speed|embed|breed|bleed|shed|wed)\b)"
PAST_WE = re.compile(rf"^\W*we {NOT_PAST}[a-z-]+ed\b", re.I)


def _tense_status(item: ActionItem) -> None:
    """An item whose first word is a past-tense verb with an object ("Reverted the change", "We
    tweaked the quota") reports work done."""
    if item.status is not None:
        return
    m = _meaning()
    text = _norm(item.masked or item.text)
    if m["past"].search(text) or m["done_report"].match(text) or PAST_WE.match(text):
        item.status = "done"


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
    """Indices of sections that hold action items, with their subsections, except a subsection
    that plays a section whose bullets are never action items ("What went wrong" under "Action items")."""
    zones = _zones(doc, extra_aliases)
    return [i for i, z in enumerate(zones) if z == "action"]


def _zones(doc: Document, extra_aliases: tuple[str, ...] = ()) -> list[str]:
    """Per section, how its items are read: ``action`` (every item is one), ``lesson`` (items phrased
    as something to do), ``barred`` (none: what went well or wrong, timeline, impact…) or ``prose``
    (only where the team commits to work). The nearest enclosing section with a role decides."""
    extra = [re.compile(a, re.I) for a in extra_aliases]
    lx = lexicon()
    barred, lessons = set(lx["not_action_sections"]), set(lx["directive_sections"])

    def own(s) -> str | None:
        roles = set(s.roles) | ({s.canonical} if s.canonical else set())
        if re.search(lx["illustration_titles"], s.title, re.I) or (not s.lead_in and _advice(s.title)):
            return "barred"
        if "action_items" in roles or any(p.search(s.title) for p in extra):
            return "action"
        if roles & lessons:
            return "lesson"
        if s.canonical in barred:
            return "barred"
        return None

    zones: list[str] = []
    for s in doc.sections:
        zone = own(s)
        parent = s.parent
        while zone is None and parent is not None:
            zone = zones[parent] if parent < len(zones) else None
            zone = None if zone == "prose" else zone
            parent = doc.sections[parent].parent if zone is None else None
        zones.append(zone or "prose")
    return zones


def extract(doc: Document, extra_aliases: tuple[str, ...] = ()) -> list[ActionItem]:
    """The team's action items wherever they are: every item of an action section (list items,
    table rows, and the lines or sentences of its paragraphs that say what to do), the items of a
    lessons section phrased as something to do, and the team's commitments anywhere else ("We will
    add rate limiting"), never in what went well or wrong, the timeline or the impact."""
    zones = _zones(doc, extra_aliases)
    ref = document_date(doc.front_matter, doc.source.text, doc.source.path)
    items: list[ActionItem] = []
    tree = _ItemTree(doc)
    sec_pos = {id(s): k for k, s in enumerate(doc.sections)}
    taken = _taken_list_items(doc, tree, zones)
    ends = _item_ends(doc, tree, taken)
    text = doc.source.text
    for idx in sorted(taken):
        li, first = doc.list_items[idx], tree.first[idx]
        start, own_end = first.start, tree.own_end[idx]
        end, end_line = ends[idx]
        label = _lead_in_label_end(doc, first)
        if label is not None and label < own_end:
            start = _skip_space(text, label, own_end)
        form = "checkbox" if li.checkbox is not None else ("numbered" if li.ordered else "bullet")
        status = None if li.checkbox is None else ("done" if li.checkbox == "x" else "open")
        section = doc.sections[first.section].title if first.section is not None else None
        item = ActionItem(text[start:own_end], start, end, first.line, end_line, form, status, section=section)
        item.masked, item.masked_at = doc.masked[start:own_end], start
        _read_item(
            doc,
            item,
            ref,
            sec_pos,
            notes=_nested_notes(doc, tree, idx, taken),
            raw=text[li.marker_start : _line_end(text, own_end)],
        )
        items.append(item)
    unsectioned = _reads_as_document(doc)
    for block in doc.blocks:
        if block.kind == "paragraph" and block.list_item is None and not block.quoted and block.section is not None:
            for item in _prose_items(doc, block, zones[block.section]):
                _read_item(doc, item, ref, sec_pos)
                items.append(item)
        elif block.kind == "paragraph" and block.list_item is None and not block.quoted and unsectioned:
            for item in _prose_items(doc, block, "prose"):
                _read_item(doc, item, ref, sec_pos)
                items.append(item)
    items.extend(_table_items(doc, zones, ref))
    items.sort(key=lambda i: i.start)
    return items


def _reads_as_document(doc: Document) -> bool:
    """Text outside any section is read for commitments only in a document (headings, or several
    paragraphs of prose): a sentence or two on their own are a snippet, which the language rules read."""
    return bool(doc.sections) or sum(1 for b in doc.blocks if b.kind == "paragraph") >= 3


FIRST_PERSON = re.compile(r"[\W_]*(?:\w+ly,?\s+)?I\b(?!\.)")
AUTHORS = re.compile(r"^authors?[ \t]*[:=][ \t]*(.*)$", re.M | re.I)


def _sole_author(front_matter: str | None) -> str | None:
    """The one author a YAML or TOML front matter names (``author: kim``, ``authors: [kim]``,
    or a one-entry list below ``authors:``); None where it names none or several."""
    if not front_matter:
        return None
    m = AUTHORS.search(front_matter)
    if m is None:
        return None
    inline = m.group(1).strip()
    if inline:
        names = [n.strip(" '\"") for n in inline.strip("[]").split(",") if n.strip(" '\"")]
    else:
        names = []
        for line in front_matter[m.end() :].lstrip("\n").splitlines():
            entry = re.match(r"\s+-\s+(.+)$", line)
            if entry is None:
                break
            names.append(entry.group(1).strip(" '\""))
    return names[0] if len(names) == 1 and re.fullmatch(r"[\w@][\w .@-]{0,60}", names[0]) else None


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end == -1 else end


def _read_item(
    doc: Document, item: ActionItem, ref: date | None, sec_pos: dict[int, int], notes: str = "", raw: str = ""
) -> None:
    """Metadata in the item's words; status from its words, then its heading, then its tense."""
    _read_metadata(item, ref)
    if item.ticket is None and raw and (t := TICKET.search(raw)) is not None:
        item.ticket = t.group(0)  # a bare link closing the line ("… slow to stop https://…/issues/16")
    if item.owner is None and item.owner_missing_reason is None and FIRST_PERSON.match(item.masked or item.text):
        item.owner = _sole_author(doc.front_matter)  # "I will follow up …" in a post its one author signed
    _read_status(item, notes, raw)
    s = doc.section_of(item.start)
    if s is not None:
        _inherit(item, _heading_chain(doc, s, sec_pos), ref, own=s.title)
    _tense_status(item)


def _heading_chain(doc: Document, s, sec_pos: dict[int, int]) -> str:
    """The item's heading and those above it up to the document's title: "Planned actions" over a
    lead-in still says planned. The title is left out: a "resolved" incident is no done item."""
    titles, seen = [], 0
    i: int | None = sec_pos[id(s)]
    while i is not None and seen < 4:
        sec = doc.sections[i]
        if seen and sec.level <= 1:
            break
        titles.append(sec.title)
        i, seen = sec.parent, seen + 1
    return " / ".join(titles)


def _table_items(doc: Document, zones: list[str], ref: date | None) -> list[ActionItem]:
    rows_of: dict[int, list[Block]] = {}
    for b in doc.blocks:
        if b.kind == "table_row" and not b.header:
            rows_of.setdefault(b.table, []).append(b)
    out = []
    for t_idx, table in enumerate(doc.tables):
        if table.section is None or zones[table.section] != "action":
            continue
        roles = list(_header_roles(tuple(table.header)))
        if "action" not in roles and roles.count(None) == len(roles):
            continue
        if "action" not in roles:
            roles[roles.index(None)] = "action"  # the first unrecognised column holds the item
        for row in rows_of.get(t_idx, ()):
            item = _table_item(doc, row, roles, ref)
            _inherit(item, doc.sections[table.section].title, ref)
            out.append(item)
    return out


def _lead_in_label_end(doc: Document, block: Block) -> int | None:
    """Where the text after a bold lead-in's label starts, when ``block`` opens with one."""
    if block.section is None:
        return None
    s = doc.sections[block.section]
    if s.lead_in and s.label_end is not None and block.start <= s.label_end <= block.end:
        return s.label_end
    return None


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in " \t\n:*_-–—":
        pos += 1
    return pos


def _own_text(doc: Document, tree: _ItemTree, idx: int) -> str:
    first = tree.first[idx]
    return _norm(doc.masked[first.start : tree.own_end[idx]])


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


def _taken_list_items(doc: Document, tree: _ItemTree, zones: list[str]) -> set[int]:
    """The list items that are action items. A top-level item of an action section always is
    (unless it is advice to readers or a placeholder); in a lessons section only when phrased as
    something to do, elsewhere only when the team commits to it. A nested item is its own action
    only where it is itself an order or a commitment and not a note on its parent (a link, a
    "this has been done", an explanation, one of the alternatives its parent introduces with ':')."""
    taken: set[int] = set()
    ancestor_taken = [False] * len(doc.list_items)  # parents come before their children
    for idx, li in enumerate(doc.list_items):
        if li.parent is not None:
            ancestor_taken[idx] = li.parent in taken or ancestor_taken[li.parent]
        first = tree.first.get(idx)
        if first is None or first.quoted:
            continue
        zone = zones[first.section] if first.section is not None else "prose"
        if zone == "barred":
            continue
        text = _own_text(doc, tree, idx)
        label = _lead_in_label_end(doc, first)
        if label is not None:
            text = _norm(doc.masked[label : tree.own_end[idx]])
        if not text and zone == "action" and li.parent is None and doc.source.text[first.start : first.end].strip():
            taken.add(idx)  # "- [ ] https://…/issues/12": the tracker holds the item
            continue
        if not text or _placeholder(text) or _advice(text, zone):
            continue
        parent = tree.parent[idx]
        if parent is not None:
            if not _separate(doc, tree, idx, parent, text, taken, ancestor_taken):
                continue
        elif zone == "action" or _introduced_as_actions(doc, tree, idx):
            pass
        elif zone == "lesson":
            if not _item_says_to_do(doc, li, first, tree.own_end[idx]):
                continue
        elif not _commits(text):
            continue
        taken.add(idx)
    return taken


def _item_says_to_do(doc: Document, li, first: Block, end: int) -> bool:
    """A lesson phrased as something to do. Where it opens with a bold title ("**Test under load** –
    …"), the title is read whole and the explanation after it only for an order or a commitment:
    "… this must be a primary consideration" explains a lesson, it does not set an action."""
    text = doc.source.text
    at = re.compile(r"(?:[-*+]|\d+[.)])[ \t]+(?:\[.\][ \t]+)?").match(text, li.marker_start)
    begin = at.end() if at else first.start
    m = re.compile(r"(\*\*|__)(.+?)\1", re.S).match(text, begin, end)
    if m is None:
        return _says_to_do(_norm(doc.masked[first.start : end]))
    title = _norm(doc.masked[m.start(2) : m.end(2)])
    body = _norm(doc.masked[m.end() : end])
    return _says_to_do(title) or _commits(body) or _orders(body)


def _introduced_as_actions(doc: Document, tree: _ItemTree, idx: int) -> bool:
    """A list introduced by the team's commitment ("We are now focused on:") lists actions."""
    first, intro = tree.first[idx], tree.intro.get(idx)
    if intro is None or intro.kind != "paragraph" or intro.section != first.section:
        return False
    text = _norm(doc.masked[intro.start : intro.end])
    last = _sentences(text)[-1:] if text.endswith(":") else []
    return bool(last) and _commits(last[0])


def _separate(
    doc: Document, tree: _ItemTree, idx: int, parent: int, text: str, taken: set[int], ancestor_taken: list[bool]
) -> bool:
    p_first = tree.first.get(parent)
    if p_first is None:
        return False
    if doc.list_items[idx].parent is None:
        return False  # a flush-left list under a numbered title: the title's content
    if parent not in taken and not ancestor_taken[parent]:
        # the parent is no item: a nested item stands on its own only where it would at top level
        return _commits(text)
    if _own_text(doc, tree, parent).endswith(":"):
        return False  # steps or alternatives of the parent ("by doing one of:")
    if _note(text):
        return False
    return _orders(text) or _commits(text)


def _item_ends(doc: Document, tree: _ItemTree, taken: set[int]) -> dict[int, tuple[int, int]]:
    """Each taken item's end with the nested items that are its details, not those that are items."""
    n = len(doc.list_items)
    end = [tree.own_end.get(i, -1) for i in range(n)]
    end_line = list(tree.own_end_line)
    for i in range(n - 1, -1, -1):
        p = tree.parent[i]
        if p is not None and i not in taken:
            end[p] = max(end[p], end[i])
            end_line[p] = max(end_line[p], end_line[i])
    return {i: (end[i], end_line[i]) for i in taken}


def _nested_notes(doc: Document, tree: _ItemTree, idx: int, taken: set[int]) -> str:
    """The text of the nested items that are details of item ``idx`` ("This has been done: …")."""
    return " ".join(_own_text(doc, tree, j) for j in tree.children.get(idx, ()) if j not in taken and j in tree.first)


def _prose_items(doc: Document, block: Block, zone: str) -> list[ActionItem]:
    """Action items in a paragraph: in an action section every line (when each line is one) or
    sentence that says what to do starts one, and the sentences after it that do not are its
    explanation; in a lessons section the same; elsewhere only the team's commitments."""
    if block.table is not None:
        return []
    if zone == "barred":
        return _labelled_items(doc, block)
    label = _lead_in_label_end(doc, block)
    begin = _skip_space(doc.source.text, label, block.end) if label is not None else block.start
    units = _units(doc, block, begin)
    test = _says_to_do if zone in ("action", "lesson") else _commits
    out: list[ActionItem] = []
    current: list[tuple[int, int]] = []

    def close() -> None:
        if current:
            out.append(_paragraph_item(doc, block, current[0][0], current[-1][1]))

    for s, e in units:
        text = _norm(doc.masked[s:e])
        if text.endswith(":"):
            close()  # an introduction ("… beyond saying:"), not an item
            current = []
        elif test(text) and not _advice(text, zone) and not _placeholder(text) and not _note(text):
            close()
            current = [(s, e)]
        elif current:
            current.append((s, e))
    close()
    return out


def _paragraph_item(doc: Document, block: Block, s: int, e: int) -> ActionItem:
    """An action item written as text ``[s, e)`` of a paragraph."""
    item = ActionItem(
        doc.source.text[s:e],
        s,
        e,
        doc.source.position(s)[0],
        doc.source.position(max(s, e - 1))[0],
        "paragraph",
        None,
        section=doc.sections[block.section].title if block.section is not None else None,
    )
    item.masked, item.masked_at = doc.masked[s:e], s
    return item


ACTION_LABEL = re.compile(
    r"[ \t>*_]*(?:\d{1,2}[:.h]\d{2}(?:\s*[A-Z]{2,5})?[ \t:–—-]+)?(?P<label>\[\s*(?:action(?:\s+item)?|AI|todo|to-?do|follow[- ]?up)\s*\]|"
    r"(?:action\s+item|todo|to-?do|follow[- ]?up)\s*:)[ \t*_]*(?=\S)",
    re.I,
)
"""An item the writer marked as one: "[Action Item] …", "TODO: …", "Follow-up: …", maybe after
the time of a timeline entry."""


def _labelled_items(doc: Document, block: Block) -> list[ActionItem]:
    """In a section that holds no items (the timeline, what went wrong), only what the writer
    marked as an action item is one: from its label to the end of its paragraph."""
    text = doc.source.text
    out = []
    pos = block.start
    while pos < block.end:
        end = text.find("\n", pos, block.end)
        end = block.end if end == -1 else end
        m = ACTION_LABEL.match(text, pos, end)
        if m is not None:
            out.append(_paragraph_item(doc, block, m.start("label"), block.end))  # at the label, after a time
            break
        pos = end + 1
    return out


ONE_PER_LINE_END = re.compile(r"(?:[,\-–—(/&]|\b(?:and|or|the|a|an|to|of|for|with|in|on|that|which|by))\s*$", re.I)


def _units(doc: Document, block: Block, begin: int) -> list[tuple[int, int]]:
    """The paragraph's lines when each is one item (every line opens with a capital or markup and
    none runs on into the next), else its sentences."""
    text = doc.source.text
    lines, pos = [], begin
    for raw in text[begin : block.end].split("\n"):
        s, e = pos, pos + len(raw)
        pos = e + 1
        if raw.strip():
            lines.append((s + len(raw) - len(raw.lstrip()), s + len(raw.rstrip())))
    if len(lines) > 1 and all(
        re.match(r"[\W_]*[A-Z0-9]", text[s:e]) and not ONE_PER_LINE_END.search(text[s:e]) for s, e in lines
    ):
        return lines
    from reviewer.sentences import split_block

    return [(max(s.start, begin), s.end) for s in split_block(doc, block) if s.end > begin]


class _ItemTree:
    """Per list item, in one pass over the blocks: its first block, where its own text ends, where
    it ends with everything nested under it (end offset and last line), its parent (the enclosing
    item, or the numbered title a flush-left bullet list interrupts), its children, and the
    paragraph that introduces its list."""

    def __init__(self, doc: Document) -> None:
        self.first: dict[int, Block] = {}
        self.own_end: dict[int, int] = {}
        n = len(doc.list_items)
        self.own_end_line = [-1] * n
        self.end = [-1] * n
        self.end_line = [-1] * n
        self.parent: list[int | None] = [li.parent for li in doc.list_items]
        self.intro: dict[int, Block] = {}  # top-level item -> the paragraph just before its list
        title: int | None = None  # the numbered title whose details a bullet list may be
        before: Block | None = None  # the last block that is not in a list
        for b in doc.blocks:
            i = b.list_item
            if i is None:
                title, before = None, b
                continue
            if i not in self.first:
                self.first[i] = b
                li = doc.list_items[i]
                if li.parent is None and li.ordered:
                    title = None
                elif li.parent is None and title is not None and self.first[title].section == b.section:
                    self.parent[i] = title
                if li.parent is None and before is not None:
                    self.intro[i] = before
            self.own_end[i] = max(self.own_end.get(i, b.end), b.end)
            self.own_end_line[i] = max(self.own_end_line[i], b.end_line)
            self.end[i] = max(self.end[i], b.end)
            self.end_line[i] = max(self.end_line[i], b.end_line)
            li = doc.list_items[i]
            if li.parent is not None:
                title = None  # a title with nested items of its own: a list after it is not its content
            elif li.ordered and b is self.first[i]:
                title = i if _titles_a_list(doc, li) else None
            elif (
                li.parent is None
                and li.ordered
                and title is None
                and doc.masked[b.start : b.end].rstrip().endswith(":")
            ):
                title = i  # "1. Restore signing" + "   We will do this by:" + a flush-left list
        self.children: dict[int, list[int]] = {}
        for i in range(n):
            if self.parent[i] is not None:
                self.children.setdefault(self.parent[i], []).append(i)
        # a nested item comes after its parent: fold each subtree into its parent, deepest first
        for i in range(n - 1, -1, -1):
            p = doc.list_items[i].parent
            if p is not None:
                self.end[p] = max(self.end[p], self.end[i])
                self.end_line[p] = max(self.end_line[p], self.end_line[i])


def _titles_a_list(doc: Document, li) -> bool:
    """A numbered item that is only a bold title ("1. **Migration**") or ends with ':' on its first line."""
    text = doc.source.text
    line = text[li.marker_start : _line_end(text, li.marker_start)]
    return bool(re.fullmatch(r"\s*\d+[.)]\s+(\*\*|__)[^.!?]{1,80}\1\s*", line) or line.rstrip().endswith(":"))


DONE_HEADING = re.compile(r"\b(?:completed?|done|finished|resolved|already (?:done|taken))\b", re.I)
OPEN_HEADING = re.compile(r"\b(?:planned|in[- ]progress|to ?do|open|pending|proposed|remaining)\b", re.I)


def _inherit(item: ActionItem, heading: str, ref: date | None, own: str | None = None) -> None:
    """What a sub-heading says about all its items: "Immediate actions (completed)", "Planned
    actions (in progress)", "Short-term (tracked in #40885)", "Long-term (Q4 2026)". An absolute
    time frame (a quarter, a date) dates each item as a due column would; a relative one ("this
    week") is not taken as each item's deadline: each item should carry its own date."""
    if item.status is None and DONE_HEADING.search(heading) and not OPEN_HEADING.search(heading):
        item.status = "done"
    elif item.status is None and OPEN_HEADING.search(heading) and not DONE_HEADING.search(heading):
        item.status = "open"
    own = heading if own is None else own
    if item.ticket is None:
        t = TICKET.search(own)
        if t is not None:
            item.ticket, item.ticket_from_heading = t.group(0), True
    if item.deadline is None and ABSOLUTE_TIME.search(own):
        d = find_deadline(own, ref)
        if d is not None and d.valid and d.iso:
            item.deadline = Deadline(d.text, item.start, item.start, d.iso, d.valid)


ABSOLUTE_TIME = re.compile(
    r"\bQ[1-4]\s*'?\d{2,4}\b|\b(?:target|due|by|deadline|eta|until)\b\W*\w*\W*(?:19|20)\d{2}\b", re.I
)


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
                if re.search(r"\b(?:done|closed|complete[d]?|fixed|resolved|shipped|merged)\b|✅|✔|✓|\[x\]", value)
                or re.fullmatch(r"(?:yes|y|true|x)\W*", value)
                else "open"
            )
    ticket_cell = cells.get("ticket")
    if ticket_cell is not None:
        value = text[ticket_cell.start : ticket_cell.end].strip()
        item.ticket = value or None
    completion.read_cells(item, text, cells, ref)  # a Done date column, a date in the status cell
    # metadata written into the action cell itself still counts
    _read_metadata(item, ref, keep_owner=item.owner is not None or item.owner_missing_reason is not None)
    _read_status(item)
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
        if item.owner is None and item.owner_missing_reason is None:
            found = _named_owner(text)
            if found is not None:
                item.owner = found
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
    elif item.priority is None and (w := PRIORITY_WORD.match(text)) is not None:
        item.priority = find_priority(f"priority {w.group(1)}")[0]  # "**HIGH** Include …"
        spans.append((w.start(1), w.end(1)))
    t = TICKET.search(text)
    if t is not None and item.ticket is None:
        item.ticket = t.group(0)
    item.masked_description = _strip_spans(text, spans)
    source = item.text if len(item.text) == len(text) else text
    item.description = _strip_spans(source, spans)
    completion.read_text(item, text, ref)  # "done 2026-11-20"


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


PRIORITY_WORD = re.compile(r"^[\W_]*(CRITICAL|URGENT|HIGH|MEDIUM|LOW)\b(?![\w-])")  # a priority written in capitals
SUBJECT_OWNER = re.compile(
    r"^\W*(?:the\s+)?((?-i:[A-Z][\w-]*[A-Z][\w-]*)|(?:[\w-]+\s+){0,3}(?:team|squad|group|guild))\s+"
    r"(?:will(?!\s+be\b)|should|must|has|have|is going to|are going to|plans? to|is (?:planning|exploring|working on|looking into))\b",
    re.I,
)
NAME_TO = re.compile(
    r"\((?-i:([A-Z][a-z]+(?: [A-Z][a-z]+)?)) (?:to|will|calls?|owns?|leads?|drives?|handles?|takes?)\b[^()]*\)"
)


def _named_owner(text: str) -> str | None:
    """An owner named as the item's subject ("DevEx will migrate …", "The storage team should …")
    or in a note ("(Kim to follow up)", "(Ana calls the meeting)")."""
    m = SUBJECT_OWNER.match(text)
    if m and not _compiled()["verb_start"].match(m.group(1)):
        return m.group(1).strip()
    m = NAME_TO.search(text)
    return m.group(1) if m else None


def _owner_like(value: str) -> bool:
    if not value or len(value) > 40 or find_deadline(value, None) or find_priority(value):
        return False
    if re.match(r"^(?:done|closed|fixed|see|e\.g|i\.e|for|and|or|to|with|in|on|at)\b", value, re.I):
        return False
    words = value.split()
    if len(words) > 4:
        return False
    c = _compiled()
    if c["verb_start"].match(value) or _meaning()["link_word"].match(value):
        return False  # "([Issue](…))", "([PR](…))": link text names no one
    if c["teamish"].search(value):
        return True
    # a person's name: one to three capitalised words, initials included ("M. Chen")
    return len(words) <= 3 and all(
        re.fullmatch(r"[A-Z]\.", w) or (w[:1].isupper() and w.replace("-", "").replace("'", "").isalpha())
        for w in words
    )


def _strip_spans(text: str, spans: list[tuple[int, int]]) -> str:
    out = list(text)
    for s, e in spans:
        for i in range(s, min(e, len(out))):
            out[i] = " "
    cleaned = "".join(out)
    cleaned = re.sub(r"\b(?:owner|due|deadline|priority)\s*[:=]\s*", " ", cleaned, flags=re.I)
    cleaned = re.sub(r"[\s,;:—–-]*[()]\s*[()]?", " ", cleaned)
    return " ".join(cleaned.split()).strip(" .,;—–-")
