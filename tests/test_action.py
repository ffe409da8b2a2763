"""action.yml: the composite GitHub Action's inputs and the shell it runs.

The shell steps read their inputs from ``env`` only (never ``${{ }}`` inside ``run``,
which would let a crafted input inject shell), so each step can be run here as GitHub
would run it, with the inputs as environment variables.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = {s.get("name"): s for s in ACTION["runs"]["steps"]}


def test_inputs_and_modes() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "mode", "fail-on", "config"} <= set(ACTION["inputs"])
    modes = {m for s in ACTION["runs"]["steps"] for m in re.findall(r"inputs\.mode == '(\w+)'", s.get("if", ""))}
    assert modes == {"review", "sarif", "annotations"}


@pytest.mark.parametrize("name", [n for n, s in STEPS.items() if "run" in s])
def test_run_scripts_are_valid_bash_without_inline_expressions(name: str) -> None:
    script = STEPS[name]["run"]
    if name != "Fail on findings":  # exits with a step output, a number written by the SARIF step
        assert "${{" not in script
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)


@pytest.mark.slow
def test_annotations_step_runs(tmp_path: Path) -> None:
    if shutil.which("pmreview") is None:
        pytest.skip("the pmreview console script is not installed")
    (tmp_path / "postmortems").mkdir()
    (tmp_path / "postmortems" / "2026-01-02-disk.md").write_text(
        "# Incident: disk full\n\n## Summary\n\nThe disk filled up. This was human error.\n", encoding="utf-8"
    )
    (tmp_path / "postmortems" / "notes.txt").write_text("human error\n", encoding="utf-8")
    step = STEPS["Review (annotations)"]
    env = {
        **os.environ,
        "PMREVIEW_PATHS": ACTION["inputs"]["paths"]["default"],
        "PMREVIEW_FAIL_ON": "",
        "PMREVIEW_CONFIG": "",
        "PMREVIEW_DIFF_BASE": "",
        "PMREVIEW_CACHE_DIR": str(tmp_path / "cache"),
    }
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert "::warning file=postmortems/2026-01-02-disk.md,line=5" in proc.stdout
    assert "notes.txt" not in proc.stdout
