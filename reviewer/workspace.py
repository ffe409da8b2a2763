"""The working tree pmreview runs in, and the one rule about links that leave it.

pmreview runs in CI on pull requests from strangers, and a pull request can add a
symbolic link: ``postmortems/leak.md -> /home/runner/.ssh/config.md``. Whatever is read
is echoed back (source lines, suggestions, SARIF, PR comments), so a file reached through
a link is read only when the link's target stays inside the working tree.

The rule is lexical first: a path that lies inside the working tree *as written* must
still lie inside it once every link is followed. A path the user names outside the tree
(``/tmp/draft.md``, ``../notes/x.md``) is the user's own choice and is not checked, which
also keeps system-level links (macOS's ``/tmp -> /private/tmp``) out of the way.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def repo_root(cwd: Path | None = None) -> Path:
    """The git top level above ``cwd`` (a ``.git`` folder or file), else ``cwd`` itself.

    Code-scanning services resolve paths against the repository root, while findings
    carry the path as given on the command line, relative to wherever pmreview ran.
    Looking for ``.git`` instead of running ``git`` keeps this free of a subprocess.
    """
    here = Path(os.path.abspath(cwd or os.getcwd()))
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def within(path: Path, root: Path) -> bool:
    """Is ``path`` inside ``root`` as written (made absolute and normalised, no link followed)?"""
    return _inside(Path(os.path.normpath(os.path.abspath(path))), Path(os.path.normpath(os.path.abspath(root))))


def escapes(path: Path, root: Path) -> bool:
    """True when ``path`` is inside ``root`` as written but a symbolic link takes it outside,
    or into a ``.git`` folder (where a CI checkout keeps its credentials, in ``.git/config``).

    ``root`` is taken as written too; both sides are resolved for the comparison, so a
    working tree that itself sits behind a link (``/work -> /mnt/work``) is not a problem.
    """
    written = Path(os.path.normpath(os.path.abspath(path)))
    root = Path(os.path.normpath(os.path.abspath(root)))
    if not _inside(written, root):
        return False
    try:
        resolved = written.resolve(strict=False)
        real_root = root.resolve(strict=False)
    except (OSError, RuntimeError):  # a link loop: what it points at is unknowable, so it leaves
        return True
    if not _inside(resolved, real_root):
        return True
    return ".git" in resolved.relative_to(real_root).parts and ".git" not in written.relative_to(root).parts


def write_atomic(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it and a rename.

    A reader (another pmreview, a crash halfway) never sees half a file. The file gets the
    permissions the umask gives any new file, not mkstemp's 0600: an index or a cache is as
    shareable as the folder it lives in. ``durable`` also syncs it to disk before the rename.
    Raises OSError; the temporary file never outlives the call.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    """The process umask (reading it means setting it: put it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class TreeFileError(Exception):
    """A small file of the working tree (a configuration, a template) that cannot be used:
    ``kind`` is "link" (it leads out of the tree), "read" (``detail`` says why), "size" or
    "encoding"; each caller words the message for its own kind of file."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind, detail)
        self.kind, self.detail = kind, detail


def read_tree_text(path: Path, limit: int) -> str:
    """A configuration-like file as text: not through a link out of the working tree, a regular
    file read with a bound (source.read_bounded), at most ``limit`` bytes, UTF-8 (BOM dropped).
    Files from a pull request reach here, so the checks live in one place."""
    from reviewer.source import describe_os_error, read_bounded

    if escapes(path, repo_root()):
        raise TreeFileError("link")
    try:
        data = read_bounded(path, limit)
    except OSError as exc:
        raise TreeFileError("read", describe_os_error(exc)) from None
    if len(data) > limit:
        raise TreeFileError("size")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TreeFileError("encoding") from None
