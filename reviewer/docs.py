"""Rule pages, ruff-style, from the ``docs:`` block of each rule file.

One source for ``pmreview rule CODE``, the generated ``docs/rules/*.md`` and the
rule catalogue.
"""

from __future__ import annotations

from reviewer.ruleset import FAMILIES, Rule

PROJECT_URL = "https://github.com/pmreview/pmreview"
DOCS_URL = f"{PROJECT_URL}/blob/main/docs/rules"
"""Where the generated rule pages are published; every output format links rules here."""


def rule_url(code: str) -> str:
    """The help page of a rule, so CI annotations and PR comments can link to the why and the fix."""
    return f"{DOCS_URL}/{code}.md"


def _block(text: str) -> str:
    return "\n".join(line.rstrip() for line in str(text).strip().splitlines())


def rule_page(rule: Rule) -> str:
    d = rule.docs
    parts = [
        f"# {rule.name} ({rule.code})",
        "",
        f"Family: {FAMILIES[rule.family]} · default severity: {rule.severity} · status: {rule.status}",
        "",
        "## What it does",
        _block(d["what"]),
        "",
        "## Why is this bad?",
        _block(d["why"]),
        "",
        "## Example",
        "```markdown",
        _block(d["example"]),
        "```",
        "",
        "Use instead:",
        "```markdown",
        _block(d["use_instead"]),
        "```",
    ]
    if d.get("options"):
        parts += ["", "## Options", _block(d["options"])]
    if d.get("references"):
        parts += ["", "## References", *[f"- {r}" for r in d["references"]]]
    return "\n".join(parts) + "\n"


def catalogue(rules: list[Rule] | tuple[Rule, ...]) -> str:
    lines = ["# pmreview rules", "", "| Code | Name | Severity | What it flags |", "|---|---|---|---|"]
    for r in rules:
        lines.append(f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity} | {r.summary()} |")
    return "\n".join(lines) + "\n"


def write_docs(directory: str = "docs/rules") -> None:
    """Regenerate docs/rules/: one page per rule and the catalogue (python -m reviewer.docs)."""
    from pathlib import Path

    from reviewer.ruleset import default_rules

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rules = default_rules()
    for r in rules:
        (out / f"{r.code}.md").write_text(rule_page(r), encoding="utf-8")
    (out / "README.md").write_text(catalogue(rules), encoding="utf-8")


if __name__ == "__main__":
    write_docs()
