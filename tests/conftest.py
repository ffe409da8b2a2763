"""Shared fixtures for the pmreview test suite.

The real spaCy pipeline is used everywhere (no mocks). It is loaded once per test
session: in-process reviews (``review``, ``review_files``, ``cli``) share the cached
model, and real subprocesses (``run_pmreview``) are kept to a handful because each
one pays the ~2 s start-up again.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
# Results caches written by CLI runs go to a throw-away folder, not the checkout.
import tempfile

os.environ["PMREVIEW_CACHE_DIR"] = tempfile.mkdtemp(prefix="pmreview-test-cache-")

import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent

# Fixture sentences written for these tests (not taken from any corpus).
HUMAN_ERROR = "This was human error."  # BL001 at column 10, "human error"
ROOT_CAUSE = "Root cause: a bad deploy."  # RC001 at column 1, "Root cause"
CLEAN = "The database failed over in 40 seconds and writes resumed."


def _tuple(value: object) -> object:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, str):
        return (value,)
    return value


@pytest.fixture(scope="session")
def options_cls():
    from reviewer.engine import Options

    return Options


@pytest.fixture(scope="session")
def review_result(options_cls) -> Callable:
    """``review_result(text, path=..., **options)`` -> the FileResult of one in-memory document."""
    from reviewer.engine import review_text

    def _review(text: str, path: str = "<text>", **options: object):
        opts = options_cls(
            **{
                k: _tuple(v) if k in ("select", "ignore", "extend_select", "extend_ignore") else v
                for k, v in options.items()
            }
        )
        return review_text(text, path=path, options=opts)

    return _review


@pytest.fixture(scope="session")
def review(review_result) -> Callable:
    """``review(text, **options)`` -> list of findings (``select="BL001"`` or ``select=("BL001",)``)."""

    def _review(text: str, **options: object) -> list:
        result = review_result(text, **options)
        assert result.error is None, result.error
        return result.findings

    return _review


@pytest.fixture(scope="session")
def review_files(options_cls) -> Callable:
    """``review_files(*paths, **options)`` -> Report, through ``expand`` + ``review_inputs`` (config discovery on)."""
    from reviewer.engine import expand, review_inputs

    def _review(*paths: str | Path, **options: object):
        opts = options_cls(
            **{
                k: _tuple(v) if k in ("select", "ignore", "extend_select", "extend_ignore") else v
                for k, v in options.items()
            }
        )
        return review_inputs(expand([str(p) for p in paths]), opts)

    return _review


@pytest.fixture(scope="session")
def cli() -> Callable[..., Result]:
    """The click command run in-process (shares the loaded model): ``cli("review", path, input=b"...")``."""
    from reviewer.cli import main

    runner = CliRunner()

    def _invoke(*args: str | Path, input: bytes | str | None = None) -> Result:
        return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return _invoke


def pmreview_command() -> list[str]:
    """The console script installed beside this interpreter (a venv's own, not whatever PATH finds
    first, which may be another Python's), else ``python -m reviewer.cli``."""
    beside = Path(sys.executable).parent / "pmreview"
    if beside.is_file():
        return [str(beside)]
    return [sys.executable, "-m", "reviewer.cli"]


@pytest.fixture(scope="session")
def run_pmreview() -> Callable[..., subprocess.CompletedProcess]:
    """A real ``pmreview`` process (use sparingly: each costs ~2 s)."""

    def _run(*args: str | Path, cwd: Path | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "NO_COLOR": "1"}
        return subprocess.run(
            [*pmreview_command(), *(str(a) for a in args)],
            cwd=cwd,
            input=input,
            capture_output=True,
            env=env,
            timeout=120,
        )

    return _run


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write("sub/file.md", text_or_bytes)`` under tmp_path, creating folders."""

    def _write(rel: str, content: str | bytes) -> Path:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
        return path

    return _write


def codes(findings: Sequence) -> list[str]:
    return [f.code if hasattr(f, "code") else f["code"] for f in findings]


@pytest.fixture(scope="session")
def example_corpus(tmp_path_factory) -> Path:
    """The shipped example corpus, copied and indexed once per session (RE rule examples)."""
    from reviewer.models.embedder import get_encoder
    from reviewer.recurrence import build, index_path
    from reviewer.resources import corpus_dir

    root = tmp_path_factory.mktemp("corpus") / "examples"
    shutil.copytree(corpus_dir() / "examples", root, ignore=shutil.ignore_patterns(".pmreview"))
    build(root, index_path(root), get_encoder())
    return root
