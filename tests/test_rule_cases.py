"""Every rule's own ``tests: {fail, pass}`` examples, one pytest case each.

Ids look like ``BL001:fail[0]`` and ``RC001:pass[2]``.
"""

from __future__ import annotations

from collections import Counter

import pytest

from reviewer.ruleset import DOC_KEYS, default_rules


def _cases() -> tuple[list[tuple], list[str]]:
    cases, ids = [], []
    for rule in default_rules():
        for i, example in enumerate(rule.fail):
            cases.append((rule, "fail", example.text, example.match))
            ids.append(f"{rule.code}:fail[{i}]")
        for i, text in enumerate(rule.passes):
            cases.append((rule, "pass", text, None))
            ids.append(f"{rule.code}:pass[{i}]")
    return cases, ids


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "example" in metafunc.fixturenames:
        cases, ids = _cases()
        metafunc.parametrize("example", cases, ids=ids)
    if "rule" in metafunc.fixturenames:
        rules = default_rules()
        metafunc.parametrize("rule", rules, ids=[r.code for r in rules])


def _related(expected: str, got: str) -> bool:
    a, b = " ".join(expected.split()), " ".join(got.split())
    return a == b or a in b or b in a


def _extra(rule, request) -> dict:
    """Recurrence rules need a corpus: the shipped example corpus, indexed once."""
    return {"corpus": request.getfixturevalue("example_corpus")} if rule.kind == "recurrence" else {}


def test_example(example, review_result, request) -> None:
    rule, outcome, text, match = example
    result = review_result(text, select=(rule.code,), **_extra(rule, request))
    assert result.error is None
    mine = [f for f in result.findings if f.code == rule.code]
    if outcome == "pass":
        assert not mine, f"{rule.code} flagged a 'pass' example: {[f.match for f in mine]}"
        return
    assert mine, f"{rule.code} did not flag its 'fail' example {text!r}"
    if match is not None:
        assert any(_related(match, f.match) for f in mine), f"expected match {match!r}, got {[f.match for f in mine]}"
    source = result.document.source
    for f in mine:
        # The reported positions cover exactly the reported text.
        assert source.text[source.offset(f.line, f.column) : source.offset(f.end_line, f.end_column)] == f.match


def test_fail_examples_also_flagged_with_default_selection(rule, review, request) -> None:
    """Other rules running alongside must not swallow a rule's findings."""
    if rule.status == "preview":
        pytest.skip("preview rules are off by default")
    for example in rule.fail:
        assert rule.code in {f.code for f in review(example.text, **_extra(rule, request))}, example.text


def test_rule_has_examples_and_docs(rule) -> None:
    assert len(rule.fail) >= 1
    assert len(rule.passes) >= 1
    assert all(e.text.strip() for e in rule.fail)
    assert all(p.strip() for p in rule.passes)
    required = [k for k, needed in DOC_KEYS.items() if needed]
    assert set(required) >= {"what", "why", "example", "use_instead"}
    for key in required:
        assert isinstance(rule.docs.get(key), str), key
        assert rule.docs[key].strip(), f"{rule.code}: empty docs.{key}"
    assert rule.message.strip()
    assert rule.fix.strip()


def test_docs_example_is_flagged_and_use_instead_is_not(rule, review, request) -> None:
    """The documentation's bad example shows the rule firing; its 'use instead' text is clean."""
    extra = _extra(rule, request)
    assert rule.code in {f.code for f in review(rule.docs["example"], select=rule.code, **extra)}
    assert rule.code not in {f.code for f in review(rule.docs["use_instead"], select=rule.code, **extra)}


def test_codes_names_and_aliases_are_unique() -> None:
    rules = default_rules()
    assert rules, "no rules loaded"
    keys = Counter()
    for r in rules:
        keys[r.code] += 1
        keys[r.name] += 1
        for alias in r.aliases:
            keys[alias.upper()] += 1
    dupes = [k for k, n in keys.items() if n > 1]
    assert not dupes, f"duplicated codes/names/aliases: {dupes}"
    assert [r.code for r in rules] == sorted(r.code for r in rules)


def test_rule_set_contains_the_probes_other_tests_rely_on() -> None:
    by_code = {r.code: r for r in default_rules()}
    for code in ("BL001", "RC001", "QU001", "PM001", "PM002"):
        assert code in by_code
    assert by_code["BL001"].name == "human-error-attribution"
    assert str(by_code["PM001"].severity) == "info"
