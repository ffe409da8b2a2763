"""`pmreview new`: a draft that the review finds complete in shape, from the built-in template or
the team's, and a template path from a pull request that cannot read outside the repository."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import codes

DAY = "2026-11-03"
TITLE = "Checkout errors after a gateway timeout change"
PROMPT = re.compile(r"^<!--.*-->$", re.M)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git working tree to run in (its top level is this folder), with a folder beside it."""
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def new():
    """``new(*args)`` -> click Result of ``pmreview new`` in-process, stdout and stderr apart."""
    from reviewer.cli import main

    def _invoke(*args: str | Path):
        return CliRunner().invoke(main, ["new", *(str(a) for a in args)], catch_exceptions=False)

    return _invoke


def _roles(text: str, aliases: dict | None = None) -> list[str]:
    """The canonical sections of a Markdown text in order, as the review reads its headings."""
    from reviewer.aliases import section_aliases
    from reviewer.markdown import parse
    from reviewer.source import Source

    merged = {k: list(v) for k, v in (aliases or {}).items()}
    for k, v in section_aliases().items():
        merged[k] = merged.get(k, []) + list(v)
    doc = parse(Source("<draft>", text), merged)
    return [r for s in doc.sections for r in s.roles]


def _filled(draft: str) -> str:
    """The draft with every prompt answered by one line that states a time, a zone and a number."""
    return PROMPT.sub("- 10:04 UTC The error rate reached 9% for 12 minutes.", draft)


def _st(report) -> list[str]:
    assert not [f for f in report.files if f.error], [f.error for f in report.files]
    return [c for c in codes(report.findings) if c.startswith("ST")]


# --- the built-in template ----------------------------------------------------------------


def test_the_draft_has_every_required_section_in_order(new, project: Path) -> None:
    from reviewer.new import _default_sections

    result = new("--title", TITLE, "--date", DAY)
    assert result.exit_code == 0, result.stderr
    required, recommended = _default_sections()
    roles = _roles(result.stdout)
    assert [r for r in roles if r in required] == required
    assert set(recommended) <= set(roles)
    assert len(PROMPT.findall(result.stdout)) == len(roles)  # one prompt per section


def test_front_matter_holds_id_title_date_severity_services(new, project: Path) -> None:
    import yaml

    draft = new("--title", TITLE, "--date", DAY).stdout
    front = yaml.safe_load(draft.split("---\n")[1])
    assert set(front) == {"id", "title", "date", "severity", "services"}
    assert front["title"] == TITLE
    assert str(front["date"]) == DAY
    assert front["id"] == f"{DAY}-checkout-errors-after-a-gateway-timeout"  # six words at most
    assert f"# Postmortem: {TITLE}\n" in draft


def test_the_suggested_file_name_goes_to_stderr_and_the_draft_alone_to_stdout(new, project: Path) -> None:
    result = new("--title", "Café: login — down?", "--date", DAY)
    assert result.stderr == f"pmreview: suggested file name: {DAY}-cafe-login-down.md (write it there with -o)\n"
    assert result.stdout.startswith("---\n")
    assert "suggested" not in result.stdout


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Checkout errors", "checkout-errors"),
        ("  DB   failover: 3 regions!  ", "db-failover-3-regions"),
        ("Ünïcödé façade", "unicode-facade"),
        ("決済の障害", "incident"),  # nothing ASCII is left: still a usable name
        ("Bob's deploy", "bobs-deploy"),
    ],
)
def test_the_id_is_kebab_case_ascii(title: str, slug: str) -> None:
    from reviewer.new import slugify

    assert slugify(title) == slug


def test_the_date_defaults_to_today_in_utc(new, project: Path) -> None:
    before = datetime.now(UTC).date()
    draft = new("--title", "x").stdout
    after = datetime.now(UTC).date()
    day = re.search(r"^date: (\S+)$", draft, re.M).group(1)
    assert day in {before.isoformat(), after.isoformat()}
    assert (after - before) <= timedelta(days=1)


def test_a_date_that_is_not_iso_is_a_usage_error(new, project: Path) -> None:
    result = new("--date", "03/11/2026")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--date" in result.stderr


def test_a_title_with_control_characters_is_refused(new, project: Path) -> None:
    result = new("--title", "x\x1b]0;owned\x07")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "pmreview: error: --title: holds control characters\n"


def test_a_quote_or_colon_in_the_title_keeps_the_front_matter_valid(new, project: Path) -> None:
    import yaml

    title = 'DB: "primary" down #2'
    draft = new("--title", title, "--date", DAY).stdout
    assert yaml.safe_load(draft.split("---\n")[1])["title"] == title


def test_the_fresh_draft_has_no_st001_and_only_the_empty_impact_to_report(review_files, new, project: Path) -> None:
    """Prompts are HTML comments, which are not prose: a fresh draft is missing no section, and what
    ST reports is what is still empty (an impact without a number); none of the prompts' words is flagged."""
    path = project / "draft.md"
    assert new("--title", TITLE, "--date", DAY, "-o", path).exit_code == 0
    report = review_files(path)
    assert "ST001" not in codes(report.findings)
    assert set(_st(report)) <= {"ST004"}
    assert not [f for f in report.findings if not f.code.startswith(("ST", "AI"))]


def test_the_draft_once_filled_in_reviews_clean_of_st(review_files, new, project: Path) -> None:
    path = project / "draft.md"
    path.write_text(_filled(new("--title", TITLE, "--date", DAY).stdout), encoding="utf-8")
    assert _st(review_files(path)) == []


# --- the configuration ----------------------------------------------------------------------

CUSTOM = """[tool.pmreview]
required-sections = ["timeline", "summary", "customer_comms", "detection"]
section-aliases = {customer_comms = ["customer communication"]}
"""


def test_a_custom_required_sections_config_is_followed(review_files, new, project: Path) -> None:
    (project / "pyproject.toml").write_text(CUSTOM, encoding="utf-8")
    draft = new("--title", TITLE, "--date", DAY).stdout
    roles = _roles(draft, {"customer_comms": ["customer communication"]})
    assert roles == ["timeline", "summary", "customer_comms", "detection", "what_went_well"]
    assert "## Customer communication\n" in draft
    assert "## Impact" not in draft and "## Action items" not in draft
    path = project / "draft.md"
    path.write_text(_filled(draft), encoding="utf-8")
    assert _st(review_files(path)) == []


TEAM = """---
id: placeholder
title: >
  A title on
  two lines
owner: "@sre"
---
# {{title}} ({{id}})

Written on {{date}}; {{ unknown }} is left as it is.

## Customer impact

## Chronology

## Why it happened

## Follow-ups
"""


def _team_config(project: Path, template: str = "docs/postmortem-template.md") -> Path:
    (project / "pyproject.toml").write_text(f'[tool.pmreview]\ntemplate = "{template}"\n', encoding="utf-8")
    path = project / "docs" / "postmortem-template.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(TEAM, encoding="utf-8")
    return path


def test_a_team_template_in_config_replaces_the_built_in_one(new, project: Path) -> None:
    import yaml

    _team_config(project)
    result = new("--title", "Login: down", "--date", DAY)
    assert result.exit_code == 0, result.stderr
    draft = result.stdout
    front = yaml.safe_load(draft.split("---\n")[1])
    assert front == {"id": f"{DAY}-login-down", "title": "Login: down", "date": front["date"], "owner": "@sre"}
    assert str(front["date"]) == DAY
    assert f"# Login: down ({DAY}-login-down)\n" in draft
    assert f"Written on {DAY}; {{{{ unknown }}}} is left" in draft
    assert "## Chronology" in draft and "Postmortem:" not in draft and "<!--" not in draft
    assert "summary" in result.stderr  # the team's template lacks a required section: said once, on stderr


def test_the_template_option_overrides_the_configured_one(new, project: Path) -> None:
    _team_config(project)
    mine = project / "mine.md"
    mine.write_text("# {{title}}\n\n## Summary\n\n## Impact\n", encoding="utf-8")
    draft = new("--title", "x", "--date", DAY, "--template", mine).stdout
    assert "## Chronology" not in draft
    assert draft.endswith("# x\n\n## Summary\n\n## Impact\n")
    assert draft.startswith(f'---\nid: {DAY}-x\ntitle: "x"\ndate: {DAY}\n---\n')


def test_a_template_with_toml_front_matter_is_stamped_in_toml(new, project: Path) -> None:
    import tomllib

    mine = project / "hugo.md"
    mine.write_text(
        '+++\ntitle = """old\ntitle"""\ndraft = true\n[params]\ntitle = "kept"\n+++\n# {{title}}\n', encoding="utf-8"
    )
    draft = new("--title", 'A "quoted" title', "--date", DAY, "--template", mine).stdout
    front = tomllib.loads(draft.split("+++\n")[1])
    assert front["title"] == 'A "quoted" title' and front["draft"] is True
    assert front["params"] == {"title": "kept"}  # a table's own title is not the document's
    assert str(front["date"]) == DAY and front["id"] == f"{DAY}-a-quoted-title"


def test_a_team_template_fills_no_st001_when_it_has_the_sections(review_files, new, project: Path) -> None:
    _team_config(project)
    (project / "docs" / "postmortem-template.md").write_text(
        TEAM + "\n## Summary\n\n<!-- Say what happened. -->\n", encoding="utf-8"
    )
    result = new("--title", TITLE, "--date", DAY, "-o", "draft.md")
    assert result.exit_code == 0 and "warning" not in result.stderr, result.stderr
    assert "ST001" not in codes(review_files(project / "draft.md").findings)


# --- hostile template paths -----------------------------------------------------------------


def _refused(result, needle: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("pmreview: error: ") and needle in line, line


@pytest.mark.parametrize(
    "value",
    ["../outside.md", "/etc/passwd", "docs/../../outside.md", ".git/config", "docs/../.git/config"],
)
def test_a_configured_template_outside_the_repository_is_refused(new, project: Path, value: str) -> None:
    (project.parent / "outside.md").write_text("# secret\n", encoding="utf-8")
    (project / ".git" / "config").write_text("[remote]\n", encoding="utf-8")
    _team_config(project, template=value)
    result = new("--title", "x")
    _refused(result, "'template' leads outside the working tree")
    assert "secret" not in result.stderr


def test_a_configured_template_that_links_out_is_refused(new, project: Path) -> None:
    secret = project.parent / "secret.md"
    secret.write_text("# secret token\n", encoding="utf-8")
    (project / "docs").mkdir()
    (project / "docs" / "t.md").symlink_to(secret)
    (project / "pyproject.toml").write_text('[tool.pmreview]\ntemplate = "docs/t.md"\n', encoding="utf-8")
    result = new("--title", "x")
    _refused(result, "'template' leads outside the working tree")
    assert "token" not in result.stderr


def test_a_template_option_that_links_out_is_refused(new, project: Path) -> None:
    secret = project.parent / "secret.md"
    secret.write_text("# secret token\n", encoding="utf-8")
    (project / "t.md").symlink_to(secret)
    _refused(new("--template", "t.md"), "t.md: is a symbolic link that leads outside the working tree")


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"# \x1b[2Jcleared\n", "control characters"),
        (b"# caf\xe9\n", "not UTF-8"),
        (b"#" * (300 * 1024), "KiB"),
    ],
)
def test_a_bad_template_file_is_one_error_line(new, project: Path, content: bytes, needle: str) -> None:
    (project / "t.md").write_bytes(content)
    _refused(new("--template", "t.md"), needle)


def test_a_missing_or_special_template_is_one_error_line(new, project: Path) -> None:
    _refused(new("--template", "missing.md"), "no such file")
    os.mkfifo(project / "fifo.md")  # opened without blocking, refused as not a regular file
    _refused(new("--template", "fifo.md"), "named pipe")
    (project / "folder.md").mkdir()
    result = new("--template", "folder.md")  # click's own usage error
    assert (result.exit_code, result.stdout) == (2, "")
    assert "is a directory" in result.stderr


def test_the_config_key_must_be_a_file_name(new, project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.pmreview]\ntemplate = 3\n", encoding="utf-8")
    _refused(new(), "'template' must be a file name")


# --- writing the file -----------------------------------------------------------------------


def test_output_refuses_to_overwrite_an_existing_file(new, project: Path) -> None:
    path = project / "draft.md"
    path.write_text("my notes\n", encoding="utf-8")
    _refused(new("--title", "x", "-o", path), "already exists")
    assert path.read_text(encoding="utf-8") == "my notes\n"
    result = new("--title", "x", "-o", path, "--force")
    assert result.exit_code == 0, result.stderr
    assert path.read_text(encoding="utf-8").startswith("---\nid: ")
    assert result.stdout == ""


def test_output_into_a_folder_uses_the_suggested_name(new, project: Path) -> None:
    result = new("--title", "Checkout errors", "--date", DAY, "-o", "postmortems/")
    assert result.exit_code == 0, result.stderr
    written = project / "postmortems" / f"{DAY}-checkout-errors.md"
    assert written.read_text(encoding="utf-8").startswith(f"---\nid: {DAY}-checkout-errors\n")
    assert str(Path("postmortems") / written.name) in result.stderr


def test_output_through_a_link_is_not_written(new, project: Path) -> None:
    outside = project.parent / "outside.md"
    (project / "draft.md").symlink_to(outside)
    _refused(new("-o", "draft.md", "--force"), "symbolic link")
    _refused(new("-o", "draft.md"), "draft.md")
    assert not outside.exists()


# --- any title ------------------------------------------------------------------------------

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    given = None


if given is not None:

    @settings(max_examples=300, deadline=None)
    @given(st.text(min_size=1, max_size=80))
    def test_any_title_keeps_front_matter_valid_and_the_id_kebab_case(title: str) -> None:
        import tomllib
        from datetime import date

        import yaml

        from reviewer.new import Meta, builtin_text, fill
        from reviewer.terminal import printable

        clean = " ".join(title.split())
        if not clean or printable(clean) != clean:
            return  # refused by --title, or the default title
        meta = Meta(clean, date(2026, 11, 3))
        assert re.fullmatch(r"2026-11-03-[a-z0-9]+(?:-[a-z0-9]+)*", meta.id)
        draft = fill(builtin_text(["summary"], {}), meta)
        assert yaml.safe_load(draft.split("---\n")[1])["title"] == clean
        hugo = fill("+++\ntitle = 'x'\n+++\n", meta)
        assert tomllib.loads(hugo.split("+++\n")[1])["title"] == clean


def test_a_template_the_user_names_outside_the_repository_is_their_choice(new, project: Path) -> None:
    shared = project.parent / "shared-template.md"
    shared.write_text("# {{title}}\n\n## Summary\n", encoding="utf-8")
    result = new("--title", "x", "--template", shared)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("# x\n\n## Summary\n")


def test_sections_in_draft_order() -> None:
    from reviewer.new import sections_for

    assert sections_for(("impact", "action_items", "timeline")) == [
        "impact",
        "what_went_well",
        "action_items",
        "timeline",
    ]
    assert sections_for(("summary", "summary")) == ["summary", "what_went_well"]
    assert sections_for(("what_went_well", "summary")) == ["what_went_well", "summary"]
