"""Markdown structure with exact offsets, and a masked copy of the text.

markdown-it-py gives block tokens with line ranges. From them we build:

* ``masked``: the document with the same length as the source, where code, URLs,
  HTML, front matter and Markdown markup are replaced by spaces (or ``x`` for
  inline code, so sentences around it still parse). Offsets into ``masked`` are
  offsets into the source, so a match never has to be found again (Vale's problem).
* ``blocks``: headings, paragraphs (including list items) and table rows, each with
  its section, list/quote/table context and timeline timestamp.
* ``sections``: the heading outline with a canonical name per heading.
* ``comments``: HTML comments outside code, for suppression directives.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.rules_block import hr as hr_rule
from mdit_py_plugins.footnote import footnote_plugin

from reviewer.headings import Aliases, heading_words, is_label, roles
from reviewer.source import Source

__all__ = ["Aliases", "Document", "Section", "heading_words", "parse"]


@dataclass
class Section:
    title: str
    level: int
    canonical: str | None  # the main section it plays (roles[0]), or None
    start: int  # offset of the heading line
    end: int  # offset where the next heading of the same or higher level starts
    line: int
    parent: int | None = None  # index of the enclosing section
    roles: tuple[str, ...] = ()  # every section it plays: "Lessons learned and action items" is two
    lead_in: bool = False  # a bold lead-in ("- **Impact**: …", "**Root cause:** …"), not a heading
    label_end: int | None = None  # a lead-in's: where the text after its label starts
    item: int | None = None  # a lead-in's: the list item it labels (its nested items are its content)


@dataclass
class ListItem:
    marker_start: int  # offset of the bullet/number
    depth: int
    ordered: bool
    checkbox: str | None  # " " open, "x" done, None for a plain item
    parent: int | None  # index of the enclosing list item
    start_line: int
    end_line: int  # inclusive, 1-based


@dataclass
class TableCell:
    start: int
    end: int
    column: int


@dataclass
class Block:
    """A unit of prose: a heading, a paragraph (maybe in a list item) or a table row."""

    kind: str  # "heading" | "paragraph" | "table_row"
    start: int
    end: int
    line: int
    end_line: int
    section: int | None = None
    quoted: bool = False
    list_item: int | None = None
    table: int | None = None
    header: bool = False  # a table's header row
    cells: list[TableCell] = field(default_factory=list)
    timestamp: tuple[int, int] | None = None  # span of a leading time stamp


@dataclass
class Table:
    start_line: int
    end_line: int
    section: int | None
    header: list[str]


@dataclass
class Comment:
    start: int
    end: int
    body: str


@dataclass
class Document:
    source: Source
    masked: str
    blocks: list[Block]
    sections: list[Section]
    list_items: list[ListItem]
    tables: list[Table]
    comments: list[Comment]
    front_matter: str | None
    code_spans: list[tuple[int, int]]

    _section_starts: list[int] = field(init=False, repr=False, compare=False)
    _subtree_end: list[int] = field(init=False, repr=False, compare=False)
    _code: Spans = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._section_starts = [s.start for s in self.sections]
        # sections are in document order and nest by level, so a section's subsections are
        # the sections after it up to the first one that is not nested under it
        self._subtree_end = list(range(1, len(self.sections) + 1))
        for i in range(len(self.sections) - 1, -1, -1):
            p = self.sections[i].parent
            if p is not None:
                self._subtree_end[p] = max(self._subtree_end[p], self._subtree_end[i])
        self._code = Spans(self.code_spans)

    def section_of(self, offset: int) -> Section | None:
        """The innermost section holding ``offset``: the last heading at or before it (a later,
        shallower heading would have ended any deeper one), unless the offset is past the end."""
        k = _innermost(self.sections, self._section_starts, offset)
        return self.sections[k] if k is not None else None

    def subsections(self, index: int) -> range:
        """The section ``index`` and every section nested under it (a run of indices)."""
        return range(index, self._subtree_end[index])

    def with_subsections(self, top: set[int] | list[int]) -> set[int]:
        """The given sections and every section nested under them."""
        out: set[int] = set()
        for i in sorted(top):
            if i not in out:  # else already inside an enclosing section's run
                out.update(self.subsections(i))
        return out

    def sections_named(self, *names: str) -> set[int]:
        """The sections playing any of these roles, by heading or lead-in, with everything nested
        under them: the one reading of "where are the action items / the factors / the timeline"."""
        wanted = set(names)
        return self.with_subsections({i for i, s in enumerate(self.sections) if wanted & set(s.roles)})

    def in_code(self, start: int, end: int) -> bool:
        return self._code.overlaps(start, end)


class Spans:
    """Sorted (start, end) spans, asked whether any overlaps a range in O(log n)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [s for s, _ in ordered]
        self.max_end = list(itertools.accumulate((e for _, e in ordered), max))

    def overlaps(self, start: int, end: int) -> bool:
        """Is there a span with ``s < end and start < e``?"""
        k = bisect.bisect_left(self.starts, end)
        return k > 0 and self.max_end[k - 1] > start


MAX_NESTING = 100
"""markdown-it's nesting limit (its commonmark preset has 20: about 9 list levels). Each
level of block nesting costs markdown-it about two Python frames (a list level is two
levels, a list and its item), so 100 stays far inside Python's recursion limit."""


@cache
def _parser() -> MarkdownIt:
    options = {"html": True, "maxNesting": MAX_NESTING}
    # only block tokens and their raw ``content`` are read: inline parsing (a third of the
    # time, and recursive on nested brackets) is switched off
    md = MarkdownIt("commonmark", options).enable(["table", "strikethrough"]).disable("inline")
    # footnote definitions ("[^2]:" and an indented body) are prose, not indented code; kept where
    # they are written (no footnote_tail), so blocks stay in document order
    md.use(footnote_plugin)
    md.core.ruler.disable("footnote_tail")
    # Past the limit markdown-it drops the rest of the container, unseen. Parse it instead
    # with the leaf rules alone (paragraphs, code, headings, tables, HTML), every line taken
    # as indented no deeper than the container: deeper list markers and quote marks stay in
    # the text, but every sentence is still reviewed and fenced code is still code.
    flat = MarkdownIt("commonmark", {**options, "maxNesting": 2**31}).enable(["table", "strikethrough"])
    flat.disable(["list", "blockquote"])
    for parser in (md, flat):
        parser.block.ruler.at("hr", _hr, {"alt": ["paragraph", "reference", "blockquote", "list"]})
    nested = md.block.tokenize

    def tokenize(state, start: int, end: int) -> None:
        if state.level < MAX_NESTING:
            nested(state, start, end)
            return
        indents = state.sCount[start:end]
        state.sCount[start:end] = [min(i, state.blkIndent) for i in indents]
        state.md = flat
        try:
            flat.block.tokenize(state, start, end)
        finally:
            state.md = md
            state.sCount[start:end] = indents

    md.block.tokenize = tokenize
    return md


def _hr(state, start: int, end: int, silent: bool) -> bool:
    """markdown-it's thematic-break rule walks the line in Python, again at every nesting level
    ("- - - … - text" on one long line is 50 list levels of it): a line with anything but its
    marker and blanks is turned down at C speed first; the rule itself handles the rest."""
    pos, maximum = state.bMarks[start] + state.tShift[start], state.eMarks[start]
    marker = state.src[pos] if pos < maximum else ""
    if marker not in ("*", "-", "_") or state.src[pos:maximum].strip(marker + " \t"):
        return False
    return hr_rule(state, start, end, silent)


FRONT_MATTER = re.compile(r"\A(?:---[ \t]*\n(.*?\n)(?:---|\.\.\.)|\+\+\+[ \t]*\n(.*?\n)\+\+\+)[ \t]*(?:\n|\Z)", re.S)
"""YAML front matter (``---``), or TOML (``+++``) as Hugo and Zola blogs write it."""
HTML_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
URL = re.compile(r"\b(?:https?|ftp)://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]|\bwww\.[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")
AUTOLINK = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*|[^\s<>@]+@[^\s<>]+)>")
INLINE_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
LINK_TAIL = re.compile(r"\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)|\]\[[^\]]*\]")
EMPHASIS = re.compile(r"(?<![\w*_~\\])(\*{1,3}|_{1,3}|~~)(?=[^\s*_~])|(?<=[^\s*_~\\])(\*{1,3}|_{1,3}|~~)(?![\w*_~])")
ESCAPE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
LIST_MARKER = re.compile(r"([ \t]*)([-+*]|\d{1,9}[.)])([ \t]+|$)(\[([ xX])\][ \t]+)?")
QUOTE_PREFIX = re.compile(r"[ \t]{0,3}>[ \t]?")
ZONES = (
    "UTC|GMT|Z|CET|CEST|EET|EEST|WET|WEST|BST|IST|PST|PDT|PT|MST|MDT|MT|CST|CDT|CT|EST|EDT|ET|AKST|AKDT|HST|"
    "AEST|AEDT|ACST|AWST|JST|KST|SGT|HKT|NZST|NZDT|BRT|ART|MSK|SAST|WAT|EAT|ICT|PHT|WIB"
)
ZONE = re.compile(rf"(?<![\w+-])(?:(?:UTC|GMT)\s?[+-]\d{{1,2}}(?::?\d{{2}})?|[+-]\d{{2}}:?\d{{2}}|(?:{ZONES}))(?![\w])")
TIMESTAMP = re.compile(
    r"""(?ix)
    (?:\|\s*)?(?:\*\*|__)?\s*
    (?:(?:\d{4}-\d{2}-\d{2}|\d{1,2}\s+[a-z]{3,9}(?:\s+\d{4})?|[a-z]{3,9}\s+\d{1,2}(?:,\s*\d{4})?)[ T,]+)?
    (?:[01]?\d|2[0-3])[:.h][0-5]\d(?::[0-5]\d)?(?:\s*[ap]\.?m\.?)?
    (?:\s*\(?(?-i:(?:UTC|GMT)\s?[+-]\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|(?:UTC|GMT|Z|CET|CEST|EET|EEST|WET|WEST|BST|IST|PST|PDT|PT|MST|MDT|MT|CST|CDT|CT|EST|EDT|ET|AKST|AKDT|HST|AEST|AEDT|ACST|AWST|JST|KST|SGT|HKT|NZST|NZDT|BRT|ART|MSK|SAST|WAT|EAT|ICT|PHT|WIB))\b\)?)?
    (?:\s*(?:\*\*|__))?
    \s*(?:[:\-–—|]\s*)?
    """
)


def _blank(chars: list[str], start: int, end: int, fill: str = " ") -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = fill


def _code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """CommonMark code spans between ``start`` and ``end`` (backtick runs of equal length)."""
    spans = []
    i = start
    while True:
        i = text.find("`", i, end)
        if i == -1:
            return spans
        j = i
        while j < end and text[j] == "`":
            j += 1
        run = j - i
        k = j
        while True:
            k = text.find("`" * run, k, end)
            if k == -1:
                break
            m = k + run
            if m < end and text[m] == "`":
                while m < end and text[m] == "`":
                    m += 1
                k = m
                continue
            spans.append((i, k + run))
            break
        i = (k + run) if k != -1 else j


def _mask_inline(text: str, chars: list[str], start: int, end: int, code: list[tuple[int, int]]) -> None:
    """Mask inline markup between offsets: code spans, links, URLs, HTML, emphasis."""
    spans = _code_spans(text, start, end)
    for s, e in spans:
        # Backticks become spaces; the code itself becomes x's so the sentence still parses.
        _blank(chars, s, e, "x")
        ticks = 0
        while text[s + ticks] == "`":
            ticks += 1
        _blank(chars, s, s + ticks)
        _blank(chars, e - ticks, e)
        code.append((s, e))
    segment = "".join(chars[start:end])
    for pattern in (AUTOLINK, HTML_COMMENT, INLINE_HTML):
        for m in pattern.finditer(segment):
            _blank(chars, start + m.start(), start + m.end())
    segment = "".join(chars[start:end])
    _mask_links(chars, start, segment)
    segment = "".join(chars[start:end])
    for m in URL.finditer(segment):
        _blank(chars, start + m.start(), start + m.end())
    segment = "".join(chars[start:end])
    for m in EMPHASIS.finditer(segment):
        _blank(chars, start + m.start(), start + m.end())
    for m in ESCAPE.finditer(segment):
        chars[start + m.start()] = " "


def _mask_links(chars: list[str], start: int, segment: str) -> None:
    """Blank each link's tail (``](url)``, ``][ref]``) and the ``[`` (or ``![``) that opened it.

    The opener is the nearest unmatched ``[`` before the tail, so one pass with a stack of
    open brackets finds every opener (a scan back from each tail would be quadratic in a
    long paragraph full of links)."""
    opened: list[int] = []
    pos = 0
    for m in LINK_TAIL.finditer(segment):
        for i in range(pos, m.start()):
            c = segment[i]
            if c == "[":
                opened.append(i)
            elif c == "]" and opened:
                opened.pop()
        _blank(chars, start + m.start(), start + m.end())
        if opened:
            i = start + opened.pop()
            chars[i] = " "
            if i > start and chars[i - 1] == "!":
                chars[i - 1] = " "
        pos = m.end()


def _roles(title: str, aliases: Aliases) -> tuple[str, ...]:
    return roles(title, aliases)


def parse(source: Source, section_aliases: dict[str, list[str]] | None = None) -> Document:
    with _collector_paused():
        return _parse(source, section_aliases)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing allocates several objects per line (tokens, blocks, the list of characters) and
    makes no reference cycles worth collecting meanwhile; Python's cyclic collector would still
    rescan every live object, a loaded spaCy model's included, again and again as they pile up:
    about 40 % of the parse of a large document."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(source: Source, section_aliases: dict[str, list[str]] | None) -> Document:
    text = source.text
    chars = list(text)
    starts = source.line_starts
    n_lines = len(starts)
    front_matter = None
    code: list[tuple[int, int]] = []

    def line_start(i: int) -> int:  # 0-based line index -> offset
        return starts[i] if i < n_lines else len(text)

    def line_end(i: int) -> int:
        return starts[i + 1] - 1 if i + 1 < n_lines else len(text)

    aliases = tuple((name, tuple(patterns)) for name, patterns in (section_aliases or {}).items())
    parse_text = text
    fm = FRONT_MATTER.match(text)
    if fm:
        front_matter = fm.group(1) if fm.group(1) is not None else fm.group(2)
        _blank(chars, 0, fm.end())
        code.append((0, fm.end()))
        # keep the line structure so token maps stay valid
        parse_text = re.sub(r"[^\n]", " ", text[: fm.end()]) + text[fm.end() :]

    tokens = _parser().parse(parse_text)
    blocks: list[Block] = []
    sections: list[Section] = []
    list_items: list[ListItem] = []
    tables: list[Table] = []
    quote_depth = 0
    item_stack: list[int] = []
    list_stack: list[bool] = []  # ordered?
    table_rows: list[tuple[int, bool, int, int]] = []  # line, header?, quote depth, table index
    in_thead = False

    def strip_prefixes(line_idx: int) -> int:
        """Blank container prefixes (quote markers, list markers) of one line; return content offset."""
        pos = line_start(line_idx)
        end = line_end(line_idx)
        for _ in range(quote_depth):
            m = QUOTE_PREFIX.match(text, pos, end)
            if not m:
                break
            _blank(chars, m.start(), m.end())
            pos = m.end()
        return pos

    for idx, tok in enumerate(tokens):
        t = tok.type
        if t == "blockquote_open":
            quote_depth += 1
        elif t == "blockquote_close":
            quote_depth -= 1
        elif t in ("bullet_list_open", "ordered_list_open"):
            list_stack.append(t == "ordered_list_open")
        elif t in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
        elif t == "list_item_open":
            first = tok.map[0]
            m = LIST_MARKER.match(text, line_start(first) + _quote_prefix_len(text, line_start(first), quote_depth))
            marker = m.start(2) if m else line_start(first)
            checkbox = None
            if m:
                _blank(chars, m.start(2), m.end(3))
                if m.group(4):
                    checkbox = m.group(5).lower()
                    _blank(chars, m.start(4), m.end(4))
            list_items.append(
                ListItem(
                    marker_start=marker,
                    depth=len(item_stack),
                    ordered=list_stack[-1] if list_stack else False,
                    checkbox=checkbox,
                    parent=item_stack[-1] if item_stack else None,
                    start_line=first + 1,
                    end_line=tok.map[1],
                )
            )
            item_stack.append(len(list_items) - 1)
        elif t == "list_item_close":
            item_stack.pop()
        elif t in ("fence", "code_block"):
            s, e = line_start(tok.map[0]), line_end(tok.map[1] - 1)
            _blank(chars, s, e)
            code.append((s, e))
        elif t == "html_block":
            s, e = line_start(tok.map[0]), line_end(tok.map[1] - 1)
            _blank(chars, s, e)
        elif t == "hr":
            _blank(chars, line_start(tok.map[0]), line_end(tok.map[1] - 1))
        elif t == "table_open":
            tables.append(Table(tok.map[0] + 1, tok.map[1], None, []))
        elif t == "thead_open":
            in_thead = True
        elif t == "thead_close":
            in_thead = False
        elif t == "tr_open":
            table_rows.append((tok.map[0], in_thead, quote_depth, len(tables) - 1))
        elif t == "heading_open":
            inline = tokens[idx + 1]
            level = int(tok.tag[1])
            first, last = tok.map[0], tok.map[1] - 1
            if tok.markup.startswith("#"):
                s = line_start(first) + _quote_prefix_len(text, line_start(first), quote_depth)
                e = line_end(first)
                m = re.match(r"[ \t]{0,3}#{1,6}[ \t]*", text[s:e])
                cs = s + (m.end() if m else 0)
                _blank(chars, s, cs)
                ce = e
                closing = re.search(r"[ \t]+#+[ \t]*$|^#+[ \t]*$", text[cs:e])
                if closing:
                    ce = cs + closing.start()
                    _blank(chars, ce, e)
                content_end_line = first
            else:  # setext: the underline is the last line
                cs = line_start(first) + _quote_prefix_len(text, line_start(first), quote_depth)
                ce = line_end(last - 1)
                _blank(chars, line_start(last), line_end(last))
                content_end_line = last - 1
            while ce > cs and text[ce - 1] in " \t":
                ce -= 1
            cs = _skip_ws(text, cs, ce)
            _mask_inline(text, chars, cs, ce, code)
            title = inline.content.strip()
            named = _roles(title, aliases)
            sections.append(
                Section(title, level, named[0] if named else None, line_start(first), len(text), first + 1, roles=named)
            )
            blocks.append(
                Block(
                    "heading",
                    cs,
                    ce,
                    first + 1,
                    content_end_line + 1,
                    section=len(sections) - 1,
                    quoted=quote_depth > 0,
                )
            )
        elif t == "paragraph_open":
            inline = tokens[idx + 1]
            first, last = tok.map[0], tok.map[1] - 1
            content_lines = inline.content.split("\n")
            spans = []
            for i, content in enumerate(content_lines):
                li = first + i
                if li > last:
                    break
                ls, le = line_start(li), line_end(li)
                cpos = strip_prefixes(li)
                raw = text[cpos:le]
                stripped = raw.rstrip()
                c = content.rstrip()
                cs = cpos + len(stripped) - len(c) if c and stripped.endswith(c) else _skip_ws(text, cpos, le)
                ce = cpos + len(stripped)
                _blank(chars, ls, cs)
                _blank(chars, ce, le)
                spans.append((cs, ce))
            if not spans:
                continue
            s, e = spans[0][0], spans[-1][1]
            _mask_inline(text, chars, s, e, code)
            block = Block(
                "paragraph",
                s,
                e,
                first + 1,
                last + 1,
                quoted=quote_depth > 0,
                list_item=item_stack[-1] if item_stack else None,
            )
            if len(spans) == 1 and _looks_like_row(text[s:e]):
                block.cells = _split_cells(text, chars, s, e)
            blocks.append(block)

    # table rows: one block per row, cells split on unescaped pipes
    for row_line, header, depth, table_idx in table_rows:
        ls, le = line_start(row_line), line_end(row_line)
        s = ls + _quote_prefix_len(text, ls, depth)
        _blank(chars, ls, s)
        cells = _split_cells(text, chars, s, le)
        for cell in cells:
            _mask_inline(text, chars, cell.start, cell.end, code)
        if header:
            tables[table_idx].header = [text[c.start : c.end].strip() for c in cells]
            # the delimiter row follows the header
            _blank(chars, line_start(row_line + 1), line_end(row_line + 1))
        if cells:
            blocks.append(
                Block(
                    "table_row",
                    cells[0].start,
                    cells[-1].end,
                    row_line + 1,
                    row_line + 1,
                    quoted=depth > 0,
                    table=table_idx,
                    header=header,
                    cells=cells,
                )
            )
    blocks.sort(key=lambda b: b.start)

    _untitle(sections, aliases)
    sections = _with_lead_ins(text, sections, blocks, list_items, aliases, line_end)
    sec_starts = [s.start for s in sections]
    for block in blocks:
        if block.kind != "heading" and sections:
            block.section = _innermost(sections, sec_starts, block.start)
    for tb in tables:
        tb.section = _innermost(sections, sec_starts, starts[tb.start_line - 1])

    masked = "".join(chars)
    for block in blocks:
        # trim masked markup (checkboxes, emphasis) from the ends of the block
        begin, finish = block.start, block.end
        while block.start < block.end and masked[block.start].isspace():
            block.start += 1
        while block.end > block.start and masked[block.end - 1].isspace():
            block.end -= 1
        if block.start == block.end and text[begin:finish].strip():
            # all masked (a bare link, "- [ ] https://…/issues/12"): the block is still where its text is
            lead = re.match(r"\s*(?:\[[ xX]\]\s+)?", text[begin:finish])
            block.start = begin + (lead.end() if lead else 0)
            block.end = finish - (len(text[begin:finish]) - len(text[begin:finish].rstrip()))
        if block.kind == "heading":
            sections[block.section].title = " ".join(masked[block.start : block.end].split())
        else:
            m = TIMESTAMP.match(masked, block.start, block.end)
            if m and m.end() > m.start() and re.search(r"\d[:.h]\d", masked[m.start() : m.end()]):
                block.timestamp = (m.start(), m.end())

    comments = []
    fm_span = (0, fm.end() if fm else 0)
    in_code = Spans([c for c in code if c != fm_span])
    for m in HTML_COMMENT.finditer(text):
        if not in_code.overlaps(m.start(), m.start() + 1):
            comments.append(Comment(m.start(), m.end(), m.group(1).strip()))
    return Document(source, masked, blocks, sections, list_items, tables, comments, front_matter, sorted(code))


LEAD_IN = re.compile(
    r"(?:\*\*|__)[ \t]*([^*_\n]{1,60}?)[ \t]*(?::[ \t]*(?:\*\*|__)|(?:\*\*|__)[ \t]*:|(?:\*\*|__)[ \t]*(?:\n|$))"
)
LEAD_IN_LEVEL = 7
"""Deeper than any heading: a lead-in is nested under the heading it appears in."""
CONTAINERS = frozenset({"summary"})
"""Sections whose parts may be labelled by lead-ins ("## Summary" then "**Impact**: …"). Inside a
named section (contributing factors, a timeline) a bold label is part of its content."""


def _with_lead_ins(text, sections, blocks, list_items, aliases, line_end) -> list[Section]:
    """Headings and bold lead-ins as one outline, in document order and nested.

    A paragraph or list item that starts with a bold label naming a section ("- **Impact**: …",
    "**Root cause:** …", "- **Follow-up work**:" over nested bullets) is read as a section of that
    name: a list item's runs to the end of the item and its nested items, a paragraph's to the next
    lead-in or heading. Only where the heading above names no section, or a container such as a
    summary: many teams write one H1 and then bold-labelled bullets. A paragraph that is nothing but
    a section's name ("Action Items" over a list) is a heading without the markup, wherever it is."""
    heading_starts = [sec.start for sec in sections]
    found: list[tuple[Section, int | None]] = []
    for block in blocks:
        if block.kind != "paragraph" or block.quoted or block.cells:
            continue
        m = LEAD_IN.match(text, block.start, min(block.end + 1, len(text)))
        plain = m is None
        if m is not None:
            label, label_end = m.group(1), m.end()
        else:
            # a line that is only a section's name ("Action Items", "Lessons learned:") over a list
            label = text[block.start : block.end].strip().rstrip(":").strip()
            if "\n" in label or len(label.split()) > 4 or not is_label(label, aliases):
                continue
            label_end = block.end
        named = roles(label, aliases)
        if not named:
            continue
        k = bisect.bisect_right(heading_starts, block.start) - 1
        above = sections[k] if k >= 0 else None
        if above is not None and above.roles and not set(above.roles) <= CONTAINERS and not plain:
            continue  # a bold label inside a named section is its content; a bare name line is a heading
        item = block.list_item
        if item is not None and list_items[item].start_line != block.line:
            continue  # a later paragraph of an item: the item is not labelled by it
        depth = list_items[item].depth + 1 if item is not None else 0
        title = " ".join(label.split()).rstrip(":")
        sec = Section(
            title, LEAD_IN_LEVEL + depth, named[0], block.start, len(text), block.line, roles=named, lead_in=True
        )
        sec.label_end, sec.item = _skip_ws(text, label_end, block.end), item
        found.append((sec, line_end(list_items[item].end_line - 1) if item is not None else None))
    if not found:
        _nest(sections)
        return sections
    order = sorted(range(len(sections) + len(found)), key=lambda i: (sections + [f[0] for f in found])[i].start)
    merged = [(sections + [f[0] for f in found])[i] for i in order]
    new_index = {old: new for new, old in enumerate(order)}
    for block in blocks:
        if block.kind == "heading" and block.section is not None:
            block.section = new_index[block.section]
    _nest(merged)
    for sec, item_end in found:
        if item_end is not None:
            sec.end = min(sec.end, item_end)
    return merged


def _untitle(sections: list[Section], aliases: Aliases) -> None:
    """A document's first heading, at level 1 with others after it, is its title, not a section
    ("# Root cause of the login outage"), unless it is only a label ("# Summary")."""
    if len(sections) < 2 or sections[0].level != 1 or not sections[0].roles:
        return
    if not is_label(sections[0].title, aliases):
        sections[0].roles, sections[0].canonical = (), None


def _innermost(sections: list[Section], starts: list[int], offset: int) -> int | None:
    """The innermost section holding ``offset``: the last one starting at or before it, or the
    nearest enclosing one where that has ended (a lead-in item ends before its heading does)."""
    k = bisect.bisect_right(starts, offset) - 1
    while k is not None and k >= 0 and offset >= sections[k].end:
        k = sections[k].parent
    return k if k is not None and k >= 0 else None


def _nest(sections: list[Section]) -> None:
    """Each section ends where the next heading of the same or a higher level starts, and
    its parent is the nearest heading before it of a higher level: one pass with a stack."""
    open_: list[int] = []
    for i, sec in enumerate(sections):
        while open_ and sections[open_[-1]].level >= sec.level:
            sections[open_.pop()].end = sec.start
        sec.parent = open_[-1] if open_ else None
        open_.append(i)


def _skip_ws(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos] in " \t":
        pos += 1
    return pos


def _quote_prefix_len(text: str, pos: int, depth: int) -> int:
    start = pos
    for _ in range(depth):
        m = QUOTE_PREFIX.match(text, pos)
        if not m:
            break
        pos = m.end()
    return pos - start


def _looks_like_row(line: str) -> bool:
    s = line.strip()
    return len(s) > 2 and s.startswith("|") and s.endswith("|") and s.count("|") >= 3


def _split_cells(text: str, chars: list[str], start: int, end: int) -> list[TableCell]:
    """Split a table row into cells on pipes outside code spans (the pipes stay: they separate cells for rules too)."""
    code = _code_spans(text, start, end)  # in order, not overlapping
    pipes = []
    k = 0
    i = text.find("|", start, end)
    while i != -1:
        while k < len(code) and code[k][1] <= i:
            k += 1
        if (i == start or text[i - 1] != "\\") and not (k < len(code) and code[k][0] <= i):
            pipes.append(i)
        i = text.find("|", i + 1, end)
    bounds = [start - 1, *pipes, end]
    segments = list(itertools.pairwise(bounds))
    if pipes and text[start : pipes[0]].strip() == "":
        segments = segments[1:]  # leading pipe
    if pipes and text[pipes[-1] + 1 : end].strip() == "":
        segments = segments[:-1]  # trailing pipe
    cells = []
    for col, (a, b) in enumerate(segments):
        cs, ce = a + 1, b
        while cs < ce and text[cs] in " \t":
            cs += 1
        while ce > cs and text[ce - 1] in " \t":
            ce -= 1
        cells.append(TableCell(cs, ce, col))
    return cells
