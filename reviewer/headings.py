"""What a heading (or a bold lead-in) names: the canonical sections it plays, by the words' stems.

Teams write "Corrective Action", "Preventive Measures", "Root Cause", "Learnings and Next
Improvements", "How did this happen?". Aliases in ``rules/lexicons/sections.yml`` are small
regular expressions; each is expanded into the literal phrases it stands for, and a heading
matches a phrase when the phrase's stems occur in it as a run of words, so singular, plural and
derived forms ("corrective"/"correction", "prevention"/"preventive") need no alias of their own.

A heading may join several roles ("Lessons learned and action items"): it is split on "and",
"&", "/" and commas, and each part names at most one section, the one whose phrase starts
earliest in that part (the longer phrase on a tie, then the alias order), so "Impact
analysis" is impact, "Timeline of actions" is a timeline, and "Actions taken" (an alias of
resolution) is not a list of action items.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # the stdlib's own regex parser: expands the small aliases exactly
from functools import lru_cache

Aliases = tuple[tuple[str, tuple[str, ...]], ...]

MAX_START = 1
"""A phrase names a heading only where it starts within its first words ("Incident timeline",
"Key takeaways"): deeper inside a longer heading it is part of a title ("Alcide admission
causing Kubernetes timeouts" is no causes section)."""
SHORT = 3
"""A heading part of at most this many words may hold its phrase anywhere ("A brief summary")."""

MAX_PHRASES = 64
"""An alias standing for more phrases than this (or for unbounded text) is matched as a
regular expression on the heading's words instead."""

SPLIT = re.compile(r"\s*(?:\band\b|&|/|,|\+|;)\s*")
NO_STRIP = ("ss", "us", "is")
SUFFIXES = ("ational", "ation", "ative", "ement", "ment", "ing", "ion", "ive", "ate", "ed", "al")


def heading_words(text: str) -> str:
    """A heading as section aliases are matched on: lower case, ASCII letters and digits,
    everything else one space (config.py normalises the user's aliases the same way)."""
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text.lower()).split())


# British past forms that no suffix rule reaches: "Lessons learnt" is "Lessons learned"
IRREGULAR = {"learnt": "learned", "spelt": "spelled", "burnt": "burned", "spilt": "spilled", "dreamt": "dreamed"}


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A light, deterministic suffix stripper: the same word family gives the same stem on both
    sides of the comparison (causes/cause, measures/measure, corrective/correction, learnings/learned)."""
    w = word.lower()
    w = IRREGULAR.get(w, w)
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "xes", "ches", "shes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(NO_STRIP):
        w = w[:-1]
    for suffix in SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def stems(norm: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in norm.split())


def expand(pattern: str) -> list[str] | None:
    """The literal phrases a small alias pattern stands for ("corrective (?:actions|measures)" ->
    two phrases), or None when it is not a finite small set (then it is matched as a pattern)."""
    try:
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    out = _expand(list(tree))
    if out is None:
        return None
    phrases = sorted({" ".join(p.split()) for p in out if p.strip()})
    return phrases or None


def _expand(items: list) -> list[str] | None:
    results = [""]
    for op, arg in items:
        options = _options(op, arg)
        if options is None:
            return None
        results = [r + o for r in results for o in options]
        if len(results) > MAX_PHRASES:
            return None
    return results


def _options(op, arg) -> list[str] | None:
    name = str(op)
    if name == "LITERAL":
        return [chr(arg)]
    if name == "AT":
        return [""]  # \b, ^, $: headings are matched word by word anyway
    if name == "SUBPATTERN":
        return _expand(list(arg[-1]))
    if name == "BRANCH":
        out: list[str] = []
        for branch in arg[1]:
            sub = _expand(list(branch))
            if sub is None:
                return None
            out.extend(sub)
        return out
    if name in ("MAX_REPEAT", "MIN_REPEAT"):
        low, high, body = arg
        if high > 1:
            return None
        sub = _expand(list(body))
        if sub is None:
            return None
        return ([""] if low == 0 else []) + sub
    if name == "IN":
        chars = [chr(a) for o, a in arg if str(o) == "LITERAL"]
        if len(chars) != len(arg):
            return None
        return [" " if c in "- " else c for c in chars]
    return None


class _Index:
    """The aliases as stem phrases indexed by their first stem (a heading is looked up word by
    word, not compared with every phrase), plus the patterns that do not expand."""

    def __init__(self, aliases: Aliases) -> None:
        self.by_first: dict[str, list[tuple[tuple[str, ...], int, str]]] = {}
        self.patterns: list[tuple[re.Pattern[str], int, str]] = []
        for order, (name, patterns) in enumerate(aliases):
            for p in patterns:
                phrases = expand(p)
                if phrases is None:
                    self.patterns.append((re.compile(rf"(?:^|\b){p}(?:\b|$)"), order, name))
                    continue
                for ph in phrases:
                    st = stems(heading_words(ph))
                    if st:
                        self.by_first.setdefault(st[0], []).append((st, order, name))

    def best(self, part: str) -> tuple[int, int, int, str] | None:
        """The section one part of a heading names: (position, -length, alias order, name)."""
        best = None
        hay = stems(part)
        reach = len(hay) if len(hay) <= SHORT else MAX_START + 1
        for i, first in enumerate(hay[:reach]):
            for phrase, order, name in self.by_first.get(first, ()):
                if hay[i : i + len(phrase)] == phrase:
                    cand = (i, -len(phrase), order, name)
                    if best is None or cand < best:
                        best = cand
            if best is not None:
                break  # a phrase starting later cannot come first
        for pattern, order, name in self.patterns:
            m = pattern.search(part)
            if m is not None:
                cand = (len(part[: m.start()].split()), -max(1, len(m.group(0).split())), order, name)
                if cand[0] >= reach:
                    continue
                if best is None or cand < best:
                    best = cand
        return best


@lru_cache(maxsize=64)
def _index(aliases: Aliases) -> _Index:
    return _Index(aliases)


@lru_cache(maxsize=4096)
def is_label(title: str, aliases: Aliases) -> bool:
    """Is the heading only a section label ("Summary", "Root causes"), with nothing of a title in it?"""
    norm = heading_words(title)
    best = _index(aliases).best(norm) if norm else None
    return best is not None and best[0] == 0 and -best[1] == len(norm.split())


@lru_cache(maxsize=4096)
def roles(title: str, aliases: Aliases) -> tuple[str, ...]:
    """The canonical sections a heading plays, the first being its main one (headings repeat: memoised)."""
    norm = heading_words(title)
    if not norm:
        return ()
    out: list[str] = []
    index = _index(aliases)
    whole = index.best(norm)
    parts = [p for p in SPLIT.split(title.lower()) if heading_words(p)]
    named = [b for p in parts for b in [index.best(heading_words(p))] if b is not None] if len(parts) > 1 else []
    if len(named) <= 1:
        # one role: the phrase may itself hold "and" ("what happened and why")
        best = whole if whole is not None else (named[0] if named else None)
        return (best[3],) if best is not None else ()
    for b in named:
        if b[3] not in out:
            out.append(b[3])
    return tuple(out)
