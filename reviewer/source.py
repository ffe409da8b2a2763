"""Reading a document once, and turning character offsets into lines and columns.

Every later stage works on character offsets into ``Source.text``; positions are
converted to 1-based line/column (Unicode code points) only when a finding is made.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

MAX_BYTES = 5 * 1024 * 1024
"""Files above this size are refused: a postmortem is a few pages, not megabytes."""


class InputError(Exception):
    """A file that cannot be reviewed; the message names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class Source:
    """A decoded document: BOM removed, line endings normalised to ``\\n``."""

    path: str
    text: str
    line_starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self.line_starts = starts

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count code points."""
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1

    def offset(self, line: int, column: int = 1) -> int:
        """Character offset of a 1-based (line, column)."""
        return self.line_starts[line - 1] + column - 1

    def line_text(self, line: int) -> str:
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.text)
        return self.text[start:end]


def decode(path: str, data: bytes) -> Source:
    """Decode bytes as UTF-8 text, refusing binary, oversized and non-UTF-8 input."""
    if len(data) > MAX_BYTES:
        raise InputError(path, f"file is too large ({len(data) // 1024} KiB; the limit is {MAX_BYTES // 1024} KiB)")
    if b"\x00" in data[:8192]:
        raise InputError(path, "looks like a binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, f"is not valid UTF-8 (invalid byte at line {line}); save it as UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Source(path=path, text=text)


def read_source(path: Path, display: str | None = None) -> Source:
    """Read and decode one file; every failure becomes an ``InputError`` naming it."""
    name = display or str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(name, f"file is too large (the limit is {MAX_BYTES // 1024} KiB)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(name, "no such file or directory") from None
    except IsADirectoryError:
        raise InputError(name, "is a directory") from None
    except PermissionError:
        raise InputError(name, "permission denied") from None
    except OSError as exc:
        raise InputError(name, exc.strerror or str(exc)) from None
    return decode(name, data)
