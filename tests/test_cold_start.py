"""A cold `pmreview review` imports only what it uses: no torch, no spaCy command line, no
scikit-learn, no sentence-transformers (each costs a pre-commit hook a noticeable start)."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT

CODE = """
import sys
from reviewer.cli import main
try:
    main(["review", "examples/2026-11-03-checkout-draft.md", "--no-cache", "-q"])
except SystemExit as exc:
    assert exc.code == 1, exc.code  # the draft has findings
heavy = {"torch", "spacy.cli", "requests", "weasel", "sklearn", "sentence_transformers", "transformers"}
print(sorted(heavy & set(sys.modules)))
assert "spacy" in sys.modules  # the draft was parsed
import spacy, spacy.cli
assert callable(spacy.cli.download) and callable(spacy.info)  # both still there when asked for
"""


def test_review_imports_only_what_it_uses() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_the_command_exits_with_its_status_and_all_its_output(run_pmreview) -> None:
    """`pmreview` leaves with os._exit after flushing: nothing written may be lost on the way."""
    proc = run_pmreview("review", ROOT / "examples" / "2026-11-03-checkout-draft.md", "--no-cache", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.rstrip().endswith(b"}")  # the whole JSON document, not a truncated one
    missing = run_pmreview("review", ROOT / "no-such-draft.md")
    assert missing.returncode == 2
    assert missing.stderr.decode().endswith("no such file or directory\n")
