"""What kind of remedy an action item is: detection, mitigation, prevention, recovery, learning or
governance (rules/lexicons/action_categories.yml).

Why words and not a model: the guides a lead follows ask whether a team's actions only ever add
alerts, which a reader decides from the item's verb and object ("add an alert", "roll back",
"validate the schema"). A deterministic reading of those words is explainable line by line and
needs no model at review time; ``benchmarks/eval_action_categories.py`` measures it on items we
wrote for the purpose.
"""

from __future__ import annotations

import re
from functools import cache

from reviewer.resources import lexicon_dir
from reviewer.ruleset import read_yaml

CATEGORIES = ("detection", "mitigation", "prevention", "recovery", "learning", "governance")


@cache
def _patterns() -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    data = read_yaml(lexicon_dir() / "action_categories.yml")
    out = []
    for name, patterns in data["classes"].items():
        if name not in CATEGORIES:
            raise ValueError(f"action_categories.yml: unknown class {name!r}")
        out.append((name, tuple(re.compile(r"(?<![\w-])(?:" + p + ")", re.I) for p in patterns)))
    return tuple(out)


def category(text: str) -> str | None:
    """The class with the most matching phrases (the first listed on a tie), or None."""
    best, most = None, 0
    for name, patterns in _patterns():
        hits = sum(len(p.findall(text)) for p in patterns)
        if hits > most:
            best, most = name, hits
    return best
