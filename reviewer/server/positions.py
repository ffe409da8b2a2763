"""Character offsets of the reviewed text <-> LSP positions.

The engine reviews a decoded ``Source``: BOM dropped, CRLF and lone CR made LF, offsets
counted in code points. The editor's buffer keeps its BOM and line endings and counts
columns in the negotiated position encoding (UTF-16 unless the client offers another).
Line numbers agree (each of CRLF, CR and LF ends one line in both), so a position is
converted through (line, code-point column), adding the BOM on the first line. pygls'
own helpers split lines with ``str.splitlines``, which also breaks at U+2028, form feeds
and other characters LSP does not count as line ends, so they are not used here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewer.source import Source

LINE_BREAK = re.compile(r"\r\n|\r|\n")
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def units(text: str, encoding: str) -> int:
    """Length of ``text`` in the code units of an LSP position encoding."""
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def code_points(line: str, count: int, encoding: str) -> int:
    """How many code points of ``line`` the first ``count`` code units cover (clamped to the line)."""
    if encoding == UTF32:
        return max(0, min(count, len(line)))
    seen = 0
    for i, c in enumerate(line):
        if seen >= count:
            return i
        seen += units(c, encoding)
    return len(line)


@dataclass
class Mapper:
    """Converts between a reviewed ``Source`` and the client's buffer it was decoded from."""

    source: Source
    bom: bool  # the buffer starts with U+FEFF, which the Source dropped
    encoding: str = UTF16

    @classmethod
    def of(cls, source: Source, buffer: str, encoding: str = UTF16) -> Mapper:
        return cls(source, buffer.startswith("\ufeff"), encoding)

    def position(self, offset: int) -> tuple[int, int]:
        """0-based (line, character) in the client's units of an offset into the Source."""
        offset = max(0, min(offset, len(self.source.text)))
        line, column = self.source.position(offset)
        before = self.source.line_text(line)[: column - 1]
        character = units(before, self.encoding)
        if line == 1 and self.bom:
            character += units("\ufeff", self.encoding)
        return line - 1, character

    def offset(self, line: int, character: int) -> int:
        """The Source offset of a client position; out-of-range lines and columns are clamped."""
        starts = self.source.line_starts
        if line < 0:
            return 0
        if line >= len(starts):
            return len(self.source.text)
        text = self.source.line_text(line + 1)
        if line == 0 and self.bom:
            character -= units("\ufeff", self.encoding)
        return starts[line] + code_points(text, max(0, character), self.encoding)


def newline_of(buffer: str) -> str:
    """The line ending an inserted line should use: the buffer's first one (LF when it has none)."""
    m = LINE_BREAK.search(buffer)
    return m.group(0) if m else "\n"
