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


def escapes(path: Path, root: Path) -> bool:
    """True when ``path`` is inside ``root`` as written but a symbolic link takes it outside.

    ``root`` is taken as written too; both sides are resolved for the comparison, so a
    working tree that itself sits behind a link (``/work -> /mnt/work``) is not a problem.
    """
    written = Path(os.path.abspath(path))
    root = Path(os.path.abspath(root))
    if not _inside(written, root):
        return False
    try:
        resolved = written.resolve(strict=False)
        real_root = root.resolve(strict=False)
    except (OSError, RuntimeError):  # a link loop: what it points at is unknowable, so it leaves
        return True
    return not _inside(resolved, real_root)
