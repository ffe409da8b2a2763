"""The shipped section aliases (``rules/lexicons/sections.yml``): which headings name which section.

Its own module so that parsing a corpus for the recurrence index needs the aliases and not
the engine (the engine imports recurrence to load the matcher)."""

from __future__ import annotations

from functools import cache

from reviewer.resources import lexicon_dir
from reviewer.ruleset import read_yaml


@cache
def section_aliases() -> dict[str, list[str]]:
    return read_yaml(lexicon_dir() / "sections.yml")
