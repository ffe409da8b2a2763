"""Rules as data: one YAML file per rule, loaded strictly.

A rule file names a *kind* (the mechanism, one small Python class in
``reviewer.kinds``) and carries everything else: code, name, severity, scope,
patterns, message, docs and the examples that must fail and must pass. The loader
rejects unknown keys, duplicate codes or names, and unknown kinds, naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from reviewer.findings import Finding, Severity
from reviewer.resources import lexicon_dir, rules_dir

CODE = re.compile(r"^[A-Z]{2}\d{3}$")
NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
FAMILIES = {
    "BL": "blameful language",
    "QU": "person-centred questions",
    "RC": "root-cause framing",
    "AI": "action items",
    "ST": "structure",
    "RE": "recurrence",
    "PM": "pmreview itself",
}
BLOCK_KINDS = {"paragraph", "table_row", "heading"}
COMMON_KEYS = {
    "code": True,
    "name": True,
    "kind": True,
    "severity": True,
    "message": True,
    "fix": True,
    "docs": True,
    "tests": True,
    "status": False,
    "aliases": False,
    "scope": False,
    "sections": False,
    "skip": False,
}
DOC_KEYS = {"what": True, "why": True, "example": True, "use_instead": True, "options": False, "references": False}
STATUSES = {"stable", "preview", "deprecated"}
SKIPPABLE = {"quoted", "timeline", "action_items"}


class RuleError(Exception):
    """A rule file that breaks the schema; the message names the file."""


@dataclass
class Example:
    text: str
    match: str | None = None  # the text a failing example must flag, when given


@dataclass(eq=False)
class Rule:
    code: str
    name: str
    kind: str
    severity: Severity
    message: str
    fix: str
    docs: dict[str, Any]
    fail: list[Example]
    passes: list[str]
    path: Path
    options: dict[str, Any]
    status: str = "stable"
    aliases: list[str] = field(default_factory=list)
    scope: set[str] = field(default_factory=lambda: {"paragraph", "table_row"})
    sections_include: set[str] | None = None
    sections_exclude: set[str] = field(default_factory=set)
    skip: set[str] = field(default_factory=lambda: {"quoted"})

    @property
    def family(self) -> str:
        return self.code[:2]

    def summary(self) -> str:
        return " ".join(str(self.docs["what"]).split()).split(". ")[0].rstrip(".") + "."


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml: rules load ~10x faster
    """SafeLoader that refuses duplicate keys instead of silently keeping the last."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: invalid YAML: {exc}") from None


def _strings(path: Path, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{path}: '{key}' must be a string or a list of strings")
    return value


def parse_rule(path: Path, data: Any) -> Rule:
    from reviewer.kinds import KINDS

    if not isinstance(data, dict):
        raise RuleError(f"{path}: a rule file must be a mapping")
    kind = data.get("kind")
    if kind not in KINDS:
        raise RuleError(f"{path}: unknown kind {kind!r} (known: {', '.join(sorted(KINDS))})")
    allowed = COMMON_KEYS | KINDS[kind].keys
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise RuleError(f"{path}: unknown key(s) {', '.join(unknown)} for kind {kind!r}")
    missing = sorted(k for k, required in allowed.items() if required and k not in data)
    if missing:
        raise RuleError(f"{path}: missing key(s) {', '.join(missing)}")
    code, name = str(data["code"]), str(data["name"])
    if not CODE.match(code) or code[:2] not in FAMILIES:
        raise RuleError(f"{path}: code {code!r} must be a family ({', '.join(FAMILIES)}) and three digits")
    if not NAME.match(name):
        raise RuleError(f"{path}: name {name!r} must be kebab-case")
    try:
        severity = Severity.parse(str(data["severity"]))
    except ValueError as exc:
        raise RuleError(f"{path}: {exc}") from None
    docs = data["docs"]
    if not isinstance(docs, dict):
        raise RuleError(f"{path}: 'docs' must be a mapping")
    bad_docs = sorted(set(docs) - set(DOC_KEYS))
    missing_docs = sorted(k for k, req in DOC_KEYS.items() if req and not docs.get(k))
    if bad_docs or missing_docs:
        raise RuleError(f"{path}: docs: unknown {bad_docs or '-'}, missing {missing_docs or '-'}")
    tests = data["tests"]
    if not isinstance(tests, dict) or set(tests) - {"fail", "pass"}:
        raise RuleError(f"{path}: 'tests' must be a mapping with 'fail' and 'pass' lists")
    fail_raw, pass_raw = tests.get("fail") or [], tests.get("pass") or []
    if not fail_raw or not pass_raw:
        raise RuleError(f"{path}: 'tests' needs at least one 'fail' and one 'pass' example")
    fail = []
    for item in fail_raw:
        if isinstance(item, str):
            fail.append(Example(item))
        elif isinstance(item, dict) and set(item) <= {"text", "match"} and "text" in item:
            fail.append(Example(str(item["text"]), item.get("match")))
        else:
            raise RuleError(f"{path}: a 'fail' example is a string or {{text, match}}")
    status = str(data.get("status", "stable"))
    if status not in STATUSES:
        raise RuleError(f"{path}: status {status!r} is not one of {sorted(STATUSES)}")
    scope = set(_strings(path, "scope", data.get("scope", ["paragraph", "table_row"])))
    if kind in KINDS and KINDS[kind].document_scope:
        scope = {"document"}
    elif scope - BLOCK_KINDS:
        raise RuleError(f"{path}: unknown scope {sorted(scope - BLOCK_KINDS)} (use {sorted(BLOCK_KINDS)})")
    sections = data.get("sections") or {}
    if not isinstance(sections, dict) or set(sections) - {"include", "exclude"}:
        raise RuleError(f"{path}: 'sections' takes 'include' and/or 'exclude' lists")
    skip = set(_strings(path, "skip", data.get("skip", ["quoted"])))
    if skip - SKIPPABLE:
        raise RuleError(f"{path}: unknown skip {sorted(skip - SKIPPABLE)} (use {sorted(SKIPPABLE)})")
    options = {k: v for k, v in data.items() if k in KINDS[kind].keys}
    return Rule(
        code=code,
        name=name,
        kind=kind,
        severity=severity,
        message=str(data["message"]).strip(),
        fix=str(data["fix"]).strip(),
        docs=docs,
        fail=fail,
        passes=[str(p) for p in pass_raw],
        path=path,
        options=options,
        status=status,
        aliases=_strings(path, "aliases", data.get("aliases", [])),
        scope=scope,
        sections_include=set(_strings(path, "sections.include", sections["include"]))
        if "include" in sections
        else None,
        sections_exclude=set(_strings(path, "sections.exclude", sections.get("exclude", []))),
        skip=skip,
    )


def load_rules(directory: Path | None = None) -> list[Rule]:
    """Load and validate every rule file under ``directory`` (default: the shipped rules)."""
    directory = directory or rules_dir()
    rules: list[Rule] = []
    codes: dict[str, Path] = {}
    names: dict[str, Path] = {}
    lexicons = lexicon_dir().resolve()
    for path in sorted(directory.rglob("*.yml")):
        if lexicons in path.resolve().parents:
            continue
        rule = parse_rule(path, read_yaml(path))
        for key, seen in ((rule.code, codes), (rule.name, names), *((a, codes) for a in rule.aliases)):
            if key in seen:
                raise RuleError(f"{path}: {key} is already defined in {seen[key]}")
            seen[key] = path
        rules.append(rule)
    return sorted(rules, key=lambda r: r.code)


@cache
def default_rules() -> tuple[Rule, ...]:
    return tuple(load_rules())


def matches_selector(rule: Rule, selector: str) -> bool:
    """A selector is ALL, a code prefix (``BL``, ``BL00``), a full code, an alias, or a rule name."""
    s = selector.strip()
    if not s:
        return False
    if s.upper() == "ALL":
        return True
    if s == rule.name:
        return True
    upper = s.upper()
    return rule.code.startswith(upper) or upper in (a.upper() for a in rule.aliases)


def known_selector(rules: list[Rule] | tuple[Rule, ...], selector: str) -> bool:
    return any(matches_selector(r, selector) for r in rules)


def specificity(rule: Rule, selectors: Iterable[str]) -> int:
    """How closely the best of ``selectors`` names ``rule``: -1 none, 0 ALL, a prefix's length, 99 its name."""
    best = -1
    for s in selectors:
        if matches_selector(rule, s):
            best = max(best, 99 if s == rule.name else (0 if s.upper() == "ALL" else len(s)))
    return best


def select(rules: list[Rule] | tuple[Rule, ...], select: list[str] | None, ignore: list[str]) -> list[Rule]:
    """Ruff's semantics: the most specific selector wins; by default every stable rule is on, and a
    preview rule only when it is selected by its own code or name."""
    chosen = []
    for rule in rules:
        on = specificity(rule, select) if select else (0 if rule.status != "preview" else -1)
        if rule.status == "preview" and on not in (99, len(rule.code)):
            on = -1  # a preview rule is on only when named: its code or name, never a prefix or ALL
        off = specificity(rule, ignore)
        if on >= 0 and off < on:
            chosen.append(rule)
    return chosen


def severity_of(rule: Rule, overrides: Iterable[tuple[str, Severity]]) -> Severity:
    """The rule's severity under a ``severity`` table of (selector, severity): the most specific
    selector that names the rule wins, as in ``select`` (``BL003`` over ``BL`` over ``ALL``); a
    rule no selector names keeps the severity its file gives it."""
    best, chosen = -1, rule.severity
    for selector, severity in overrides:
        rank = specificity(rule, (selector,))
        if rank >= best and rank >= 0:
            best, chosen = rank, severity
    return chosen


def apply_severities(
    findings: Iterable[Finding], rules: Mapping[str, Rule], overrides: Iterable[tuple[str, Severity]]
) -> None:
    """Give each finding its rule's configured severity (``rules`` by code). Idempotent: the
    severity comes from the rule and the table, never from the finding's current one."""
    overrides = tuple(overrides)
    if not overrides:
        return
    for f in findings:
        rule = rules.get(f.code)
        if rule is not None:
            f.severity = severity_of(rule, overrides)
