"""The pre-commit hook manifest, run by pre-commit itself (``pre-commit try-repo``).

The ``pmreview-system`` hook uses the pmreview installed for this test run, so the test
checks the manifest, file selection and exit status without pre-commit building a
second environment with torch and spaCy in it (that costs minutes; the ``pmreview``
hook differs only in ``language: python``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

BLAMEFUL = (
    "# Incident: disk full on db-2\n\n## Summary\n\nThe data disk filled up at 03:10 UTC. This was human error.\n"
)
NEUTRAL = "# Notes\n\nThe data disk filled up at 03:10 UTC and writes stopped for 12 minutes.\n"


def test_manifest_hooks_share_one_entry() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"pmreview", "pmreview-system"}
    assert hooks["pmreview"]["entry"] == hooks["pmreview-system"]["entry"]
    assert all(h["types"] == ["markdown"] and h["require_serial"] for h in hooks.values())


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="try-repo needs the project as a git checkout")
def test_try_repo_flags_a_blameful_draft(tmp_path: Path) -> None:
    if shutil.which("pre-commit") is None or shutil.which("pmreview") is None:
        pytest.skip("pre-commit or the pmreview console script is not installed (pip install -e '.[test]')")
    repo = tmp_path / "team"
    repo.mkdir()
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pc-home"),
        "NO_COLOR": "1",
        "PMREVIEW_CACHE_DIR": str(tmp_path),
    }
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "postmortem.md").write_text(BLAMEFUL, encoding="utf-8")
    (repo / "notes.md").write_text(NEUTRAL, encoding="utf-8")
    (repo / "script.py").write_text("# human error in a comment is not Markdown\n", encoding="utf-8")
    subprocess.run([*git, "add", "."], cwd=repo, check=True)

    def try_repo(*files: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["pre-commit", "try-repo", str(ROOT), "pmreview-system", "--files", *files],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    failing = try_repo("postmortem.md", "notes.md", "script.py")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "BL001" in failing.stdout and "postmortem.md" in failing.stdout
    assert "script.py" not in failing.stdout  # types: [markdown]

    passing = try_repo("notes.md", "script.py")
    assert passing.returncode == 0, passing.stdout + passing.stderr
