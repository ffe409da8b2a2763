"""CI output formats: golden files for one draft, schema validation, and the conversions that are easy to get wrong.

The golden files are regenerated with ``PMREVIEW_UPDATE_GOLDEN=1 python -m pytest tests/test_formats.py``.
They are produced through the in-process CLI from a throw-away repository (a ``.git``
folder marks its root), so paths are relative and nothing depends on the checkout.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from reviewer.docs import DOCS_URL, rule_url
from reviewer.engine import FileResult, Report
from reviewer.findings import Finding, Severity, Suggestion
from reviewer.formatters import FORMATS
from reviewer.formatters.common import byte_column, repo_relative
from reviewer.formatters.github import escape_data, escape_property
from reviewer.formatters.markdown import escape
from reviewer.source import Source
from reviewer.workspace import repo_root

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "formats"
SCHEMAS = HERE / "schemas"
GOLDEN = ["json", "sarif", "rdjson", "rdjsonl", "github", "gitlab", "markdown"]
UPDATE = os.environ.get("PMREVIEW_UPDATE_GOLDEN") == "1"
FAMILIES = {"BL", "QU", "RC", "AI", "ST", "RE"}


# --- the fixture draft, reviewed once per module ----------------------------------------------


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A repository root (marked by .git) with the draft under postmortems/."""
    root = tmp_path_factory.mktemp("formats") / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "postmortems").mkdir()
    shutil.copy(FIXTURES / "draft.md", root / "postmortems" / "draft.md")
    return root


@pytest.fixture(scope="module")
def outputs(repo, cli, example_corpus) -> dict[str, str]:
    out = {}
    with contextlib.chdir(repo / "postmortems"):
        for fmt in GOLDEN:
            result = cli("review", "draft.md", "--format", fmt, "--corpus", example_corpus, "--no-cache")
            assert result.exit_code == 1, result.output
            out[fmt] = result.stdout
    return out


@pytest.fixture(scope="module")
def report(repo, review_files, example_corpus) -> Report:
    with contextlib.chdir(repo / "postmortems"):
        return review_files("draft.md", corpus=example_corpus)


@pytest.fixture
def in_repo(repo):
    with contextlib.chdir(repo / "postmortems"):
        yield repo


@pytest.mark.parametrize("fmt", GOLDEN)
def test_golden(outputs, fmt) -> None:
    path = FIXTURES / f"expected.{fmt}"
    if UPDATE:
        path.write_bytes(outputs[fmt].encode("utf-8"))
    expected = path.read_bytes().decode("utf-8")
    assert outputs[fmt] == expected, f"{path.name} differs; regenerate with PMREVIEW_UPDATE_GOLDEN=1 if intended"


def test_every_format_is_offered_by_the_cli() -> None:
    from reviewer.cli import FORMAT_NAMES

    assert set(FORMAT_NAMES) == set(FORMATS) == {"text", *GOLDEN}


def test_fixture_covers_every_family_after_multibyte_text(report) -> None:
    (result,) = report.files
    assert {f.code[:2] for f in result.findings} >= FAMILIES
    source = result.source
    assert source is not None
    after_multibyte = [f for f in result.findings if not source.line_text(f.line)[: f.column - 1].isascii()]
    assert {f.code for f in after_multibyte} >= {"RC001", "BL006", "BL001"}


# --- columns ----------------------------------------------------------------------------------


def test_byte_column_conversion() -> None:
    # reviewdog's own example: in 'a𐐀b' the column of b is 6 (𐐀 is 4 bytes in UTF-8)
    source = Source("x.md", "a𐐀b\nSearch — 検索 café: human error\n")
    assert [byte_column(source, 1, c) for c in (1, 2, 3, 4)] == [1, 2, 6, 7]
    line = source.line_text(2)
    col = line.index("human") + 1
    assert byte_column(source, 2, col) == len(line[: col - 1].encode()) + 1 == col + 2 + 4 + 1
    assert byte_column(source, 2, len(line) + 1) == len(line.encode()) + 1  # exclusive end of line
    assert byte_column(None, 3, 7) == 7


def test_rdjson_ranges_are_utf8_bytes(outputs, report) -> None:
    (result,) = report.files
    source = result.source
    data = json.loads(outputs["rdjson"])
    shifted = 0
    for d, f in zip(data["diagnostics"], result.findings, strict=True):
        assert d["code"]["value"] == f.code
        start, end = d["location"]["range"]["start"], d["location"]["range"]["end"]
        assert (start["line"], end["line"]) == (f.line, f.end_line)
        if f.line == f.end_line:
            raw = source.line_text(f.line).encode("utf-8")
            assert raw[start["column"] - 1 : end["column"] - 1].decode("utf-8") == f.match
            shifted += start["column"] != f.column
        for s, sugg in zip(d.get("suggestions", []), [s for s in f.suggestions if s.start is not None], strict=True):
            r = s["range"]
            raw = source.line_text(r["start"]["line"]).encode("utf-8")
            assert raw[r["start"]["column"] - 1 : r["end"]["column"] - 1].decode() == source.text[sugg.start : sugg.end]
    assert shifted >= 3  # the multi-byte lines really moved


def test_sarif_and_github_use_code_points(outputs, report) -> None:
    (result,) = report.files
    rc = next(f for f in result.findings if f.code == "RC001")
    sarif = json.loads(outputs["sarif"])
    (region,) = [
        r["locations"][0]["physicalLocation"]["region"] for r in sarif["runs"][0]["results"] if r["ruleId"] == "RC001"
    ]
    assert (region["startColumn"], region["endColumn"]) == (rc.column, rc.end_column)
    assert f"line={rc.line},col={rc.column},endLine={rc.line},endColumn={rc.end_column}," in outputs["github"]


# --- SARIF ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def test_sarif_validates_and_points_into_the_repository(outputs, sarif_validator) -> None:
    log = json.loads(outputs["sarif"])
    sarif_validator.validate(log)
    (run,) = log["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["invocations"] == [{"executionSuccessful": True}]
    driver = run["tool"]["driver"]
    assert driver["name"] == "pmreview" and driver["informationUri"]
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(r["id"] for r in rules)
    for rule in rules:
        assert rule["helpUri"] == rule_url(rule["id"])
        assert rule["help"]["markdown"].startswith(f"# {rule['name']} ({rule['id']})")
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    assert {r["ruleId"][:2] for r in run["results"]} >= FAMILIES
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": "postmortems/draft.md", "uriBaseId": "%SRCROOT%"}
        assert re.fullmatch(r"[0-9a-f]{16}", res["partialFingerprints"]["pmreview/v1"])
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["RE001"] == "note" and levels["BL003"] == "warning"
    fixes = [fx for r in run["results"] for fx in r.get("fixes", [])]
    assert fixes and all(fx["artifactChanges"][0]["replacements"][0]["deletedRegion"]["startLine"] for fx in fixes)


def test_sarif_reports_unreadable_files_as_notifications(in_repo, report, sarif_validator) -> None:
    broken = Report([*report.files, FileResult("bad.md", error="bad.md: is not valid UTF-8")], report.rules)
    log = json.loads(FORMATS["sarif"](broken))
    sarif_validator.validate(log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "UTF-8" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "postmortems/bad.md"


def test_repo_root_and_relative_paths(tmp_path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert repo_root(tmp_path / "a" / "b") == tmp_path
    with contextlib.chdir(tmp_path / "a"):
        assert repo_relative("b/x y.md", tmp_path) == "a/b/x y.md"
        assert repo_relative("/elsewhere/x.md", tmp_path) is None


# --- reviewdog --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rdjson_validators() -> tuple[jsonschema.Draft4Validator, jsonschema.Draft4Validator]:
    """DiagnosticResult (rdjson) and Diagnostic (one rdjsonl line), refs resolved through one registry."""
    registry: Registry = Registry()
    schemas = {}
    for path in sorted((SCHEMAS / "rdjson").glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        schemas[path.name] = contents
        registry = registry.with_resource(path.name, Resource.from_contents(contents, default_specification=DRAFT4))
    return (
        jsonschema.Draft4Validator(schemas["DiagnosticResult.json"], registry=registry),
        jsonschema.Draft4Validator(schemas["Diagnostic.json"], registry=registry),
    )


def test_rdjson_and_rdjsonl_validate(outputs, rdjson_validators) -> None:
    result_validator, diagnostic_validator = rdjson_validators
    data = json.loads(outputs["rdjson"])
    result_validator.validate(data)
    assert data["source"]["name"] == "pmreview"
    lines = outputs["rdjsonl"].splitlines()
    assert len(lines) == len(data["diagnostics"])
    for line, diag in zip(lines, data["diagnostics"], strict=True):
        one = json.loads(line)
        diagnostic_validator.validate(one)
        assert one["source"] == data["source"]
        assert {k: v for k, v in one.items() if k != "source"} == diag
        assert one["code"]["url"] == rule_url(one["code"]["value"])
        assert one["severity"] in {"ERROR", "WARNING", "INFO"}
    with pytest.raises(jsonschema.ValidationError):
        diagnostic_validator.validate({**json.loads(lines[0]), "severity": "FATAL"})
    assert any("suggestions" in json.loads(line) for line in lines)


# --- synthetic reports for the edge cases -----------------------------------------------------

TEXT = "".join(f"Line {i}: some text here.\n" for i in range(1, 60))


def _report(specs: list[tuple[str, Severity, int]], path: str = "notes/pm.md", message: str = "Message.") -> Report:
    """Findings of (code, severity, line) on a plain 59-line document, each on 'some'."""
    source = Source(path, TEXT)
    findings = []
    for n, (code, severity, line) in enumerate(specs):
        col = source.line_text(line).index("some") + 1
        start = source.offset(line, col)
        findings.append(
            Finding(
                path=path,
                code=code,
                name="a-rule",
                severity=severity,
                message=message,
                start=start,
                end=start + 4,
                line=line,
                column=col,
                end_line=line,
                end_column=col + 4,
                context=source.line_text(line),
                match="some",
                suggestions=[Suggestion("any", start, start + 4)],
                fix="Do it.",
                fingerprint=f"{n:016x}",
            )
        )
    return Report([FileResult(path, findings=findings, source=source)], {})


def test_github_escaping() -> None:
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%\nd") == "a%3Ab%2Cc%25%0Ad"
    out = FORMATS["github"](
        _report([("BL001", Severity.WARNING, 3)], path="odd, dir: x/pm%.md", message="100% sure,\nreally: yes"),
        root=Path.cwd(),
    )
    (line,) = out.splitlines()
    head, message = line.split("::", 2)[1:]
    assert head.startswith("warning file=odd%2C dir%3A x/pm%25.md,line=3,col=9,endLine=3,endColumn=13,")
    assert "title=BL001 a-rule" in head
    assert message.startswith("100%25 sure,%0Areally: yes%0ASuggestion: ")
    assert "\n" not in line and "\r" not in line


def test_github_caps_each_type_at_ten_and_says_what_was_cut() -> None:
    specs = [("BL001", Severity.WARNING, n) for n in range(30, 55)]
    specs += [("AI001", Severity.ERROR, n) for n in (40, 10, 20)]
    specs += [("ST005", Severity.INFO, n) for n in range(1, 13)]
    out = FORMATS["github"](_report(specs), root=Path.cwd()).splitlines()
    kinds = [re.match(r"::(\w+)", line).group(1) for line in out]
    assert kinds.count("error") == 3
    assert kinds.count("warning") == 10
    assert kinds.count("notice") == 10  # 9 findings + the summary
    assert out[0].startswith("::error ") and ",line=10," in out[0]  # most severe, earliest first
    warnings = [int(re.search(r",line=(\d+),", line).group(1)) for line in out if line.startswith("::warning")]
    assert warnings == list(range(30, 40))
    summary = out[-1]
    assert summary.startswith("::notice title=pmreview%3A 18 annotations not shown::")
    assert "not shown: 15 warnings, 3 notices" in summary
    assert "pmreview review" in summary and "all 40" in summary
    assert out == FORMATS["github"](_report(specs), root=Path.cwd()).splitlines()  # deterministic


def test_github_no_summary_when_nothing_is_cut() -> None:
    specs = [("BL001", Severity.WARNING, n) for n in range(1, 11)] + [("ST005", Severity.INFO, n) for n in range(1, 11)]
    out = FORMATS["github"](_report(specs), root=Path.cwd()).splitlines()
    assert len(out) == 20 and not any("not shown" in line for line in out)
    # one warning too many: the notices make room for the summary
    out = FORMATS["github"](_report([*specs, ("BL001", Severity.WARNING, 11)]), root=Path.cwd()).splitlines()
    assert sum(line.startswith("::notice") for line in out) == 10
    assert "not shown: 1 warning, 1 notice" in out[-1]


def test_gitlab_fingerprints_unique_and_severities(outputs, report) -> None:
    issues = json.loads(outputs["gitlab"])
    assert len(issues) == len(report.findings)
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert {i["severity"] for i in issues} == {"major", "info"}
    assert all(i["location"]["path"] == "postmortems/draft.md" for i in issues)
    assert all(i["location"]["lines"]["begin"] >= 1 and i["check_name"] == i["description"][:5] for i in issues)
    # the same file given twice still yields one fingerprint per issue
    twice = _report([("BL001", Severity.WARNING, 2), ("BL002", Severity.ERROR, 4)])
    twice.files.append(twice.files[0])
    doubled = json.loads(FORMATS["gitlab"](twice, root=Path.cwd()))
    assert len({i["fingerprint"] for i in doubled}) == 4
    assert [i["severity"] for i in doubled[:2]] == ["major", "critical"]


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_escapes_quoted_text() -> None:
    nasty = "Said 'a | b' <script>alert(1)</script> to @octocat [x](y) *bold*"
    out = FORMATS["markdown"](_report([("BL002", Severity.WARNING, 5)], message=nasty), root=Path.cwd())
    assert "<script>" not in out and "&lt;script&gt;" in out
    row = next(line for line in out.splitlines() if "BL002" in line and line.startswith("| ⚠️"))
    assert "a \\| b" in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 5  # 4 cells, the pipe in the message is escaped
    assert "@octocat" not in out and "\\[x\\]" in row and "\\*bold\\*" in row
    assert escape("x|y\n<b>") == "x\\|y &lt;b&gt;"


def test_markdown_links_caps_and_verdicts() -> None:
    specs = [("BL001", Severity.WARNING, n) for n in range(1, 20)] + [("AI001", Severity.ERROR, 30)]
    report = _report(specs)
    template = "https://github.com/o/r/blob/abc/{path}#L{line}"
    out = FORMATS["markdown"](report, link=template, root=Path.cwd())
    lines = out.splitlines()
    assert lines[0] == "❌ **20 findings** in 1 file (1 error, 19 warnings)."
    rows = [line for line in lines if line.startswith("| ❌") or line.startswith("| ⚠️")]
    assert len(rows) == 15
    assert rows[0].startswith(
        "| ❌ | [notes/pm.md:30](https://github.com/o/r/blob/abc/notes/pm.md#L30) | [AI001 a-rule]("
    )
    assert f"({DOCS_URL}/AI001.md)" in rows[0]
    assert "5 more findings not shown" in lines[-1]
    called = FORMATS["markdown"](report, link=lambda path, line: f"https://x/{path}?l={line}", root=Path.cwd())
    assert "[notes/pm.md:30](https://x/notes/pm.md?l=30)" in called
    plain = FORMATS["markdown"](report, root=Path.cwd())
    assert "| ❌ | notes/pm.md:30 |" in plain
    info_only = FORMATS["markdown"](_report([("ST005", Severity.INFO, 2)]), root=Path.cwd())
    assert info_only.startswith("✅ No blocking findings (1 info in 1 file).")
    clean = FORMATS["markdown"](Report([FileResult("a.md", source=Source("a.md", "ok\n"))], {}))
    assert clean.startswith("✅ No findings in 1 file.")


def test_markdown_summary_of_the_draft(outputs) -> None:
    md = outputs["markdown"]
    first = md.splitlines()[0]
    assert first.startswith("⚠️ **") and "in 1 file" in first
    for family in ("BL blameful language", "QU person-centred questions", "RC root-cause framing", "RE recurrence"):
        assert f"| {family} |" in md
    recurring = md.split("#### Recurring factors", 1)[1]
    assert "Billing writes lost after promoting a lagging replica" in recurring
    assert "(2026-03-04)" in recurring and "1 open, 1 done" in recurring


def test_rule_url() -> None:
    assert rule_url("BL003") == "https://github.com/pmreview/pmreview/blob/main/docs/rules/BL003.md"
