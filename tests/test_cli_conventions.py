"""Command-line conventions users bring from ruff and other linters.

Colour (``--color``, ``NO_COLOR``, ``FORCE_COLOR``), ``--exit-zero``, ``-o/--output-file``,
``--statistics``, ``-q``, ``--show-settings``, ``-V``, severities set in the configuration so
that ``fail-on = "error"`` means something, complete help texts and errors printed once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import CLEAN, HUMAN_ERROR, ROOT, ROOT_CAUSE

ESC = "\x1b["


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch):
    """Like the ``cli`` fixture, with environment variables set for the call (NO_COLOR, FORCE_COLOR)."""
    from reviewer.cli import main

    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)

    def _invoke(*args: str | Path, env: dict[str, str] | None = None, input: bytes | None = None):
        return CliRunner(env=env).invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return _invoke


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder to run in: the working tree (no .git above tmp_path) is this folder."""
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def warned(project: Path) -> Path:
    path = project / "warned.md"
    path.write_text(f"# Incident\n\n{HUMAN_ERROR}\n\n{ROOT_CAUSE}\n", encoding="utf-8")
    return path


# --- colour ------------------------------------------------------------------------------


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("when", "tty", "env", "expected"),
    [
        ("auto", True, {}, True),
        ("auto", False, {}, False),
        ("auto", True, {"NO_COLOR": "1"}, False),
        ("auto", True, {"NO_COLOR": ""}, True),  # no-color.org: only a non-empty value counts
        ("auto", False, {"FORCE_COLOR": "1"}, True),
        ("auto", False, {"FORCE_COLOR": "0"}, False),
        ("auto", True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        ("always", False, {"NO_COLOR": "1"}, True),  # the flag beats the environment
        ("never", True, {"FORCE_COLOR": "1"}, False),
    ],
)
def test_color_choice(when: str, tty: bool, env: dict[str, str], expected: bool) -> None:
    from reviewer.terminal import color_wanted

    assert color_wanted(when, _Stream(tty), env) is expected


def test_an_output_file_is_coloured_only_when_asked() -> None:
    from reviewer.terminal import color_wanted

    assert not color_wanted("auto", None, {"FORCE_COLOR": "1"})
    assert color_wanted("always", None, {})


def test_force_color_colours_output_that_is_not_a_terminal(invoke, warned: Path) -> None:
    assert ESC not in invoke("review", warned).stdout
    assert ESC in invoke("review", warned, env={"FORCE_COLOR": "1"}).stdout


@pytest.mark.parametrize(("args", "coloured"), [(("--color", "never"), False), (("--color=always",), True)])
def test_color_flag_takes_a_value(invoke, warned: Path, args: tuple[str, ...], coloured: bool) -> None:
    result = invoke("review", warned, *args, env={"FORCE_COLOR": "1"} if not coloured else {"NO_COLOR": "1"})
    assert result.exit_code == 1
    assert (ESC in result.stdout) is coloured


# --- exit status, output file, quiet, statistics -------------------------------------------


def test_exit_zero_reports_findings_but_exits_0(invoke, warned: Path) -> None:
    result = invoke("review", warned, "--exit-zero")
    assert result.exit_code == 0, result.stderr
    assert "BL001" in result.stdout


def test_exit_zero_still_exits_2_on_an_error(invoke, warned: Path, project: Path) -> None:
    result = invoke("review", warned, project / "missing.md", "-e")
    assert result.exit_code == 2
    assert result.stderr == f"pmreview: error: {project / 'missing.md'}: no such file or directory\n"
    assert "BL001" in result.stdout


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_output_file_gets_what_stdout_would(invoke, warned: Path, project: Path, fmt: str) -> None:
    expected = invoke("review", warned, "--format", fmt, "--no-cache").stdout
    out = project / "reports" / f"pmreview.{fmt}"
    result = invoke("review", warned, "--format", fmt, "--no-cache", "-o", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == expected
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # no temporary file left behind


def test_output_file_through_a_link_out_of_the_tree_is_refused(invoke, warned: Path, project: Path) -> None:
    outside = project.parent / "outside.txt"
    (project / "report.txt").symlink_to(outside)
    result = invoke("review", warned, "--output-file", "report.txt")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("pmreview: error: report.txt: is a symbolic link")
    assert len(result.stderr.splitlines()) == 1
    assert not outside.exists()


def test_output_file_that_is_a_folder_is_an_error(invoke, warned: Path, project: Path) -> None:
    (project / "out").mkdir()
    result = invoke("review", warned, "-o", "out")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "'out' is a directory" in result.stderr


def test_quiet_drops_the_summary_line(invoke, warned: Path) -> None:
    loud = invoke("review", warned).stdout
    quiet = invoke("review", warned, "-q")
    assert quiet.exit_code == 1
    assert loud.rstrip().splitlines()[-1].startswith("Found 2 findings")
    assert "Found" not in quiet.stdout
    assert quiet.stdout.strip() == loud.rstrip().rsplit("\n", 1)[0].strip()


def test_quiet_twice_prints_nothing_and_keeps_the_exit_status(invoke, warned: Path, project: Path) -> None:
    result = invoke("review", warned, "-qq")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")
    clean = project / "clean.md"
    clean.write_text(f"{CLEAN}\n", encoding="utf-8")
    assert invoke("review", clean, "-qq").exit_code == 0


def test_statistics_counts_findings_per_rule(invoke, project: Path) -> None:
    doc = project / "doc.md"
    doc.write_text(f"{HUMAN_ERROR}\n\n{HUMAN_ERROR[:-1]} again.\n\n{ROOT_CAUSE}\n", encoding="utf-8")
    result = invoke("review", doc, "--statistics", "--select", "BL001,RC001")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "2  BL001  warning  human-error-attribution",
        "1  RC001  warning  single-root-cause",
    ]
    rows = json.loads(invoke("review", doc, "--statistics", "--format", "json", "--select", "BL001,RC001").stdout)
    assert rows == [
        {"code": "BL001", "name": "human-error-attribution", "severity": "warning", "count": 2},
        {"code": "RC001", "name": "single-root-cause", "severity": "warning", "count": 1},
    ]


def test_statistics_with_another_format_is_a_usage_error(invoke, warned: Path) -> None:
    result = invoke("review", warned, "--statistics", "--format", "sarif")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "pmreview: error: --statistics prints text or json, not --format sarif\n"


# --- severities in the configuration -------------------------------------------------------

STRICT = 'fail-on = "error"\n\n[severity]\nBL = "error"\n'


def _doc(project: Path, name: str, text: str) -> Path:
    path = project / name
    path.write_text(f"# Incident\n\n{text}\n", encoding="utf-8")
    return path


def test_fail_on_error_fails_when_a_rule_raised_to_error_fires(invoke, project: Path) -> None:
    (project / ".pmreview.toml").write_text(STRICT, encoding="utf-8")
    blame = _doc(project, "blame.md", HUMAN_ERROR)
    result = invoke("review", blame, "--format", "json", "--select", "BL001,RC001")
    assert [(f["code"], f["severity"]) for f in json.loads(result.stdout)["findings"]] == [("BL001", "error")]
    assert result.exit_code == 1


def test_fail_on_error_passes_on_findings_left_at_warning(invoke, project: Path) -> None:
    (project / ".pmreview.toml").write_text(STRICT, encoding="utf-8")
    framing = _doc(project, "framing.md", ROOT_CAUSE)
    result = invoke("review", framing, "--format", "json", "--select", "BL001,RC001")
    assert [(f["code"], f["severity"]) for f in json.loads(result.stdout)["findings"]] == [("RC001", "warning")]
    assert result.exit_code == 0


def test_the_most_specific_severity_wins(invoke, project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.pmreview.severity]\nALL = "error"\nBL = "warning"\nBL001 = "info"\n', encoding="utf-8"
    )
    doc = _doc(project, "doc.md", f"{HUMAN_ERROR}\n\n{ROOT_CAUSE}")
    data = json.loads(invoke("review", doc, "--format", "json", "--select", "BL001,RC001").stdout)
    assert sorted((f["code"], f["severity"]) for f in data["findings"]) == [("BL001", "info"), ("RC001", "error")]
    assert data["summary"]["by_severity"] == {"error": 1, "warning": 0, "info": 1}


def test_statistics_show_the_configured_severity(invoke, project: Path) -> None:
    (project / ".pmreview.toml").write_text(STRICT, encoding="utf-8")
    doc = _doc(project, "doc.md", HUMAN_ERROR)
    assert invoke("review", doc, "--statistics", "--select", "BL001").stdout == (
        "1  BL001  error    human-error-attribution\n"
    )


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ('[severity]\nZZ9 = "error"\n', "'ZZ9'"),
        ('[severity]\nBL = "fatal"\n', "unknown severity 'fatal'"),
        ('severity = "error"\n', "'severity' must be a table"),
        ("[severity]\nBL = 3\n", "'severity.BL' must be a string"),
    ],
)
def test_a_bad_severity_table_is_one_error_line(invoke, project: Path, table: str, needle: str) -> None:
    (project / ".pmreview.toml").write_text(table, encoding="utf-8")
    doc = _doc(project, "doc.md", HUMAN_ERROR)
    result = invoke("review", doc)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("pmreview: error: ") and needle in line, line


def test_the_documented_example_configuration_fails_only_on_blame(invoke, project: Path) -> None:
    """docs/examples/pmreview.toml is what the CI examples rely on for `fail-on = "error"`."""
    (project / ".pmreview.toml").write_bytes((ROOT / "docs" / "examples" / "pmreview.toml").read_bytes())
    assert invoke("review", _doc(project, "blame.md", HUMAN_ERROR)).exit_code == 1
    assert invoke("review", _doc(project, "framing.md", ROOT_CAUSE)).exit_code == 0


# --- show-settings, version ----------------------------------------------------------------


def test_show_settings_says_where_each_value_comes_from(invoke, project: Path) -> None:
    config = project / ".pmreview.toml"
    config.write_text(STRICT + "\n", encoding="utf-8")
    doc = _doc(project, "doc.md", HUMAN_ERROR)
    result = invoke("review", doc, "--show-settings", "--ignore", "ST")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert f"# configuration file: {config}" in lines
    assert f'fail-on = "error"  # {config}' in lines
    assert f'severity = {{"BL": "error"}}  # {config}' in lines
    assert 'ignore = ["ST"]  # command line (--ignore)' in lines
    assert "max-action-items = null  # default" in lines
    assert "BL001  error    human-error-attribution" in lines
    assert not any(line.startswith("ST0") for line in lines)  # ignored on the command line
    assert "Found" not in result.stdout  # nothing was reviewed


def test_show_settings_without_a_configuration(invoke, project: Path) -> None:
    result = invoke("review", _doc(project, "doc.md", CLEAN), "--show-settings")
    assert result.exit_code == 0
    assert "# configuration file: none (defaults)" in result.stdout
    assert 'fail-on = "warning"  # default' in result.stdout


def test_show_settings_takes_one_path(invoke, project: Path) -> None:
    a, b = _doc(project, "a.md", CLEAN), _doc(project, "b.md", CLEAN)
    result = invoke("review", a, b, "--show-settings")
    assert result.exit_code == 2
    assert "one file" in result.stderr


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(invoke, flag: str) -> None:
    from reviewer import __version__

    result = invoke(flag)
    assert result.exit_code == 0
    assert result.stdout == f"pmreview, version {__version__}\n"


# --- errors printed once ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "github", "markdown"])
def test_a_missing_file_is_one_line_on_stderr_only(invoke, project: Path, fmt: str) -> None:
    result = invoke("review", "missing.md", "--format", fmt)
    assert result.exit_code == 2
    assert result.stderr == "pmreview: error: missing.md: no such file or directory\n"
    if fmt == "text":
        assert result.stdout == ""


def test_an_error_beside_a_reviewed_file_is_not_on_stdout(invoke, warned: Path) -> None:
    result = invoke("review", warned, "missing.md")
    assert result.exit_code == 2
    assert "missing.md" not in result.stdout
    assert result.stdout.rstrip().splitlines()[-1] == "Found 2 findings (2 warnings) in 1 file."
    assert result.stderr.splitlines() == ["pmreview: error: missing.md: no such file or directory"]


# --- help ---------------------------------------------------------------------------------


def _commands() -> list[tuple[str, click.Command]]:
    from reviewer.cli import main

    out = []

    def walk(cmd: click.Command, path: str) -> None:
        out.append((path, cmd))
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(main, "pmreview")
    return out


ELSEWHERE: dict[str, str] = {}  # commands whose help is known to be incomplete (none)


def _marked(path: str) -> object:
    if path in ELSEWHERE:
        return pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=ELSEWHERE[path]))
    return path


@pytest.mark.parametrize("path", [_marked(p) for p, _ in _commands()])
def test_every_command_has_a_whole_summary_and_every_option_help(path: str) -> None:
    cmd = dict(_commands())[path]
    summary = cmd.get_short_help_str(limit=45)  # click cuts a long first sentence with "..."
    assert summary and not summary.endswith("..."), (path, summary)
    missing = [p.opts[-1] for p in cmd.params if isinstance(p, click.Option) and not p.hidden and not p.help]
    assert not missing, (path, missing)


def test_top_level_help_cuts_no_summary(invoke) -> None:
    listing = invoke("--help").stdout.split("Commands:", 1)[1]
    cut = [line.split()[0] for line in listing.splitlines() if line.rstrip().endswith("...")]
    assert set(cut) <= {p.split()[-1] for p in ELSEWHERE}, cut


# --- docs: one release tag scheme and one fail-on -------------------------------------------


def _docs() -> dict[Path, str]:
    paths = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "docs" / "examples").iterdir()]
    return {p: p.read_text(encoding="utf-8") for p in paths if p.is_file()}


def test_docs_name_the_release_tags_of_this_version() -> None:
    """pre-commit and git installs pin an exact tag (vX.Y.Z), the Action its moving major tag (@vX)."""
    from reviewer import __version__

    texts = _docs()
    exact = {m for t in texts.values() for m in re.findall(r"^\s*rev:\s*(\S+)", t, re.M)}
    exact |= {
        m for t in texts.values() for m in re.findall(r"git\+https://github\.com/pmreview/pmreview@(\w[\w.-]*\w)", t)
    }
    major = {m for t in texts.values() for m in re.findall(r"uses:\s*pmreview/pmreview@(\w[\w.-]*\w|\w)", t)}
    assert exact == {f"v{__version__}"}, exact
    assert major == {f"v{__version__.split('.')[0]}"}, major
    assert "## Releases and tags" in texts[ROOT / "docs" / "ci.md"]


def test_ci_examples_take_fail_on_from_the_one_configuration() -> None:
    """The hook, the Action and the GitLab job must fail on the same findings: fail-on lives in
    .pmreview.toml (docs/examples/pmreview.toml), not in a flag one of them passes."""
    import yaml

    examples = ROOT / "docs" / "examples"
    workflow = yaml.safe_load((examples / "github-workflow.yml").read_text(encoding="utf-8"))
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    action = next(s for s in steps if str(s.get("uses", "")).startswith("pmreview/pmreview@"))
    assert "fail-on" not in action.get("with", {})
    gitlab = yaml.safe_load((examples / "gitlab-ci.yml").read_text(encoding="utf-8"))
    assert not any("--fail-on" in line for line in gitlab["pmreview"]["script"])
    precommit = yaml.safe_load((examples / "pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert not any("--fail-on" in a for r in precommit["repos"] for h in r["hooks"] for a in h.get("args", []))


def test_the_engine_applies_configured_severities(review_files, project: Path) -> None:
    from reviewer.findings import Severity

    (project / ".pmreview.toml").write_text(STRICT, encoding="utf-8")
    report = review_files(_doc(project, "doc.md", HUMAN_ERROR), select="BL001")
    assert [f.severity for f in report.findings] == [Severity.ERROR]
