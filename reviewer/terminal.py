"""What may reach a terminal or a CI log from a document: no control sequences.

A postmortem comes from a pull request, and whatever pmreview echoes of it (a source
line, a suggestion, a quoted match, a title, a file name) is written to a terminal or a
CI log that renders ANSI. An ESC there can retitle the window (``\\e]0;…\\a``), clear the
screen (``\\e[2J``), hide lines or forge output; bidi overrides reorder what is shown.
Text formats swap each such character for a visible stand-in of the same width, so the
caret line under a finding still lines up; JSON formats keep the data exact by escaping
them as ``\\uXXXX``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any, TextIO

_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
"""Embeddings, overrides and isolates: they reorder the characters that follow them."""

_TABLE = {
    **{c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A)},  # C0: control pictures (␛ for ESC)
    0x7F: 0x2421,  # DEL: ␡
    **dict.fromkeys(range(0x80, 0xA0), 0xFFFD),  # C1 (CSI, OSC, …): no picture exists
    **dict.fromkeys(_BIDI, 0xFFFD),
}

_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character but tab and newline made visible and inert."""
    return text.translate(_TABLE)


def one_line(text: str) -> str:
    """``text`` as one inert line for a log: newline and tab made visible too (␊, ␉).

    A newline in a file name would start a line of its own, which a CI runner reads for
    workflow commands (``::error::…``) on stderr just as on stdout.
    """
    return printable(text).replace("\n", "\u240a").replace("\t", "\u2409")


COLOR_CHOICES = ("auto", "always", "never")


def color_wanted(when: str, stream: TextIO | None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour what goes to ``stream``: ``--color always|never`` decides; ``auto`` follows
    the environment (https://no-color.org: a non-empty ``NO_COLOR`` turns colour off, then a
    non-empty ``FORCE_COLOR`` other than ``0`` turns it on, as CI logs that render ANSI set it),
    and else colours a terminal only. No stream (``--output-file``) is a file: only ``always``."""
    if when != "auto":
        return when == "always"
    if stream is None:
        return False
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def echo_error(message: str) -> None:
    """One ``pmreview: error: …`` line on stderr; the message may quote a path or a document."""
    import click

    click.echo(f"pmreview: error: {one_line(message)}", err=True)


def echo_warning(message: str) -> None:
    """One ``pmreview: warning: …`` line on stderr."""
    import click

    click.echo(f"pmreview: warning: {one_line(message)}", err=True)


def dumps(data: Any, **kwargs: Any) -> str:
    """``json.dumps`` keeping non-ASCII text readable, but with DEL, C1 and bidi controls escaped.

    json.dumps already escapes C0 (ESC included); with ``ensure_ascii=False`` it writes
    the rest raw, and they only ever occur inside strings, so escaping them keeps the
    JSON valid and the data unchanged.
    """
    text = json.dumps(data, ensure_ascii=False, **kwargs)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
