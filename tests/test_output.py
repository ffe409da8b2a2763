"""Output formats: the versioned JSON model, fingerprints, the text report, and rule docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from conftest import HUMAN_ERROR, ROOT_CAUSE

from reviewer.ruleset import default_rules

DOC = f"# Draft notes 7\n\n## Summary\n\n{HUMAN_ERROR}\n\n{ROOT_CAUSE}\n\nWho approved this change?\n"

POSITION = {"type": "integer", "minimum": 1}
NULLABLE_POSITION = {"type": ["integer", "null"], "minimum": 1}
SCHEMA = {
    "type": "object",
    "required": ["version", "findings", "summary"],
    "properties": {
        "version": {"const": 1},
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "path",
                    "line",
                    "column",
                    "end_line",
                    "end_column",
                    "code",
                    "name",
                    "severity",
                    "message",
                    "fix",
                    "match",
                    "section",
                    "suggestions",
                    "fingerprint",
                ],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "line": POSITION,
                    "column": POSITION,
                    "end_line": POSITION,
                    "end_column": POSITION,
                    "code": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{3}$"},
                    "name": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"},
                    "severity": {"enum": ["error", "warning", "info"]},
                    "message": {"type": "string", "minLength": 1},
                    "suggestions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["text", "line", "column", "end_line", "end_column"],
                            "properties": {
                                "text": {"type": "string"},
                                "line": NULLABLE_POSITION,
                                "column": NULLABLE_POSITION,
                                "end_line": NULLABLE_POSITION,
                                "end_column": NULLABLE_POSITION,
                            },
                        },
                    },
                    "fix": {"type": "string", "minLength": 1},
                    "match": {"type": "string", "minLength": 1},
                    "section": {"type": ["string", "null"]},
                    "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
                },
            },
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "summary": {
            "type": "object",
            "required": ["files", "files_with_findings", "errors", "findings", "by_severity", "by_code"],
            "properties": {
                "by_severity": {
                    "type": "object",
                    "required": ["error", "warning", "info"],
                    "additionalProperties": {"type": "integer"},
                },
                "by_code": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
            },
        },
    },
}


@pytest.fixture
def doc_path(write):
    return write("pm/incident.md", DOC)


def _json(result) -> dict:
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_json_shape_from_cli_process(doc_path, run_pmreview, cli, tmp_path) -> None:
    proc = run_pmreview("review", doc_path, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    jsonschema.validate(data, SCHEMA)
    assert data["version"] == 1
    by_code = {f["code"]: f for f in data["findings"]}
    assert set(by_code) == {"BL001", "RC001", "QU001"}
    bl = by_code["BL001"]
    assert (bl["path"], bl["line"], bl["column"], bl["end_line"], bl["end_column"]) == (str(doc_path), 5, 10, 5, 21)
    assert (bl["name"], bl["severity"]) == ("human-error-attribution", "warning")
    assert "human error" in bl["message"]
    assert bl["match"] == "human error"
    assert bl["section"] == "summary"
    # RC001 carries a replacement suggestion located exactly on "Root cause".
    (sugg,) = by_code["RC001"]["suggestions"]
    assert sugg["text"]
    assert (sugg["line"], sugg["column"], sugg["end_line"], sugg["end_column"]) == (7, 1, 7, 11)
    summary = data["summary"]
    assert summary["findings"] == 3 == len(data["findings"])
    assert summary["files"] == 1
    assert summary["by_severity"] == {"error": 0, "warning": 3, "info": 0}
    assert summary["by_code"] == {"BL001": 1, "QU001": 1, "RC001": 1}
    # A second run (in-process this time) gives identical fingerprints.
    again = _json(cli("review", doc_path, "--format", "json"))
    assert [f["fingerprint"] for f in again["findings"]] == [f["fingerprint"] for f in data["findings"]]
    assert again == data


def test_fingerprints_survive_unrelated_edits_above(write, cli) -> None:
    first = _json(cli("review", write("a/incident.md", DOC), "--format", "json"))
    edited = DOC.replace("## Summary\n\n", "## Summary\n\nThe deploy started at 09:00.\n\nTraffic was normal.\n\n")
    second = _json(cli("review", write("b/incident.md", edited), "--format", "json"))
    old = {f["code"]: f for f in first["findings"]}
    new = {f["code"]: f for f in second["findings"]}
    assert set(old) == set(new) == {"BL001", "RC001", "QU001"}
    for code in old:
        assert new[code]["line"] == old[code]["line"] + 4
        assert new[code]["fingerprint"] == old[code]["fingerprint"]


def test_fingerprints_are_distinct(review) -> None:
    text = f"{HUMAN_ERROR}\n\n{HUMAN_ERROR}\n\nAnother human error.\n\n{ROOT_CAUSE}\n"
    findings = review(text)
    prints = [f.fingerprint for f in findings]
    assert len(findings) == 4
    assert len(set(prints)) == len(prints)  # identical sentences are told apart by occurrence


def test_fingerprint_changes_when_the_sentence_changes(review) -> None:
    (a,) = review(f"{HUMAN_ERROR}\n", select="BL001")
    (b,) = review("This was plainly human error.\n", select="BL001")
    assert a.match == b.match
    assert a.fingerprint != b.fingerprint


def test_json_for_clean_file(write, cli) -> None:
    result = cli("review", write("clean.md", "The database failed over in 40 seconds.\n"), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    jsonschema.validate(data, SCHEMA)
    assert data["findings"] == []
    assert data["summary"]["findings"] == 0


def test_text_output(doc_path, cli) -> None:
    result = cli("review", doc_path, "--no-color")
    assert result.exit_code == 1
    out = result.stdout
    assert str(doc_path) in out
    for line_col, code in (("5:10", "BL001"), ("7:1", "RC001"), ("9:1", "QU001")):
        assert re.search(rf"^\s+{re.escape(line_col)}\s+warning\s+{code}\b", out, re.M), (code, out)
    assert "[human-error-attribution]" in out
    # The offending line is shown with a caret under the match.
    assert f"│ {HUMAN_ERROR}" in out
    assert "│ " + " " * 9 + "^" * len("human error") + "\n" in out
    assert out.rstrip().splitlines()[-1] == "Found 3 findings (3 warnings) in 1 file."
    assert "\x1b[" not in out


def test_text_output_without_source_and_clean_summary(write, doc_path, cli) -> None:
    out = cli("review", doc_path, "--no-show-source").stdout
    assert "│" not in out
    assert "5:10" in out
    clean = cli("review", write("clean.md", "All systems nominal.\n")).stdout
    assert clean.strip().splitlines()[-1] == "No findings in 1 file."


def test_rules_lists_every_code(cli) -> None:
    result = cli("rules")
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert listed == [r.code for r in default_rules()]
    for r in default_rules():
        assert re.search(rf"^{r.code}\s+{re.escape(r.name)}\s+{r.severity}\b", result.stdout, re.M)


def test_rules_json(cli) -> None:
    data = json.loads(cli("rules", "--format", "json").stdout)
    assert [d["code"] for d in data] == [r.code for r in default_rules()]
    assert all(d["summary"] and d["severity"] in ("error", "warning", "info") for d in data)


@pytest.mark.parametrize("selector", ["BL001", "bl001", "human-error-attribution"])
def test_rule_page(cli, selector: str) -> None:
    result = cli("rule", selector)
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("# human-error-attribution (BL001)")
    headings = ["What it does", "Why is this bad?", "Example", "Use instead"]
    positions = [out.find(h) for h in headings]
    assert all(p >= 0 for p in positions), positions
    assert positions == sorted(positions)
    docs = next(r for r in default_rules() if r.code == "BL001").docs
    for key in ("what", "example", "use_instead"):
        assert str(docs[key]).strip().splitlines()[0].strip() in out


def test_unknown_rule_page(cli) -> None:
    result = cli("rule", "BL999")
    assert result.exit_code == 2
    assert "BL999" in result.stderr


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (f"{ROOT_CAUSE}\n", "RC001"),
        ("RCA: the log volume filled.\n", "RC001"),
        ("Who approved this change?\n", "QU001"),
    ],
)
def test_applying_a_suggestion_clears_the_finding(review_result, text: str, code: str) -> None:
    """Replacing a suggestion's range with its text gives a sentence the rule accepts."""
    result = review_result(text, select=code)
    (finding,) = result.findings
    replacements = [s for s in finding.suggestions if s.start is not None]
    assert replacements, "expected a concrete replacement"
    s = replacements[0]
    source = result.document.source.text
    fixed = source[: s.start] + s.text + source[s.end :]
    assert fixed != source
    assert review_result(fixed, select=code).findings == []


def test_rule_docs_are_current() -> None:
    """docs/rules/ is generated from the rule files; a rule edited without `python -m reviewer.docs` fails here."""
    from reviewer.docs import catalogue, rule_page

    folder = Path(__file__).resolve().parents[1] / "docs" / "rules"
    rules = default_rules()
    stale = [r.code for r in rules if (folder / f"{r.code}.md").read_text(encoding="utf-8") != rule_page(r)]
    assert stale == [], f"regenerate with `python -m reviewer.docs`: {stale}"
    assert (folder / "README.md").read_text(encoding="utf-8") == catalogue(rules)
