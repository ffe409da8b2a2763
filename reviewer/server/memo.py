"""A bounded memo of sentence text -> spaCy parse, so an edit re-parses only what it changed.

The engine already parses each distinct sentence text once per review; between two reviews
of a draft being typed, all but one or two sentences are unchanged, and their parses are the
same Docs (the rules only read a parse). The server installs this memo in front of
``reviewer.nlp.parse`` in its own process, the one call through which the engine parses
(``nlp.parse`` is looked up at call time), so the CLI and every other caller are untouched.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from reviewer import nlp

MAX_ENTRIES = 4096
"""Parses kept: a 300-line draft has about 300 sentences; a parse of one holds a few KB."""


class ParseMemo:
    """LRU of (model, text) -> Doc in front of a parse function with ``nlp.parse``'s signature."""

    def __init__(self, parse: Callable[..., list[Any]], max_entries: int = MAX_ENTRIES) -> None:
        self._parse = parse
        self._max = max_entries
        self._docs: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __call__(self, texts: Iterable[str], model: str = nlp.DEFAULT_MODEL, batch_size: int = 256) -> list[Any]:
        texts = list(texts)
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if (model, t) not in self._docs))
        parsed = dict(zip(missing, self._parse(missing, model=model, batch_size=batch_size), strict=True))
        out = []
        with self._lock:
            for t in texts:
                key = (model, t)
                doc = parsed.get(t)
                if doc is None:
                    doc = self._docs[key]
                    self._docs.move_to_end(key)
                    self.hits += 1
                else:
                    self._docs[key] = doc
                    self.misses += 1
                out.append(doc)
            while len(self._docs) > self._max:
                self._docs.popitem(last=False)
        return out

    def clear(self) -> None:
        with self._lock:
            self._docs.clear()


def install(max_entries: int = MAX_ENTRIES) -> ParseMemo:
    """Put a memo in front of ``reviewer.nlp.parse`` for this process (once; later calls return it)."""
    current = nlp.parse
    if isinstance(current, ParseMemo):
        return current
    memo = ParseMemo(current, max_entries)
    nlp.parse = memo  # type: ignore[assignment]
    return memo
