"""Reading a document once, and turning character offsets into lines and columns.

Every later stage works on character offsets into ``Source.text``; positions are
converted to 1-based line/column (Unicode code points) only when a finding is made.
"""

from __future__ import annotations

import bisect
import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

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
        raise InputError(path, f"file is too large (over {MAX_BYTES // 1024} KiB, the limit)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data):
        raise InputError(path, "is UTF-16; pmreview reads UTF-8 (save it as UTF-8)")
    if b"\x00" in data:
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


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a byte-order mark: mostly ASCII text with a NUL before or after every character."""
    head = data[:512]
    half = len(head) // 2
    if half < 2:
        return False
    nuls = sorted((head[0::2].count(0), head[1::2].count(0)))
    return nuls[0] < 0.1 * half and nuls[1] > 0.9 * half


class FileTypeError(OSError):
    """Something to read that is not a regular file (a FIFO, a device, a socket, a directory)."""


_KINDS = {
    stat.S_IFDIR: "is a directory",
    stat.S_IFIFO: "is a named pipe (FIFO), not a regular file",
    stat.S_IFCHR: "is a character device, not a regular file",
    stat.S_IFBLK: "is a block device, not a regular file",
    stat.S_IFSOCK: "is a socket, not a regular file",
}


def read_bounded(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file, at most ``limit`` + 1 of them (the caller decides what too many means).

    The file is opened without blocking and checked with ``fstat`` on the open descriptor,
    so a FIFO, a device such as /dev/zero or a file swapped between a check and the open
    is refused instead of hanging or filling memory. Raises OSError (``FileTypeError`` for
    what is not a regular file).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileTypeError(_KINDS.get(stat.S_IFMT(mode), "is not a regular file"))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_stream(stream: BinaryIO, limit: int = MAX_BYTES) -> bytes:
    """At most ``limit`` + 1 bytes of a stream (stdin): an endless one cannot fill memory."""
    return stream.read(limit + 1)


def describe_os_error(exc: OSError) -> str:
    """What went wrong opening a path, in words a user can act on."""
    if isinstance(exc, FileTypeError):
        return str(exc)
    if exc.errno == errno.ELOOP:
        return "is a symbolic link loop (or too many levels of links)"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno == errno.EISDIR:
        return "is a directory"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def read_source(path: Path, display: str | None = None) -> Source:
    """Read and decode one file; every failure becomes an ``InputError`` naming it."""
    name = display or str(path)
    try:
        data = read_bounded(path)
    except OSError as exc:
        raise InputError(name, describe_os_error(exc)) from None
    return decode(name, data)
