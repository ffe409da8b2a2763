"""Inline suppression directives in HTML comments, and the report of unused ones.

``<!-- pmreview-disable BL001 -->`` … ``<!-- pmreview-enable -->`` suppress a range,
``<!-- pmreview-disable-next-line QU -->`` the next non-blank line, and
``<!-- pmreview-disable-file -->`` the whole file. Selectors are codes, prefixes or
rule names, separated by commas or spaces; none means every rule. A directive that
suppresses nothing is reported, as ruff's RUF100 does for ``noqa``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from reviewer.findings import Finding
from reviewer.markdown import Document
from reviewer.ruleset import Rule, known_selector, matches_selector

DIRECTIVE = re.compile(r"^pmreview-([a-z-]+)\b\s*(.*)$", re.S)
ACTIONS = {"disable", "enable", "disable-next-line", "disable-file"}


@dataclass
class Directive:
    action: str
    selectors: tuple[str, ...]
    start: int
    end: int
    scope_start: int = 0
    scope_end: int = 0
    used: bool = False
    problem: str | None = None
    closed_by: list[Directive] = field(default_factory=list)

    def covers(self, rule: Rule) -> bool:
        return not self.selectors or any(matches_selector(rule, s) for s in self.selectors)


def parse_directives(doc: Document, rules: list[Rule] | tuple[Rule, ...]) -> list[Directive]:
    out: list[Directive] = []
    ranges = _OpenRanges()
    text = doc.source.text
    for comment in doc.comments:
        m = DIRECTIVE.match(comment.body)
        if not m:
            continue
        action = m.group(1)
        selectors = tuple(s for s in re.split(r"[\s,]+", m.group(2).strip()) if s)
        d = Directive(action, selectors, comment.start, comment.end)
        if action not in ACTIONS:
            d.problem = (
                f"unknown directive 'pmreview-{action}' (use {', '.join('pmreview-' + a for a in sorted(ACTIONS))})"
            )
        else:
            unknown = [s for s in selectors if not known_selector(rules, s)]
            if unknown:
                d.problem = f"unknown rule selector(s) {', '.join(unknown)} in 'pmreview-{action}'"
        out.append(d)
        if d.problem:
            continue
        if action == "disable-file":
            d.scope_start, d.scope_end = 0, len(text)
        elif action == "disable-next-line":
            line_end = text.find("\n", comment.end)
            nxt = line_end + 1 if line_end != -1 else len(text)
            while nxt < len(text):
                eol = text.find("\n", nxt)
                eol = len(text) if eol == -1 else eol
                if text[nxt:eol].strip():
                    d.scope_start, d.scope_end = nxt, eol
                    break
                nxt = eol + 1
            else:
                d.scope_start = d.scope_end = len(text)
        elif action == "disable":
            d.scope_start, d.scope_end = comment.end, len(text)
            ranges.open(d)
        elif action == "enable":
            ranges.close(selectors, comment.start)
    return out


class _OpenRanges:
    """``pmreview-disable`` ranges not yet closed, found by selector: an ``enable`` closes the
    ranges sharing one of its selectors (or all, when it has none) without scanning every open
    range, so thousands of unclosed ranges cost linear time, not quadratic."""

    def __init__(self) -> None:
        self.every: list[Directive] = []  # all opened, for an enable without selectors
        self.unscoped: list[Directive] = []  # opened without selectors: any enable closes them
        self.by_selector: dict[str, list[Directive]] = {}
        self.closed: set[int] = set()

    def open(self, d: Directive) -> None:
        self.every.append(d)
        if not d.selectors:
            self.unscoped.append(d)
        for s in d.selectors:
            self.by_selector.setdefault(s, []).append(d)

    def close(self, selectors: tuple[str, ...], at: int) -> None:
        if not selectors:
            found, self.every, self.unscoped, self.by_selector = self.every, [], [], {}
        else:
            found = [r for s in selectors for r in self.by_selector.pop(s, [])] + self.unscoped
            self.unscoped = []
        for r in found:
            if id(r) not in self.closed:
                self.closed.add(id(r))
                r.scope_end = at


def apply(findings: list[Finding], directives: list[Directive], rules_by_code: dict[str, Rule]) -> list[Finding]:
    """Drop suppressed findings and mark the directives that did the suppressing.

    A finding is suppressed when it starts inside the scope of a directive that covers its
    rule. Worked per rule code (a document's findings carry a few dozen codes at most):
    each directive finds the findings of each code it covers by bisection, and marks their
    index range; so the work is (directives × codes) log findings, not directives × findings,
    which a document with thousands of unclosed ``pmreview-disable`` comments would make.
    """
    live = [d for d in directives if not d.problem and d.action != "enable" and d.scope_start < d.scope_end]
    if not live:
        return findings
    by_code: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        if f.code in rules_by_code:
            by_code.setdefault(f.code, []).append(i)
    suppressed: set[int] = set()
    for code, indices in by_code.items():
        indices.sort(key=lambda i: findings[i].start)
        starts = [findings[i].start for i in indices]
        marks = [0] * (len(indices) + 1)  # +1 where a covered range opens, -1 where it closes
        rule = rules_by_code[code]
        for d in live:
            lo = bisect.bisect_left(starts, d.scope_start)
            hi = bisect.bisect_left(starts, d.scope_end)
            if lo < hi and d.covers(rule):
                d.used = True
                marks[lo] += 1
                marks[hi] -= 1
        depth = 0
        for k, i in enumerate(indices):
            depth += marks[k]
            if depth > 0:
                suppressed.add(i)
    return [f for i, f in enumerate(findings) if i not in suppressed]
