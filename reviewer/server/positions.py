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

import bisect
import itertools
import re
from dataclasses import dataclass, field

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


@dataclass
class Mapper:
    """Converts between a reviewed ``Source`` and the client's buffer it was decoded from.

    Each line's unit counts are worked out once, when a position on it is first asked for, so a
    hostile document (one 5 MB line holding forty thousand findings) costs a pass over the line,
    not a pass per finding: ASCII lines map one to one, others keep the indices of their astral
    characters (UTF-16) or their UTF-8 prefix lengths, searched by bisection."""

    source: Source
    bom: bool  # the buffer starts with U+FEFF, which the Source dropped
    encoding: str = UTF16
    _lines: dict[int, tuple[int, list[int] | None]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, source: Source, buffer: str, encoding: str = UTF16) -> Mapper:
        return cls(source, buffer.startswith("\ufeff"), encoding)

    def _line(self, line: int) -> tuple[int, list[int] | None]:
        """(length in code points, table) of a 1-based line; the table is None where units are code points."""
        known = self._lines.get(line)
        if known is not None:
            return known
        text = self.source.line_text(line)
        table: list[int] | None = None
        if self.encoding != UTF32 and not text.isascii():
            if self.encoding == UTF8:
                sizes = (1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4 for o in map(ord, text))
                table = [0, *itertools.accumulate(sizes)]
            else:
                table = [i for i, c in enumerate(text) if ord(c) > 0xFFFF] or None
        known = (len(text), table)
        self._lines[line] = known
        return known

    def _units(self, line: int, column: int) -> int:
        """Code units before the 0-based code-point ``column`` of a 1-based line."""
        _, table = self._line(line)
        if table is None:
            return column
        if self.encoding == UTF8:
            return table[min(column, len(table) - 1)]
        return column + bisect.bisect_left(table, column)

    def position(self, offset: int) -> tuple[int, int]:
        """0-based (line, character) in the client's units of an offset into the Source."""
        offset = max(0, min(offset, len(self.source.text)))
        line, column = self.source.position(offset)
        character = self._units(line, column - 1)
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
        if line == 0 and self.bom:
            character -= units("\ufeff", self.encoding)
        length, _ = self._line(line + 1)
        # the last code point whose units before it are at most ``character`` (the unit count only grows)
        lo, hi = 0, length
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._units(line + 1, mid) <= character:
                lo = mid
            else:
                hi = mid - 1
        return starts[line] + lo


def newline_of(buffer: str) -> str:
    """The line ending an inserted line should use: the buffer's first one (LF when it has none)."""
    m = LINE_BREAK.search(buffer)
    return m.group(0) if m else "\n"
