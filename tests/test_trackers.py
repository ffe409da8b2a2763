"""`pmreview actions --format github-issues|jira-csv`: open items, safe to run and to import."""

from __future__ import annotations

import csv
import io
import shlex
import subprocess
from pathlib import Path

import pytest

HOSTILE = 'Rotate the keys $(touch /tmp/pwned) `id` \'quoted\' "double"; =HYPERLINK("x")'
DRAFT = f"""# Token leak

## Action items

- [ ] {HOSTILE}. Owner: @kim-lee, due 2026-12-20, P1
- [x] Revoke the token. Owner: @sam
- [ ] =SUM(A1) in the dashboard. Owner: @ops.team
"""


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    path = tmp_path / "2026-12-01-token.md"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def _commands(script: str) -> list[list[str]]:
    """The script's gh calls as a shell splits them (bodies span lines inside their quotes)."""
    words = shlex.split(script, comments=True)
    assert words[:2] == ["set", "-eu"]
    out: list[list[str]] = []
    for word in words[2:]:
        if word == "gh":
            out.append([])
        out[-1].append(word)
    return out


def test_github_issues_is_a_script_whose_every_value_is_one_word(cli, draft: Path, monkeypatch) -> None:
    for var in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(var, raising=False)
    script = cli("actions", draft, "--format", "github-issues").stdout
    assert subprocess.run(["sh", "-n"], input=script.encode(), capture_output=True).returncode == 0
    commands = _commands(script)
    assert len(commands) == 2  # the done item is left out
    first = commands[0]
    title = first[first.index("--title") + 1]
    assert title.startswith("Rotate the keys $(touch /tmp/pwned)") and "Owner" not in title
    assert first[first.index("--assignee") + 1] == "kim-lee"
    body = first[first.index("--body") + 1]
    assert f"From the postmortem: {draft}:5" in body and "Priority: P1" in body
    assert "--assignee" not in commands[1]  # "@ops.team" is no GitHub login


def test_inside_actions_the_link_points_at_the_commit(cli, draft: Path, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/postmortems")
    monkeypatch.setenv("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
    script = cli("actions", draft, "--format", "github-issues").stdout
    body = _commands(script)[0][_commands(script)[0].index("--body") + 1]
    assert "https://github.com/acme/postmortems/blob/0123456789abcdef0123456789abcdef01234567/" in body
    assert body.split("From the postmortem: ", 1)[1].split("\n", 1)[0].endswith("#L5")


def test_jira_csv_has_the_import_columns_and_no_formula(cli, draft: Path) -> None:
    rows = list(csv.reader(io.StringIO(cli("actions", draft, "--format", "jira-csv").stdout)))
    assert rows[0] == ["Summary", "Description", "Issue Type", "Priority", "Due Date", "Assignee", "Labels"]
    assert len(rows) == 3
    first, second = rows[1], rows[2]
    assert first[3:6] == ["High", "2026-12-20", "kim-lee"]
    assert second[0].startswith("'=SUM(A1)")  # a formula is text
    assert all(not cell.startswith(("=", "+", "@")) for row in rows[1:] for cell in row)
