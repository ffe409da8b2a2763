"""The strict rule loader: every schema problem is a RuleError that names the file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from reviewer.ruleset import RuleError, load_rules, parse_rule, read_yaml

MINIMAL = textwrap.dedent(
    """\
    code: ST901
    name: widget-word
    kind: phrase
    severity: warning
    message: "'{match}' is jargon."
    fix: "Say what the widget is."
    patterns:
      - 'frobnicat(?:e|ed|ing)'
    docs:
      what: Flags the word frobnicate.
      why: Nobody knows what it means.
      example: We frobnicated the cache.
      use_instead: We cleared the cache.
    tests:
      fail:
        - text: "We frobnicated the cache."
          match: frobnicated
      pass:
        - "We cleared the cache."
    """
)


def _data(**changes: object) -> dict:
    data = yaml.safe_load(MINIMAL)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _load_error(tmp_path: Path, name: str, text: str) -> tuple[str, Path]:
    path = _write(tmp_path / "rules", name, text)
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path / "rules")
    return str(info.value), path


def test_minimal_custom_rule_loads_and_runs(tmp_path: Path, review) -> None:
    _write(tmp_path / "rules" / "style", "ST901-widget-word.yml", MINIMAL)
    rules = load_rules(tmp_path / "rules")
    assert [r.code for r in rules] == ["ST901"]
    rule = rules[0]
    assert rule.name == "widget-word"
    assert rule.kind == "phrase"
    assert str(rule.severity) == "warning"
    assert rule.scope == {"paragraph", "table_row"}
    assert rule.fail[0].match == "frobnicated"
    assert rule.passes == ["We cleared the cache."]
    # A custom rule set is usable by the engine.
    findings = review("Then we frobnicated the cache.\n", rules=tuple(rules))
    assert [(f.code, f.match, f.line, f.column) for f in findings] == [("ST901", "frobnicated", 1, 9)]
    assert review("We cleared the cache.\n", rules=tuple(rules)) == []


def test_unknown_key(tmp_path: Path) -> None:
    message, path = _load_error(tmp_path, "ST901.yml", MINIMAL + "colour: blue\n")
    assert str(path) in message
    assert "colour" in message


def test_unknown_kind(tmp_path: Path) -> None:
    message, path = _load_error(tmp_path, "ST901.yml", MINIMAL.replace("kind: phrase", "kind: telepathy"))
    assert str(path) in message
    assert "telepathy" in message


@pytest.mark.parametrize("code", ["ST9011", "st901", "XX901", "ST90", "ST-901"])
def test_bad_code_format(tmp_path: Path, code: str) -> None:
    message, path = _load_error(tmp_path, "ST901.yml", MINIMAL.replace("code: ST901", f"code: {code}"))
    assert str(path) in message
    assert code in message


def test_bad_name_format(tmp_path: Path) -> None:
    message, path = _load_error(tmp_path, "ST901.yml", MINIMAL.replace("name: widget-word", "name: Widget_Word"))
    assert str(path) in message


@pytest.mark.parametrize("key", ["what", "why", "example", "use_instead"])
def test_missing_docs_key(tmp_path: Path, key: str) -> None:
    data = _data()
    del data["docs"][key]
    message, path = _load_error(tmp_path, "ST901.yml", yaml.safe_dump(data))
    assert str(path) in message
    assert key in message


def test_empty_docs_value(tmp_path: Path) -> None:
    data = _data()
    data["docs"]["why"] = ""
    message, path = _load_error(tmp_path, "ST901.yml", yaml.safe_dump(data))
    assert str(path) in message
    assert "why" in message


def test_unknown_docs_key(tmp_path: Path) -> None:
    data = _data()
    data["docs"]["trivia"] = "x"
    message, path = _load_error(tmp_path, "ST901.yml", yaml.safe_dump(data))
    assert str(path) in message
    assert "trivia" in message


def test_missing_tests(tmp_path: Path) -> None:
    message, path = _load_error(tmp_path, "ST901.yml", yaml.safe_dump(_data(tests=None)))
    assert str(path) in message
    assert "tests" in message


@pytest.mark.parametrize("tests", [{"fail": ["We frobnicated it."]}, {"pass": ["Fine."]}, {"fail": [], "pass": []}])
def test_tests_need_a_fail_and_a_pass_example(tmp_path: Path, tests: dict) -> None:
    message, path = _load_error(tmp_path, "ST901.yml", yaml.safe_dump(_data(tests=tests)))
    assert str(path) in message


def test_missing_required_kind_key(tmp_path: Path) -> None:
    message, path = _load_error(tmp_path, "ST901.yml", yaml.safe_dump(_data(patterns=None)))
    assert str(path) in message
    assert "patterns" in message


def test_bad_severity(tmp_path: Path) -> None:
    message, path = _load_error(tmp_path, "ST901.yml", MINIMAL.replace("severity: warning", "severity: fatal"))
    assert str(path) in message
    assert "fatal" in message


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = MINIMAL.replace("severity: warning\n", "severity: warning\nseverity: error\n")
    message, path = _load_error(tmp_path, "ST901.yml", text)
    assert str(path) in message
    assert "duplicate" in message and "severity" in message


def test_duplicate_nested_yaml_key(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  why: Nobody knows what it means.\n", "  why: Nobody knows what it means.\n  why: Again.\n"
    )
    message, path = _load_error(tmp_path, "ST901.yml", text)
    assert str(path) in message
    assert "duplicate" in message


def test_invalid_yaml(tmp_path: Path) -> None:
    message, path = _load_error(tmp_path, "ST901.yml", MINIMAL + "patterns: [unclosed\n")
    assert str(path) in message


def test_duplicate_code_across_two_files(tmp_path: Path) -> None:
    first = _write(tmp_path / "rules" / "a", "ST901-one.yml", MINIMAL)
    second = _write(
        tmp_path / "rules" / "b", "ST901-two.yml", MINIMAL.replace("name: widget-word", "name: gadget-word")
    )
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path / "rules")
    message = str(info.value)
    assert "ST901" in message
    # The later file is the one blamed, and the earlier definition is pointed to.
    assert str(second) in message
    assert str(first) in message


def test_duplicate_name_across_two_files(tmp_path: Path) -> None:
    _write(tmp_path / "rules", "ST901.yml", MINIMAL)
    second = _write(tmp_path / "rules", "ST902.yml", MINIMAL.replace("code: ST901", "code: ST902"))
    with pytest.raises(RuleError) as info:
        load_rules(tmp_path / "rules")
    assert str(second) in str(info.value)
    assert "widget-word" in str(info.value)


def test_two_distinct_rules_load_sorted(tmp_path: Path) -> None:
    _write(
        tmp_path / "rules", "b.yml", MINIMAL.replace("code: ST901", "code: ST902").replace("widget-word", "gadget-word")
    )
    _write(tmp_path / "rules", "a.yml", MINIMAL)
    assert [r.code for r in load_rules(tmp_path / "rules")] == ["ST901", "ST902"]


def test_parse_rule_directly(tmp_path: Path) -> None:
    path = tmp_path / "ST901.yml"
    rule = parse_rule(path, _data())
    assert rule.code == "ST901" and rule.path == path
    with pytest.raises(RuleError, match="a rule file must be a mapping") as info:
        parse_rule(path, ["not", "a", "mapping"])
    assert str(path) in str(info.value)
    with pytest.raises(RuleError) as info:
        parse_rule(path, _data(scope=["sidebar"]))
    assert str(path) in str(info.value) and "sidebar" in str(info.value)
    with pytest.raises(RuleError) as info:
        parse_rule(path, _data(skip=["everything"]))
    assert str(path) in str(info.value)
    with pytest.raises(RuleError) as info:
        parse_rule(path, _data(status="experimental"))
    assert str(path) in str(info.value)


def test_read_yaml_rejects_duplicate_keys(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.yml", "a: 1\nb: 2\na: 3\n")
    with pytest.raises(RuleError) as info:
        read_yaml(path)
    assert str(path) in str(info.value)


def test_shipped_rules_load_strictly() -> None:
    rules = load_rules()
    assert len(rules) >= 5
    assert len({r.code for r in rules}) == len(rules)
