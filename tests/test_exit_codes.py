"""Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or input errors."""

from __future__ import annotations

import json

import pytest
from conftest import CLEAN, HUMAN_ERROR, ROOT_CAUSE


@pytest.fixture
def clean(write):
    return write("clean.md", f"# Incident\n\n{CLEAN}\n")


@pytest.fixture
def warned(write):
    return write("warned.md", f"# Incident\n\n{HUMAN_ERROR}\n")


@pytest.fixture
def info_only(write):
    return write("info.md", f"<!-- pmreview-disable-next-line BL001 -->\n{CLEAN}\n")


def test_clean_file_exits_0(cli, clean) -> None:
    result = cli("review", clean)
    assert result.exit_code == 0, result.stdout
    assert result.stderr == ""


def test_warning_exits_1(cli, warned) -> None:
    assert cli("review", warned).exit_code == 1


@pytest.mark.parametrize(("fail_on", "expected"), [("error", 0), ("warning", 1), ("info", 1)])
def test_fail_on_with_a_warning(cli, warned, fail_on: str, expected: int) -> None:
    assert cli("review", warned, "--fail-on", fail_on).exit_code == expected


@pytest.mark.parametrize(("args", "expected"), [((), 0), (("--fail-on", "info"), 1), (("--fail-on", "warning"), 0)])
def test_info_findings_only_fail_with_fail_on_info(cli, info_only, args: tuple, expected: int) -> None:
    result = cli("review", info_only, "--format", "json", *args)
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["PM001"]
    assert result.exit_code == expected


def test_fail_on_from_config(cli, write) -> None:
    write("proj/.pmreview.toml", 'fail-on = "error"\n')
    path = write("proj/doc.md", f"{HUMAN_ERROR}\n")
    result = cli("review", path)
    assert "BL001" in result.stdout
    assert result.exit_code == 0
    assert cli("review", path, "--fail-on", "warning").exit_code == 1  # the flag beats the file


def test_fail_on_from_explicit_config_file(cli, write) -> None:
    settings = write("settings/strict.toml", 'fail-on = "error"\n')
    path = write("drafts/doc.md", f"{HUMAN_ERROR}\n")
    result = cli("review", path, "--config", settings)
    assert "BL001" in result.stdout
    assert result.exit_code == 0


def test_fail_on_from_cwd_config_for_stdin(cli, write, tmp_path, monkeypatch) -> None:
    write("proj/.pmreview.toml", 'fail-on = "error"\nignore = ["RC001"]\n')
    monkeypatch.chdir(tmp_path / "proj")
    result = cli(
        "review",
        "-",
        "--stdin-filename",
        "doc.md",
        "--format",
        "json",
        input=f"{HUMAN_ERROR}\n\n{ROOT_CAUSE}\n".encode(),
    )
    # The cwd config applies to the rules (RC001 ignored)...
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["BL001"]
    # ...and so should its fail-on.
    assert result.exit_code == 0


def test_missing_path_exits_2_and_other_file_is_reviewed(run_pmreview, warned, tmp_path) -> None:
    missing = tmp_path / "nope.md"
    proc = run_pmreview("review", missing, warned, cwd=tmp_path)
    assert proc.returncode == 2
    stdout, stderr = proc.stdout.decode(), proc.stderr.decode()
    assert str(warned) in stdout and "BL001" in stdout  # the good file's findings are printed
    assert f"pmreview: error: {missing}: no such file or directory" in stderr
    assert "Traceback" not in stderr


def test_missing_path_with_json(cli, warned, tmp_path) -> None:
    missing = tmp_path / "nope.md"
    result = cli("review", warned, missing, "--format", "json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [f["code"] for f in data["findings"]] == ["BL001"]
    assert data["errors"] == [{"path": str(missing), "message": f"{missing}: no such file or directory"}]
    assert str(missing) in result.stderr


@pytest.mark.parametrize("flag", ["--select", "--ignore", "--extend-select"])
def test_unknown_selector_exits_2(cli, clean, flag: str) -> None:
    result = cli("review", clean, flag, "ZZ999")
    assert result.exit_code == 2
    assert "ZZ999" in result.stderr
    assert result.stdout == ""


def test_known_selector_forms_are_accepted(cli, warned) -> None:
    for selector in ("BL001", "BL", "human-error-attribution", "ALL", "BL001,RC001"):
        assert cli("review", warned, "--select", selector).exit_code == 1, selector


def test_unknown_format_is_a_usage_error(cli, clean) -> None:
    assert cli("review", clean, "--format", "xml").exit_code == 2


def test_no_paths_is_a_usage_error(cli) -> None:
    assert cli("review").exit_code == 2


def test_stdin_with_stdin_filename(cli) -> None:
    result = cli(
        "review",
        "-",
        "--stdin-filename",
        "incidents/2024-05-db.md",
        "--format",
        "json",
        input=f"{HUMAN_ERROR}\n".encode(),
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(f["path"], f["code"], f["line"], f["column"]) for f in data["findings"]] == [
        ("incidents/2024-05-db.md", "BL001", 1, 10)
    ]


def test_stdin_without_name_and_text_format(cli) -> None:
    result = cli("review", "-", input=f"{HUMAN_ERROR}\n".encode())
    assert result.exit_code == 1
    assert "<stdin>" in result.stdout
    clean = cli("review", "-", "--stdin-filename", "x.md", input=f"{CLEAN}\n".encode())
    assert clean.exit_code == 0


def test_version(cli) -> None:
    from reviewer import __version__

    result = cli("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout
