"""Configuration discovery (``.pmreview.toml`` / ``[tool.pmreview]``) and command-line overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import HUMAN_ERROR, ROOT_CAUSE

from reviewer.config import ConfigError, discover, load_file

DOC = f"Intro.\n\n{HUMAN_ERROR}\n\n{ROOT_CAUSE}\n\nWho approved this change?\n"
ALL_THREE = {"BL001", "RC001", "QU001"}
JARVIS = "Jarvis failed to restart the workers after the deploy.\n"


def found(report) -> set[str]:
    assert not report.errors, report.errors
    return {f.code for f in report.findings}


def test_no_config_gives_every_default_rule(write, review_files) -> None:
    path = write("plain/doc.md", DOC)
    assert found(review_files(path)) == ALL_THREE


def test_pmreview_toml_in_parent_applies_to_subdirectory(write, review_files) -> None:
    write("proj/.pmreview.toml", 'ignore = ["BL001"]\n')
    path = write("proj/postmortems/2024/doc.md", DOC)
    assert found(review_files(path)) == ALL_THREE - {"BL001"}


def test_pmreview_toml_tool_table(write, review_files) -> None:
    write("proj/.pmreview.toml", '[tool.pmreview]\nignore = ["RC001"]\n')
    path = write("proj/doc.md", DOC)
    assert found(review_files(path)) == ALL_THREE - {"RC001"}


def test_pyproject_tool_table_select(write, review_files) -> None:
    write("proj/pyproject.toml", '[project]\nname = "x"\n\n[tool.pmreview]\nselect = ["RC"]\n')
    path = write("proj/docs/doc.md", DOC)
    assert found(review_files(path)) == {"RC001"}


def test_pyproject_without_table_is_skipped(write, review_files, tmp_path: Path) -> None:
    write("proj/.pmreview.toml", 'ignore = ["BL001"]\n')
    write("proj/sub/pyproject.toml", '[project]\nname = "inner"\n\n[tool.ruff]\nline-length = 100\n')
    path = write("proj/sub/doc.md", DOC)
    assert found(review_files(path)) == ALL_THREE - {"BL001"}
    assert discover((tmp_path / "proj" / "sub").resolve()).path == (tmp_path / "proj" / ".pmreview.toml").resolve()
    assert load_file(tmp_path / "proj" / "sub" / "pyproject.toml") is None


def test_closest_config_wins(write, review_files) -> None:
    write("proj/.pmreview.toml", 'ignore = ["BL001"]\n')
    write("proj/team/.pmreview.toml", 'ignore = ["RC001"]\n')
    inner = write("proj/team/doc.md", DOC)
    outer = write("proj/doc.md", DOC)
    report = review_files(inner, outer)
    by_path = {r.path: {f.code for f in r.findings} for r in report.files}
    assert by_path[str(inner)] == ALL_THREE - {"RC001"}
    assert by_path[str(outer)] == ALL_THREE - {"BL001"}


def test_per_file_ignores(write, review_files) -> None:
    write("proj/.pmreview.toml", '[per-file-ignores]\n"drafts/*.md" = ["QU"]\n')
    draft = write("proj/drafts/doc.md", DOC)
    final = write("proj/final/doc.md", DOC)
    report = review_files(draft, final)
    by_path = {r.path: {f.code for f in r.findings} for r in report.files}
    assert by_path[str(draft)] == ALL_THREE - {"QU001"}
    assert by_path[str(final)] == ALL_THREE


def test_allowed_terms(write, review_files) -> None:
    text = f"{HUMAN_ERROR}\n\nIt was PEBKAC again.\n"
    write("proj/.pmreview.toml", 'allowed-terms = ["human error"]\n')
    allowed = write("proj/doc.md", text)
    control = write("other/doc.md", text)
    report = review_files(allowed, control)
    by_path = {r.path: [f.match for f in r.findings] for r in report.files}
    assert by_path[str(control)] == ["human error", "PEBKAC"]
    assert by_path[str(allowed)] == ["PEBKAC"]


def test_system_names(write, review_files) -> None:
    # "Jarvis" reads as a person's name, so the sentence is hindsight blame...
    before = write("plain/doc.md", JARVIS)
    assert "BL003" in found(review_files(before))
    # ...until the project says Jarvis is one of its services.
    write("proj/.pmreview.toml", 'system-names = ["Jarvis"]\n')
    after = write("proj/doc.md", JARVIS)
    assert "BL003" not in found(review_files(after))


def test_exclude(write, review_files) -> None:
    write("proj/.pmreview.toml", 'exclude = ["archive/*"]\n')
    kept = write("proj/doc.md", DOC)
    write("proj/archive/old.md", DOC)
    report = review_files(kept.parent)
    assert [r.path for r in report.files] == [str(kept)]


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        (".pmreview.toml", 'ignore = ["BL001"]\ncolour = "blue"\n', "colour"),
        ("pyproject.toml", '[tool.pmreview]\nselct = ["BL"]\n', "selct"),
        (".pmreview.toml", 'ignore = "BL001"\n', "ignore"),
        (".pmreview.toml", 'fail-on = "fatal"\n', "fatal"),
        (".pmreview.toml", "ignore = [\n", "TOML"),
    ],
)
def test_bad_config_raises_config_error_naming_file(write, review_files, name: str, content: str, needle: str) -> None:
    config = write(f"proj/{name}", content)
    path = write("proj/doc.md", DOC)
    with pytest.raises(ConfigError) as info:
        review_files(path)
    assert str(config.resolve()) in str(info.value) or str(config) in str(info.value)
    assert needle in str(info.value)


def test_options_override_config_select(write, review_files) -> None:
    write("proj/.pmreview.toml", 'select = ["RC"]\n')
    path = write("proj/doc.md", DOC)
    assert found(review_files(path)) == {"RC001"}
    assert found(review_files(path, select=("BL001",))) == {"BL001"}
    assert found(review_files(path, extend_select=("QU001",))) == {"RC001", "QU001"}


def test_options_override_config_ignore(write, review_files) -> None:
    write("proj/.pmreview.toml", 'ignore = ["BL001"]\n')
    path = write("proj/doc.md", DOC)
    assert found(review_files(path, ignore=("RC001",))) == ALL_THREE - {"RC001"}
    assert found(review_files(path, extend_ignore=("RC001",))) == ALL_THREE - {"BL001", "RC001"}


def test_explicit_config_file_replaces_discovery(write, review_files, tmp_path: Path) -> None:
    write("proj/.pmreview.toml", 'ignore = ["BL001"]\n')
    explicit = write("elsewhere/settings.toml", 'select = ["QU"]\n')
    path = write("proj/doc.md", DOC)
    assert found(review_files(path, config_file=explicit)) == {"QU001"}


def test_cli_flags_override_config(write, run_pmreview, tmp_path: Path) -> None:
    write("proj/.pmreview.toml", 'select = ["RC"]\nignore = ["BL001"]\n')
    path = write("proj/doc.md", DOC)
    proc = run_pmreview("review", path, "--format", "json", "--select", "BL,QU", "--ignore", "QU001", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    # --select replaces the file's select (no RC001) and --ignore replaces its ignore (BL001 is back).
    assert {f["code"] for f in data["findings"]} == {"BL001"}


def test_stdin_uses_config_from_cwd_and_stdin_filename(write, cli, tmp_path: Path, monkeypatch) -> None:
    write("proj/.pmreview.toml", '[per-file-ignores]\n"drafts/*.md" = ["QU"]\n')
    monkeypatch.chdir(tmp_path / "proj")
    draft = cli("review", "-", "--stdin-filename", "drafts/doc.md", "--format", "json", input=DOC.encode())
    final = cli("review", "-", "--stdin-filename", "final/doc.md", "--format", "json", input=DOC.encode())
    assert {f["code"] for f in json.loads(draft.stdout)["findings"]} == ALL_THREE - {"QU001"}
    assert {f["code"] for f in json.loads(final.stdout)["findings"]} == ALL_THREE


def test_most_specific_selector_wins(write, review_files) -> None:
    write("proj/.pmreview.toml", 'ignore = ["QU"]\n')
    path = write("proj/doc.md", DOC)
    assert "QU001" not in found(review_files(path))
    # A full code on the command line is more specific than the file's family prefix.
    assert found(review_files(path, select=("QU001", "RC"))) == {"QU001", "RC001"}
