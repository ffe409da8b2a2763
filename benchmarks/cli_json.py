"""Run `pmreview review --format json` in a fresh process, as users do, for the evaluation scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def review_json(paths: list[Path], *extra: str) -> dict:
    """The JSON report; the results cache is off so every run measures the rules themselves."""
    cmd = [sys.executable, "-m", "reviewer.cli", "review", "--format", "json", "--no-cache", *extra, *map(str, paths)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode not in (0, 1):
        sys.exit(f"pmreview failed ({proc.returncode}): {proc.stderr}")
    return json.loads(proc.stdout)
