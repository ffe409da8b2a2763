"""One editor buffer through the engine, with the configuration the CLI would give the file.

``pmreview review draft.md`` applies the closest ``.pmreview.toml`` or ``[tool.pmreview]``
above the file; the engine looks that up only for files it reads from disk, and for text
it is handed, from the working directory. An editor's buffer is text whose file may lie in
any folder (and may not be saved yet), so the configuration is discovered here, from the
buffer's own folder, and handed to the engine as the one configuration file to use.

Configuration files are re-read on every review (``discover`` and ``load_file`` are cached
for a CLI run, which a long-lived server must not be): a parse of a few small TOML files
costs well under a millisecond, and an edit to a configuration applies on the next review.

Nothing a document or a configuration holds may end the server: every failure becomes a
``Reviewed`` with a ``problem`` (shown as one diagnostic), and unexpected ones are logged.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.findings import Finding
from reviewer.markdown import Document
from reviewer.ruleset import Rule
from reviewer.source import Source

DEFAULTS = Path(__file__).with_name("defaults.toml")
log = logging.getLogger("pmreview.server")


@dataclass
class Reviewed:
    """The findings of one version of a buffer, with what is needed to place and fix them."""

    buffer: str
    findings: list[Finding] = field(default_factory=list)
    source: Source | None = None
    document: Document | None = None
    rules: dict[str, Rule] = field(default_factory=dict)
    problem: str | None = None  # why the buffer was not reviewed (a bad configuration, binary content)
    config: Path | None = None  # the configuration file that applied (None: defaults)
    excluded: bool = False  # the configuration's ``exclude`` names this file


def review_buffer(buffer: str, path: Path | None, folder: Path | None = None) -> Reviewed:
    """Review ``buffer`` as the file at ``path`` (None for an unsaved buffer: configuration from ``folder``)."""
    try:
        return _review(buffer, path, folder)
    except Exception as exc:  # the server outlives whatever one document does
        from reviewer.config import ConfigError
        from reviewer.nlp import ModelError
        from reviewer.ruleset import RuleError

        if isinstance(exc, ConfigError | ModelError | RuleError):
            return Reviewed(buffer, problem=str(exc))
        log.error("reviewing %s failed:\n%s", path or "an unsaved buffer", traceback.format_exc())
        return Reviewed(buffer, problem=f"pmreview could not review this document ({type(exc).__name__}: {exc})")


def _review(buffer: str, path: Path | None, folder: Path | None) -> Reviewed:
    from reviewer.config import discover, load_file
    from reviewer.engine import Input, Options, review_inputs

    discover.cache_clear()
    load_file.cache_clear()
    where = path.parent if path is not None else (folder or Path.cwd())
    config = discover(where)
    if path is not None and config.path is not None and config.excludes(path):
        return Reviewed(buffer, config=config.path, excluded=True)
    options = Options(config_file=config.path or DEFAULTS)
    # a lone surrogate (legal in JSON, not in UTF-8) becomes "?": one code point for one, so offsets hold
    data = buffer.encode("utf-8", "replace")
    report = review_inputs([Input(str(path) if path is not None else "<buffer>", None, data)], options)
    (result,) = report.files
    if result.error:
        return Reviewed(buffer, problem=result.error, config=config.path)
    return Reviewed(
        buffer,
        findings=result.findings,
        source=result.source,
        document=result.document,
        rules=report.rules,
        config=config.path,
    )
