"""The one way pmreview runs git: no shell, arguments as a list, a timeout, bounded output, no
pager, and every setting that could run a program or reach the network overridden (no fsmonitor,
no hooks, no external diff, no transport protocol).

Two callers with different trust: ``isolated`` (the default) also drops the system and global
configuration and every ``GIT_*`` variable, for a corpus that may come from a stranger's pull
request with a ``.git`` of its own (reviewer/completion_git.py); ``--diff-base`` runs on the
user's own checkout and keeps their configuration (``safe.directory`` in CI containers, say).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

TIMEOUT_S = 20.0
MAX_OUTPUT = 64 * 1024 * 1024  # blame of a 1 MiB file is ~20 MB of porcelain
HARDENING = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.quotepath=off",
    "-c", "diff.external=",
    "-c", "protocol.allow=never",
)  # fmt: skip


class GitUnavailable(Exception):
    """git cannot answer for this folder; the message says why, for the report."""


def _env(isolated: bool = True) -> dict[str, str]:
    if not isolated:
        return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "PAGER": "cat", "LC_ALL": "C"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        GIT_NO_LAZY_FETCH="1",
        GIT_PAGER="cat",
        PAGER="cat",
        LC_ALL="C",
    )
    return env


def run_git(args: list[str], cwd: Path, timeout: float = TIMEOUT_S, isolated: bool = True) -> str:
    """git's stdout for ``args`` run in ``cwd``, hardened as the module says; GitUnavailable when
    git is missing, fails, takes longer than ``timeout`` or writes more than MAX_OUTPUT."""
    if not cwd.is_dir():
        raise GitUnavailable(f"{cwd} is not a folder")
    try:
        proc = subprocess.run(
            ["git", "--no-pager", *HARDENING, *args],
            cwd=cwd,
            env=_env(isolated),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise GitUnavailable("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitUnavailable(f"git {args[0]} took longer than {timeout:.0f} s") from None
    except OSError as exc:
        raise GitUnavailable(f"git could not run: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        first = proc.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise GitUnavailable(f"git {args[0]}: {first[0] if first else 'failed'}")
    if len(proc.stdout) > MAX_OUTPUT:
        raise GitUnavailable(f"git {args[0]}: more output than {MAX_OUTPUT // (1024 * 1024)} MB")
    return proc.stdout.decode("utf-8", "replace")
