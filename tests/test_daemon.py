"""`review --daemon`: a warm background process that answers exactly as the command would.

The end-to-end case starts real processes (a client, then the daemon it starts) in a private
runtime folder of its own, and stops the daemon when it is done.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ROOT, pmreview_command

from reviewer import daemon

DRAFT = ROOT / "examples" / "2026-11-03-checkout-draft.md"


def test_only_review_asks_for_the_daemon_and_only_when_told() -> None:
    assert daemon.wanted(["review", "a.md", "--daemon"], {})
    assert daemon.wanted(["review", "a.md"], {"PMREVIEW_DAEMON": "1"})
    assert not daemon.wanted(["review", "a.md"], {})
    assert not daemon.wanted(["review", "a.md", "--no-daemon"], {"PMREVIEW_DAEMON": "1"})
    assert not daemon.wanted(["report", "corpus", "--daemon"], {"PMREVIEW_DAEMON": "1"})


def test_a_folder_others_can_enter_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    private = daemon.folder()
    assert private is not None and private.stat().st_mode & 0o777 == 0o700
    private.chmod(0o755)
    assert daemon.folder() is None
    assert daemon.forward(["review", str(DRAFT)]) is None  # no daemon: the command runs in-process


def test_a_daemon_started_from_other_code_answers_stale_and_exits() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        daemon._send(ours, {"args": ["review", "x.md"], "cwd": "/", "env": {}, "stdin": "", "fingerprint": "old"})
        assert daemon._serve_one(theirs, own="new") is False
        assert daemon._receive(ours) == {"stale": True}


def test_a_request_for_another_command_is_refused() -> None:
    answer, healthy = daemon._run({"args": ["corpus", "index", "/"], "cwd": "/", "env": {}, "stdin": ""})
    assert healthy and answer["code"] == 2 and "only reviews" in answer["stderr"]


def _run(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*pmreview_command(), *args], env=env, input=stdin, capture_output=True, cwd=ROOT, timeout=120
    )


@pytest.mark.slow
def test_the_daemon_answers_as_the_command_does(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1", "NO_COLOR": "1"}
    env.pop("PMREVIEW_DAEMON", None)
    args = ["review", str(DRAFT), "--no-cache", "--format", "json"]
    direct = _run(args, env)
    try:
        first = _run([*args, "--daemon"], env)  # reviews in-process and starts the daemon
        assert (first.returncode, first.stdout) == (direct.returncode, direct.stdout)
        deadline = time.monotonic() + 60
        while _run(["daemon", "status"], env).returncode != 0:
            assert time.monotonic() < deadline, "the daemon did not start"
            time.sleep(0.5)
        served = _run([*args, "--daemon"], env)
        assert (served.returncode, served.stdout, served.stderr) == (direct.returncode, direct.stdout, direct.stderr)
        piped = _run(["review", "-", "--stdin-filename", "draft.md", "--no-cache", "--daemon"], env, DRAFT.read_bytes())
        alone = _run(["review", "-", "--stdin-filename", "draft.md", "--no-cache"], env, DRAFT.read_bytes())
        assert (piped.returncode, piped.stdout) == (alone.returncode, alone.stdout)
        missing = _run(["review", str(tmp_path / "gone.md"), "--daemon"], env)
        assert missing.returncode == 2 and missing.stderr.endswith(b"no such file or directory\n")
        status = _run(["daemon", "status"], env).stdout.decode()
        assert ", 3 reviews served" in status, status
    finally:
        _run(["daemon", "stop"], env)
    assert _run(["daemon", "status"], env).returncode == 1
    assert not list((tmp_path / f"pmreview-{os.getuid()}").glob("*.sock"))
