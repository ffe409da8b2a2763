"""Inline suppression directives in HTML comments, and the report of unused ones.

``<!-- pmreview-disable BL001 -->`` … ``<!-- pmreview-enable -->`` suppress a range,
``<!-- pmreview-disable-next-line QU -->`` the next non-blank line, and
``<!-- pmreview-disable-file -->`` the whole file. Selectors are codes, prefixes or
rule names, separated by commas or spaces; none means every rule. A directive that
suppresses nothing is reported, as ruff's RUF100 does for ``noqa``.
"""

from __future__ import annotations

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
    open_ranges: list[Directive] = []
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
            open_ranges.append(d)
        elif action == "enable":
            for r in list(open_ranges):
                if not selectors or set(r.selectors) & set(selectors) or not r.selectors:
                    r.scope_end = comment.start
                    open_ranges.remove(r)
    return out


def apply(findings: list[Finding], directives: list[Directive], rules_by_code: dict[str, Rule]) -> list[Finding]:
    """Drop suppressed findings and mark the directives that did the suppressing."""
    kept = []
    for f in findings:
        rule = rules_by_code.get(f.code)
        suppressed = False
        for d in directives:
            if d.problem or d.action == "enable" or rule is None:
                continue
            if d.scope_start <= f.start < d.scope_end and d.covers(rule):
                d.used = True
                suppressed = True
        if not suppressed:
            kept.append(f)
    return kept
