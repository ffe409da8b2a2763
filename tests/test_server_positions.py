"""Offsets of the reviewed text <-> LSP positions (reviewer/server/positions.py), against a plain
reference: the client's buffer keeps its BOM and CRLF/CR line ends, counts UTF-8, UTF-16 or UTF-32
units; the review sees LF-only text without the BOM. No server process: these are pure functions."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.server.positions import UTF8, UTF16, UTF32, Mapper
from reviewer.source import decode

ALPHABET = st.sampled_from(["a", " ", "é", "€", "🔥", "\n", "\r\n", "\r", "\u2028", "\x0c", "Ω", "𝔸"])


def reference(buffer: str, encoding: str) -> list[tuple[int, int]]:
    """(line, character) of every code point of the buffer after its BOM, counted the slow way."""
    codec, width = {UTF8: ("utf-8", 1), UTF16: ("utf-16-le", 2), UTF32: ("utf-32-le", 4)}[encoding]
    out = []
    for n, line in enumerate(re.split(r"\r\n|\r|\n", buffer)):
        out += [(n, len(line[:i].encode(codec)) // width) for i in range(len(line) + 1)]
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join), st.booleans(), st.sampled_from([UTF8, UTF16, UTF32]))
def test_every_offset_maps_to_the_clients_position_and_back(body: str, bom: bool, encoding: str) -> None:
    buffer = ("\ufeff" if bom else "") + body
    source = decode("x.md", buffer.encode("utf-8"))
    mapper = Mapper.of(source, buffer, encoding)
    expected = reference(body, encoding)
    if bom:
        shift = {UTF8: 3, UTF16: 1, UTF32: 1}[encoding]
        expected = [(n, c + shift if n == 0 else c) for n, c in expected]
    assert [mapper.position(i) for i in range(len(source.text) + 1)] == expected
    assert [mapper.offset(*p) for p in expected] == list(range(len(source.text) + 1))


@pytest.mark.parametrize("encoding", [UTF8, UTF16, UTF32])
def test_positions_out_of_range_are_clamped(encoding: str) -> None:
    source = decode("x.md", "ab\n🔥c\n".encode())
    mapper = Mapper.of(source, "ab\n🔥c\n", encoding)
    assert mapper.offset(-1, 5) == 0
    assert mapper.offset(0, 99) == 2  # past the end of a line: its end
    assert mapper.offset(99, 0) == len(source.text)
    assert mapper.offset(1, 1) in (3, 4)  # inside the emoji's units: at it or after it, never elsewhere
