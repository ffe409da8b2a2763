"""The corpus as the report sees it: the index kept fresh, one review pass, and each document's date.

* The index (reviewer/recurrence.py) holds the factors and their vectors. It is rebuilt
  incrementally only when a file changed; a fresh index is just loaded, without loading the
  embedding model or rewriting the file.
* One review pass over every document with the stable BL, QU and RC rules gives the
  writing-quality counts and, as a by-product of the same parse, every action item's full
  record (owner, deadline date, priority, status). It goes through the results cache
  (reviewer/cache.py), so a warm report parses nothing.
* A document's date and its source come from reviewer/dates.dated (front matter, a ``Date:``
  line, the file name, else the first full date written near the top: postmortems that only
  state their date in prose still land in a period instead of being counted as undated).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from reviewer import dates
from reviewer.markdown import FRONT_MATTER
from reviewer.recurrence import CorpusDoc, Index, build, index_path

QUALITY_FAMILIES = ("BL", "QU", "RC")
MISSING_SECTION = "ST001"  # also run in the review pass: which template sections a postmortem lacks


@dataclass
class Reviewed:
    """What the review pass learned about one document."""

    text: str
    quality: dict[str, int] | None  # None: the configuration excludes the file from review
    actions: list[dict] = field(default_factory=list)
    # canonical names of the template sections ST001 found missing (`pmreview digest` lists
    # them); None when the file was not reviewed
    missing_sections: list[str] | None = None


def fresh_index(
    root: Path, index_dir: Path | None = None, warn: Callable[[str], None] | None = None
) -> tuple[Index, list[str]]:
    """The corpus index, updated if any file was added, changed or removed; and the files
    it could not read ("path: reason"). ``warn`` hears why an unusable index is rebuilt."""
    from reviewer.models.embedder import LazyEncoder

    index, stats = build(root, index_path(root, index_dir), LazyEncoder(), warn=warn)
    return index, stats["unreadable"]


def quality_codes() -> tuple[str, ...]:
    """The stable rules of the writing-quality families (preview rules stay off, as in `review`)."""
    from reviewer.ruleset import default_rules

    return tuple(r.code for r in default_rules() if r.code[:2] in QUALITY_FAMILIES and r.status != "preview")


def review(root: Path, docs: list[CorpusDoc], config_file: Path | None, cache_dir: Path | None) -> dict[str, Reviewed]:
    """Quality counts and action-item records per document path (relative to ``root``)."""
    from reviewer.cache import ResultCache
    from reviewer.engine import Input, Options, review_inputs

    files = {d.path: root / d.path for d in docs}
    options = Options(
        config_file=config_file,
        select=(*quality_codes(), MISSING_SECTION),  # ST001: counted in no family, read by the digest
        cache=ResultCache(cache_dir) if cache_dir is not None else None,
    )
    report = review_inputs([Input(str(f), f) for f in files.values()], options)
    by_display = {r.path: r for r in report.files}
    out: dict[str, Reviewed] = {}
    for rel, file in files.items():
        result = by_display.get(str(file))
        if result is not None and result.source is not None and result.error is None:
            counts = dict.fromkeys(QUALITY_FAMILIES, 0)
            for f in result.findings:
                if f.code[:2] in counts:
                    counts[f.code[:2]] += 1
            missing = [
                str(f.data.get("subject", "")).removeprefix("section:")
                for f in result.findings
                if f.code == MISSING_SECTION
            ]
            out[rel] = Reviewed(result.source.text, counts, list(result.actions), missing)
        else:
            out[rel] = _unreviewed(file, rel)
    return out


def _unreviewed(file: Path, rel: str) -> Reviewed:
    """A file the configuration excludes from review: its action items still count, its quality does not."""
    from reviewer.actions import extract
    from reviewer.aliases import section_aliases
    from reviewer.markdown import parse
    from reviewer.source import InputError, read_source

    try:
        source = read_source(file, rel)
    except InputError:
        return Reviewed("", None, [])
    return Reviewed(source.text, None, [i.record() for i in extract(parse(source, section_aliases()))])


def dated(text: str, path: str) -> tuple[date | None, str | None]:
    """The document's date and where it came from (reviewer.dates.dated)."""
    fm = FRONT_MATTER.match(text)
    return dates.dated((fm.group(1) or fm.group(2)) if fm else None, text, path)


SEVERITY_FIELD = re.compile(r"^\s*(?:severity|sev)\s*[:=]\s*['\"]?([^'\"\n#]*)", re.I | re.M)
SEVERITY_LINE = re.compile(
    r"^[\W_]*(?:incident\s+)?(?:severity|sev)(?:\s+level)?\b[*_ ]*[:|][*_ ]*([^|\n]*)", re.I | re.M
)
SEVERITY_WORDS = 3  # "SEV2", "P1", "high", "Sev 2": a label, not a sentence
UNSET = {"", "tbd", "todo", "none", "n/a", "na", "unknown", "?", "-", "–"}


def severity(text: str) -> str | None:
    """The severity the postmortem states: front matter ``severity:``/``sev:``, else a
    "Severity: SEV2" line (a bold label or a table row too) in its first 4,000 characters.
    "Sev 2", "sev-2" and "SEV2" read as ``SEV2``; other labels are kept as written, without
    a parenthesis and cut to a few words; a template's placeholder (TBD) is no severity.
    Read for `pmreview digest`, which lists each incident of the week with it."""
    fm = FRONT_MATTER.match(text)
    body = text[fm.end() if fm else 0 :][:4000]
    for found in (SEVERITY_FIELD.search(fm.group(1) or fm.group(2)) if fm else None, SEVERITY_LINE.search(body)):
        if found is None:
            continue
        value = re.split(r"[(\[;,—–]", found.group(1))[0]
        value = " ".join(value.strip(" *_`").split()[:SEVERITY_WORDS]).rstrip(".:")
        if value.lower() in UNSET:
            continue
        if m := re.fullmatch(r"(?:sev(?:erity)?)?[\s-]*(\d)", value, re.I):
            return f"SEV{m.group(1)}"
        return value[:24]
    return None
