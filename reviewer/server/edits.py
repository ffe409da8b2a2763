"""Code actions as offset edits: a finding's suggestions, and the directives that silence it.

Edits are ``(start, end, text)`` in the reviewed ``Source``'s offsets; ``lsp`` places them in
the editor's buffer. The directives are those pmreview already reads (reviewer/suppress.py):

- "disable for this line": ``<!-- pmreview-disable-next-line CODE -->``, whose scope is the
  next non-blank line after the comment's own line. Where the finding's line opens a block,
  the comment goes on a line of its own just above it, indented like the line's content so a
  list stays one list and a quote one quote. Where the line continues a block (a wrapped
  paragraph, a later table row) a line of its own would split the paragraph or break the
  table, so the comment goes at the end of the line before, as inline HTML, which renders
  as nothing. A directive already governing that line gets the code added instead, since a
  second comment line would become the first one's "next line". Where neither is safe (the
  first row of a table, whose previous line is the delimiter row; a line before it that ends
  inside a code span) no line action is offered: the file action still is.
- "disable for this file": ``<!-- pmreview-disable-file CODE -->`` on the first line after the
  front matter (before it, the front matter would no longer be front matter), or the code
  added to such a directive already there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewer.findings import Finding
from reviewer.markdown import FRONT_MATTER, Document
from reviewer.suppress import Directive, parse_directives

TITLE_CHARS = 72
CONTAINER = re.compile(r"^(?:[ \t]*>[ \t]?)*")  # blockquote markers, kept on an inserted line
LIST_MARKER = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
HARD_BREAK = re.compile(r"(?:\\|[ \t]{2,})$")


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Action:
    title: str
    edits: tuple[Edit, ...]
    preferred: bool = False


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def quick_fixes(finding: Finding) -> list[Action]:
    """One action per suggestion that replaces text (the others are instructions, shown in the hover)."""
    out = []
    for s in finding.suggestions:
        if s.start is None or s.end is None:
            continue
        if s.text:
            title = f"{finding.code}: replace with '{_short(s.text)}'"
        else:
            title = f"{finding.code}: remove '{_short(finding.match)}'" if s.start < s.end else f"{finding.code}: fix"
        out.append(Action(title, (Edit(s.start, s.end, s.text),), preferred=s.safe))
    return out


def directives(doc: Document) -> list[Directive]:
    from reviewer.ruleset import default_rules

    return parse_directives(doc, default_rules())


def _add_code(d: Directive, code: str, text: str) -> Edit:
    """Append ``code`` to an existing directive's selectors (just before ``-->``)."""
    close = text.rfind("-->", d.start, d.end)
    at = close if close != -1 else d.end
    while at > d.start and text[at - 1].isspace():
        at -= 1
    return Edit(at, at, f" {code}")


def _in_code(doc: Document, offset: int) -> bool:
    return any(s <= offset < e for s, e in doc.code_spans)


def disable_line(finding: Finding, doc: Document, found: list[Directive], newline: str = "\n") -> Action | None:
    if finding.whole_document:
        return None  # its line is only an anchor
    source = doc.source
    text = source.text
    line = source.position(finding.start)[0]
    line_start = source.line_starts[line - 1]
    title = f"{finding.code}: disable for this line"
    for d in found:
        if d.action == "disable-next-line" and not d.problem and d.selectors and d.scope_start == line_start:
            return Action(title, (_add_code(d, finding.code, text),))
    comment = f"<!-- pmreview-disable-next-line {finding.code} -->"
    block = next((b for b in doc.blocks if b.start <= finding.start < max(b.end, b.start + 1)), None)
    previous = source.line_text(line - 1) if line > 1 else ""
    continues = block is not None and block.line < line and previous.strip()
    if block is not None and block.kind == "table_row":
        continues = line > 1 and previous.strip() and not re.fullmatch(r"[\s|:\-]+", previous)
        if not continues:
            return None  # the first body row: the line above is the delimiter row, which takes no text
    if continues:
        # at the end of the line before, but before a hard break (two spaces, a backslash) that ends it
        brk = HARD_BREAK.search(previous)
        at = source.line_starts[line - 2] + (brk.start() if brk else len(previous))
        if _in_code(doc, max(0, at - 1)):
            return None  # the line before ends inside a code span: the comment would be code
        pad = "" if at > 0 and text[at - 1] in " \t" else " "
        return Action(title, (Edit(at, at, f"{pad}{comment}"),))
    return Action(title, (Edit(line_start, line_start, f"{_indent(source.line_text(line))}{comment}{newline}"),))


def _indent(line: str) -> str:
    """What goes before a comment line inserted above ``line``: its quote markers, and the indent of
    its content (past a list marker), so the comment sits in the same container as the line.
    A top-level item's content indent is capped at 3: four spaces after a blank line are code."""
    quote = CONTAINER.match(line).group(0)
    rest = line[len(quote) :]
    marker = LIST_MARKER.match(rest)
    if marker is None:
        return quote + rest[: len(rest) - len(rest.lstrip(" \t"))]
    width = len(marker.group(0).expandtabs(4))
    if not rest[:1].isspace():
        width = min(width, 3)
    return quote + " " * width


def disable_file(finding: Finding, doc: Document, found: list[Directive], newline: str = "\n") -> Action:
    title = f"{finding.code}: disable for this file"
    text = doc.source.text
    for d in found:
        if d.action == "disable-file" and not d.problem and d.selectors:
            return Action(title, (_add_code(d, finding.code, text),))
    fm = FRONT_MATTER.match(text)
    at = fm.end() if fm else 0
    if fm and not text[:at].endswith("\n"):  # front matter that ends the file
        return Action(title, (Edit(at, at, f"{newline}<!-- pmreview-disable-file {finding.code} -->{newline}"),))
    return Action(title, (Edit(at, at, f"<!-- pmreview-disable-file {finding.code} -->{newline}"),))


def actions_for(finding: Finding, doc: Document, found: list[Directive], newline: str = "\n") -> list[Action]:
    out = quick_fixes(finding)
    line = disable_line(finding, doc, found, newline)
    if line is not None:
        out.append(line)
    out.append(disable_file(finding, doc, found, newline))
    return out
