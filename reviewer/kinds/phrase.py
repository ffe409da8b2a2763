"""``phrase``: words and phrases that are wrong wherever they appear in prose."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from reviewer.findings import Suggestion
from reviewer.kinds.base import Context, Hit, Kind, compile_pattern, inside, quoted_spans
from reviewer.rewrite import drop
from reviewer.sentences import Sentence


class Phrase(Kind):
    """``patterns``: regexes (or {pattern, replace, fix}); ``exceptions``: regexes that veto an overlapping match."""

    keys: ClassVar[dict[str, bool]] = {"patterns": True, "exceptions": False}

    def __init__(self, rule) -> None:
        super().__init__(rule)
        self.patterns = []
        for item in rule.options["patterns"]:
            spec = item if isinstance(item, dict) else {"pattern": item}
            if set(spec) - {"pattern", "replace", "fix"}:
                raise self.error(f"pattern entries take pattern, replace, fix; got {sorted(spec)}")
            self.patterns.append((compile_pattern(self, spec.get("pattern")), spec.get("replace"), spec.get("fix")))
        self.exceptions = [compile_pattern(self, e, "exception") for e in rule.options.get("exceptions", [])]
        self.set_prefilter(*(p.pattern for p, _, _ in self.patterns))

    def wants(self, sent: Sentence, ctx: Context) -> bool:
        return bool(self.prefilter.search(sent.text))

    def check(self, sent: Sentence, ctx: Context) -> Iterable[Hit]:
        quoted = quoted_spans(sent.text)
        vetoes = [(m.start(), m.end()) for e in self.exceptions for m in e.finditer(sent.text)]
        taken: list[tuple[int, int]] = []
        for pattern, replace, fix in self.patterns:
            for m in pattern.finditer(sent.text):
                s, e = m.start(), m.end()
                if inside(quoted, s, e) or any(a < e and s < b for a, b in vetoes + taken):
                    continue
                taken.append((s, e))
                suggestions = []
                if replace == "":
                    suggestions.append(drop(sent, (s, e)))
                elif replace is not None:
                    text = m.expand(replace)
                    if sent.text[s : s + 1].isupper() and text:
                        text = text[0].upper() + text[1:]
                    suggestions.append(Suggestion(text, sent.at(s), sent.end_at(e), safe=True))  # a word for a word
                yield Hit(sent.at(s), sent.end_at(e), suggestions=suggestions, fix=fix)
