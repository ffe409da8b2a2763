"""Output formats. Each takes a Report and returns the text to print."""

from __future__ import annotations

from collections.abc import Callable

from reviewer.formatters.json import format_json
from reviewer.formatters.text import format_text

FORMATS: dict[str, Callable[..., str]] = {
    "text": format_text,
    "json": format_json,
}
