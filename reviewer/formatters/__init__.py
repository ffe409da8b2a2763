"""Output formats. Each takes a Report and returns the text to print (docs/formats.md)."""

from __future__ import annotations

from collections.abc import Callable

from reviewer.formatters.github import format_github
from reviewer.formatters.gitlab import format_gitlab
from reviewer.formatters.json import format_json
from reviewer.formatters.markdown import format_markdown
from reviewer.formatters.rdjson import format_rdjson, format_rdjsonl
from reviewer.formatters.sarif import format_sarif
from reviewer.formatters.text import format_text

FORMATS: dict[str, Callable[..., str]] = {
    "text": format_text,
    "json": format_json,
    "sarif": format_sarif,
    "rdjson": format_rdjson,
    "rdjsonl": format_rdjsonl,
    "github": format_github,
    "gitlab": format_gitlab,
    "markdown": format_markdown,
}
