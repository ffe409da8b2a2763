"""Links from the digest to a postmortem's line, for Markdown and HTML alike.

A link is ``base`` + the corpus-relative path, percent-encoded, + ``#L<line>`` (the anchor
GitHub's file view scrolls to). The base is relative ("postmortems/", "../"), so the digest
read next to the corpus opens the files, or an http(s) URL such as a repository's blob view,
which a digest posted as an issue needs (a relative link in an issue body resolves against
the issue's own address). A path that is not a plain relative one (a scheme, an absolute
path, control characters) gets no link: the text is shown without one.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f<>()\"'`\\]")
_URL_BASE = re.compile(r"^https?://[^\s<>()\"'`\\]+$")


def valid_base(base: str) -> bool:
    """A relative path or an http(s) URL without spaces, quotes, brackets or backslashes."""
    if not base:
        return True
    if _URL_BASE.match(base):
        return True
    return not (_SCHEME.match(base) or base.startswith(("/", "\\")) or _CONTROL.search(base))


def href(path: object, base: str = "", line: object = None) -> str | None:
    """The link to ``path`` (and its ``line``) under ``base``, or None where there is none."""
    if not isinstance(path, str) or not path.strip() or not valid_base(base):
        return None
    if _SCHEME.match(path) or path.startswith(("/", "\\")) or re.search(r"[\x00-\x1f\x7f]", path):
        return None
    if base and not base.endswith("/"):
        base += "/"
    url = base + quote(path.replace("\\", "/"), safe="/-._~")
    if isinstance(line, int) and not isinstance(line, bool) and line > 0:
        url += f"#L{line}"
    return url
