"""The hover on a finding: its message, then the rule's what, why and what to write instead.

The same ``docs:`` block of the rule file that ``pmreview rule CODE`` and docs/rules/ render
(reviewer/docs.py), cut to what fits a hover, with the rule page linked for the rest.
"""

from __future__ import annotations

from reviewer.docs import rule_url
from reviewer.findings import Finding
from reviewer.ruleset import Rule


def _para(text: object) -> str:
    return "\n".join(line.rstrip() for line in str(text).strip().splitlines())


def _fence(text: object) -> str:
    body = _para(text)
    ticks = "````" if "```" in body else "```"
    return f"{ticks}markdown\n{body}\n{ticks}"


def hover_text(finding: Finding, rule: Rule | None) -> str:
    """Markdown for one finding."""
    head = f"**{finding.code}** `{finding.name}` · {finding.severity}"
    parts = [head, _para(finding.message)]
    replacement = next((s for s in finding.suggestions if s.start is not None and s.text), None)
    if replacement is not None:
        parts.append(f"Suggested: “{_para(replacement.text)}” (a quick fix)")
    elif finding.fix:
        parts.append(f"Help: {_para(finding.fix)}")
    if rule is not None:
        d = rule.docs
        parts += ["**What it does**", _para(d["what"]), "**Why**", _para(d["why"])]
        if d.get("use_instead"):
            parts += ["**Instead**", _fence(d["use_instead"])]
    parts.append(f"[{finding.code} rule page]({rule_url(finding.code)})")
    return "\n\n".join(parts)


def hover_for(findings: list[Finding], rules: dict[str, Rule]) -> str:
    """Markdown for every finding under the cursor, one rule's docs once."""
    seen: set[str] = set()
    out = []
    for f in findings:
        rule = rules.get(f.code) if f.code not in seen else None
        seen.add(f.code)
        out.append(hover_text(f, rule))
    return "\n\n---\n\n".join(out)
