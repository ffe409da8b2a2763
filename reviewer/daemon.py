"""A warm pmreview process for repeated reviews (``review --daemon``, ``PMREVIEW_DAEMON=1``).

Why this exists: a cold ``pmreview review`` spends a second or more importing spaCy and
loading its pipeline before it reads a word; the results cache makes unchanged drafts free,
but every changed draft pays that start again. In the style of eslint_d and prettierd, the
first ``review --daemon`` reviews in-process as usual and starts a background process that
keeps the pipeline loaded; later ones hand their arguments to it over a Unix socket and print
what it answers. It is never required: whenever the daemon cannot be reached, is busy past
its time, answers wrongly or was started from other code, the command reviews in-process.

Safety: the socket lies in a folder only its user can enter (checked, not assumed), and the
daemon serves only connections from its own user (``SO_PEERCRED``). A request is what the
same user could run anyway: arguments, a working directory, an environment and stdin. The
daemon exits after ``PMREVIEW_DAEMON_IDLE`` seconds without a request (default 900), and as
soon as pmreview's code or rules change under it (the request carries a fingerprint of them).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from reviewer import __version__

IDLE_SECONDS = 900
MAX_MESSAGE = 256 * 2**20  # a request carries stdin; reviewed documents are bounded well below this
PACKAGE = Path(__file__).resolve().parent
_LENGTH = struct.Struct("!Q")


def wanted(args: Sequence[str], environ: dict[str, str] | None = None) -> bool:
    """Does this command line ask for the daemon? Only ``review`` goes through it."""
    env = os.environ if environ is None else environ
    if not args or args[0] != "review" or "--no-daemon" in args:
        return False
    return "--daemon" in args or env.get("PMREVIEW_DAEMON", "").lower() in ("1", "true", "yes", "on")


def folder() -> Path | None:
    """The user's private folder for the socket, or None where it is not private (then no daemon)."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    path = Path(base) / f"pmreview-{os.getuid()}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = path.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None  # another user's, a link, or open to others: a socket there could be anyone's
    return path


def socket_path(base: Path) -> Path:
    """One daemon per pmreview install and interpreter."""
    key = hashlib.sha256(f"{__version__}\0{sys.executable}\0{PACKAGE}".encode()).hexdigest()[:16]
    return base / f"{key}.sock"


def fingerprint() -> str:
    """pmreview's code and data as installed (names, sizes, modification times): a daemon
    started from other code than the client's must not answer for it."""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(PACKAGE, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".yml", ".yaml", ".json", ".toml", ".txt")):
                try:
                    st = os.stat(os.path.join(root, name))
                except OSError:
                    continue
                h.update(f"{root}/{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _send(conn: socket.socket, payload: dict) -> None:
    data = json.dumps(payload).encode("utf-8")
    conn.sendall(_LENGTH.pack(len(data)) + data)


def _receive(conn: socket.socket) -> dict:
    head = _exactly(conn, _LENGTH.size)
    (size,) = _LENGTH.unpack(head)
    if size > MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes")
    value = json.loads(_exactly(conn, size).decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError("message is not an object")
    return value


def _exactly(conn: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            raise ConnectionError("closed early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# -- the client ---------------------------------------------------------------------------


def forward(args: list[str], timeout: float = 600.0) -> int | None:
    """Run ``pmreview ARGS`` in the daemon and print its output; the exit status, or None when
    the command should run in-process instead (the daemon is then started for next time)."""
    base = folder()
    if base is None:
        return None
    args = [a for a in args if a != "--daemon"]
    if "--color" not in args and not any(a.startswith("--color=") for a in args) and "--no-color" not in args:
        from reviewer.terminal import color_wanted

        args.append("--color=" + ("always" if color_wanted("auto", sys.stdout) else "never"))
    stdin = ""
    if "-" in args[1:]:
        stdin = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    request = {
        "args": args,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "stdin": stdin,
        "fingerprint": fingerprint(),
    }
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(socket_path(base)))
            _send(conn, request)
            answer = _receive(conn)
    except (OSError, ValueError, UnicodeDecodeError):
        start(base)
        if stdin:
            sys.stdin = _replay(stdin)  # the in-process run reads what was already taken
        return None
    if answer.get("stale") or not isinstance(answer.get("code"), int):
        start(base)
        if stdin:
            sys.stdin = _replay(stdin)
        return None
    sys.stdout.write(str(answer.get("stdout", "")))
    sys.stderr.write(str(answer.get("stderr", "")))
    return int(answer["code"])


def _replay(text: str):
    import io

    return io.TextIOWrapper(io.BytesIO(text.encode("utf-8", "surrogateescape")), encoding="utf-8")


def start(base: Path) -> None:
    """Start a daemon in the background (it gives up at once where another one holds the socket)."""
    with contextlib.suppress(OSError):
        subprocess.Popen(
            [sys.executable, "-m", "reviewer.daemon"],
            cwd=base,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )


def _ask(message: dict) -> dict | None:
    base = folder()
    if base is None:
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(10)
            conn.connect(str(socket_path(base)))
            _send(conn, message)
            return _receive(conn)
    except (OSError, ValueError):
        return None


def stop() -> bool:
    """Ask a running daemon to exit; whether one was running."""
    return _ask({"stop": True}) is not None


def status() -> dict | None:
    """The running daemon's process id and the reviews it has served, or None."""
    return _ask({"status": True})


# -- the daemon ---------------------------------------------------------------------------


def serve(idle: float | None = None) -> None:
    """Listen on the socket until idle for ``idle`` seconds, serving one request at a time."""
    import fcntl

    base = folder()
    if base is None:
        return
    idle = idle if idle is not None else float(os.environ.get("PMREVIEW_DAEMON_IDLE", IDLE_SECONDS))
    path = socket_path(base)
    with open(base / (path.name + ".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # another daemon is starting or serving
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # left by a daemon that died: the lock says none is serving
        own = fingerprint()
        from reviewer import nlp

        with contextlib.suppress(Exception):
            nlp.load()  # warm before the first request; a broken model is reported per request
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
            old = os.umask(0o177)
            try:
                server.bind(str(path))
            finally:
                os.umask(old)
            server.listen(16)
            server.settimeout(idle)
            try:
                while True:
                    try:
                        conn, _ = server.accept()
                    except TimeoutError:
                        return
                    with conn:
                        if not _serve_one(conn, own):
                            return
            finally:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()


def _peer_uid(conn: socket.socket) -> int | None:
    so_peercred = getattr(socket, "SO_PEERCRED", None)
    if so_peercred is None:
        return None
    creds = conn.getsockopt(socket.SOL_SOCKET, so_peercred, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


_SERVED = [0]


def _serve_one(conn: socket.socket, own: str) -> bool:
    """Answer one request; False when the daemon should exit (stop, stale code, broken state)."""
    conn.settimeout(60)
    try:
        if _peer_uid(conn) not in (os.getuid(), None):
            return True  # another user: no answer at all
        request = _receive(conn)
    except (OSError, ValueError, UnicodeDecodeError):
        return True
    if request.get("stop"):
        with contextlib.suppress(OSError):
            _send(conn, {"stopped": True})
        return False
    if request.get("status"):
        with contextlib.suppress(OSError):
            _send(conn, {"pid": os.getpid(), "served": _SERVED[0], "version": __version__})
        return True
    if request.get("fingerprint") != own:
        with contextlib.suppress(OSError):
            _send(conn, {"stale": True})
        return False
    answer, healthy = _run(request)
    _SERVED[0] += 1
    conn.settimeout(600)
    with contextlib.suppress(OSError):
        _send(conn, answer)
    return healthy


def _run(request: dict) -> tuple[dict, bool]:
    """Run the command as the CLI would, in the request's directory and environment."""
    from click.testing import CliRunner

    from reviewer import config, engine
    from reviewer.cli import main

    args, cwd, env, stdin = request.get("args"), request.get("cwd"), request.get("env"), request.get("stdin", "")
    if not (isinstance(args, list) and all(isinstance(a, str) for a in args)) or not wanted(
        args, {"PMREVIEW_DAEMON": "1"}
    ):
        return {"code": 2, "stdout": "", "stderr": "pmreview: error: the daemon only reviews\n"}, True
    if not isinstance(cwd, str) or not isinstance(env, dict) or not isinstance(stdin, str):
        return {"code": 2, "stdout": "", "stderr": "pmreview: error: malformed request\n"}, True
    for cached in (config.load_file, config.discover, engine.matcher_for):
        cached.cache_clear()  # configuration and corpus index may have changed since the last run
    here = os.getcwd()
    try:
        os.chdir(cwd)
    except OSError as exc:
        return {"code": 2, "stdout": "", "stderr": f"pmreview: error: {cwd}: {exc.strerror}\n"}, True
    try:
        unset = {k: None for k in os.environ if k not in env}
        runner = CliRunner()
        result = runner.invoke(
            main,
            args,
            input=stdin.encode("utf-8", "surrogateescape"),
            env={**unset, **env},
            color=True,  # the client chose --color; keep what the command writes as it is
            catch_exceptions=True,
        )
    finally:
        os.chdir(here)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # an unexpected failure: answer as the CLI would have crashed, and start afresh next time
        return {
            "code": 1,
            "stdout": result.stdout,
            "stderr": result.stderr + f"pmreview: {result.exception!r}\n",
        }, False
    return {"code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}, True


if __name__ == "__main__":
    serve()
