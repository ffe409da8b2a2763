"""Command-line options shared by ``review``, ``github review`` and ``report``: one
definition each, so their names, help and defaults cannot drift apart. Imports click only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _all(*decorators: Decorator) -> Decorator:
    def apply(f: Callable[..., Any]) -> Callable[..., Any]:
        for d in reversed(decorators):
            f = d(f)
        return f

    return apply


rule_selection = _all(
    click.option("--select", multiple=True, help="Rules to enable: codes, prefixes (BL) or names; comma-separated."),
    click.option("--ignore", multiple=True, help="Rules to disable: codes, prefixes or names; comma-separated."),
    click.option("--extend-select", multiple=True, help="Rules to enable on top of the configured selection."),
)


def fail_on(help: str = "Lowest severity that makes the exit code 1 [default: warning].") -> Decorator:
    return click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None, help=help)


config_file = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this .pmreview.toml/pyproject.toml for every file instead of discovering one.",
)

corpus_dir = click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Indexed folder of past postmortems: adds RE findings.",
)

results_cache = _all(
    click.option("--no-cache", is_flag=True, help="Do not read or write the results cache."),
    click.option(
        "--cache-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="PMREVIEW_CACHE_DIR",
        default=".pmreview_cache",
        show_default=True,
        help="Where cached results live.",
    ),
)
