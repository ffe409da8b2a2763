"""The pmreview command line: thin click commands over ``reviewer.engine``.

This file is installed as ``reviewer/cli.py`` (a symlink in the checkout, a copy in
the wheel); the console script is ``pmreview = reviewer.cli:main``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reviewer import __version__

FORMAT_NAMES = ["text", "json"]


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    if not values:
        return None
    return tuple(v.strip() for raw in values for v in raw.split(",") if v.strip())


def _fail(message: str) -> None:
    click.echo(f"pmreview: error: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="pmreview")
def main() -> None:
    """Review incident postmortems for blameful language, person-centred questions and root-cause framing."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(FORMAT_NAMES), default="text", show_default=True, help="Output format."
)
@click.option("--select", multiple=True, help="Rules to enable: codes, prefixes (BL) or names; comma-separated.")
@click.option("--ignore", multiple=True, help="Rules to disable: codes, prefixes or names; comma-separated.")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the configured selection.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Lowest severity that makes the exit code 1 [default: warning].",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this .pmreview.toml/pyproject.toml for every file instead of discovering one.",
)
@click.option("--stdin-filename", help="Name to report for text read from '-'.")
@click.option("--color/--no-color", default=None, help="Colour the text output [default: when writing to a terminal].")
@click.option(
    "--show-source/--no-show-source",
    default=True,
    show_default=True,
    help="Show the offending line under each finding.",
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the results cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="PMREVIEW_CACHE_DIR",
    default=".pmreview_cache",
    show_default=True,
    help="Where cached results live.",
)
def review(
    paths: tuple[str, ...],
    fmt: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    fail_on: str | None,
    config_file: Path | None,
    stdin_filename: str | None,
    color: bool | None,
    show_source: bool,
    no_cache: bool,
    cache_dir: Path,
) -> None:
    """Review postmortem drafts: files, directories (*.md, *.markdown, *.txt) or '-' for stdin.

    Exit status: 0 no finding at or above --fail-on, 1 findings, 2 usage or input errors.
    """
    from reviewer.cache import ResultCache
    from reviewer.config import ConfigError, load_file
    from reviewer.engine import Options, expand, review_inputs
    from reviewer.findings import Severity
    from reviewer.formatters import FORMATS
    from reviewer.nlp import ModelError
    from reviewer.ruleset import RuleError, default_rules, known_selector

    try:
        rules = default_rules()
        for selector in (*(_split(select) or ()), *(_split(ignore) or ()), *(_split(extend_select) or ())):
            if not known_selector(rules, selector):
                _fail(f"unknown rule selector {selector!r} (see `pmreview rules`)")
        if config_file is not None:
            load_file(config_file)
        options = Options(
            config_file=config_file,
            select=_split(select),
            ignore=_split(ignore),
            extend_select=_split(extend_select) or (),
            cache=None if no_cache else ResultCache(cache_dir),
        )
        report = review_inputs(expand(paths, stdin_filename), options)
    except (RuleError, ConfigError, ModelError) as exc:
        _fail(str(exc))
    if fmt == "text":
        use_color = sys.stdout.isatty() if color is None else color
        click.echo(FORMATS[fmt](report, color=use_color, show_source=show_source), nl=False, color=use_color)
        for error in report.errors:
            click.echo(f"pmreview: error: {error}", err=True)
    else:
        click.echo(FORMATS[fmt](report), nl=False)
        for error in report.errors:
            click.echo(f"pmreview: error: {error}", err=True)
    if report.errors:
        sys.exit(2)
    threshold = Severity.parse(fail_on) if fail_on else report.fail_on()
    sys.exit(1 if any(f.severity >= threshold for f in report.findings) else 0)


@main.command("actions")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "markdown"]), default="markdown", show_default=True)
@click.option(
    "--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="Use this configuration file."
)
@click.option("--stdin-filename", help="Name to report for text read from '-'.")
def actions_cmd(paths: tuple[str, ...], fmt: str, config_file: Path | None, stdin_filename: str | None) -> None:
    """Export the action items of postmortems (owner, deadline, priority, ticket, status, failed AI rules)."""
    from reviewer.config import ConfigError, load_file
    from reviewer.engine import Options, expand, review_inputs
    from reviewer.formatters.actions import format_actions
    from reviewer.nlp import ModelError
    from reviewer.ruleset import RuleError

    try:
        if config_file is not None:
            load_file(config_file)
        # only the AI rules are needed to say which checks each item fails: no spaCy start-up
        report = review_inputs(expand(paths, stdin_filename), Options(config_file=config_file, select=("AI",)))
    except (RuleError, ConfigError, ModelError) as exc:
        _fail(str(exc))
    click.echo(format_actions(report, fmt), nl=False)
    for error in report.errors:
        click.echo(f"pmreview: error: {error}", err=True)
    sys.exit(2 if report.errors else 0)


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def rules_cmd(fmt: str) -> None:
    """List every rule: code, name, severity and what it flags."""
    import json

    from reviewer.docs import catalogue
    from reviewer.ruleset import default_rules

    rules = default_rules()
    if fmt == "json":
        data = [
            {"code": r.code, "name": r.name, "severity": str(r.severity), "status": r.status, "summary": r.summary()}
            for r in rules
        ]
        click.echo(json.dumps(data, indent=2))
    elif fmt == "markdown":
        click.echo(catalogue(rules), nl=False)
    else:
        for r in rules:
            click.echo(f"{r.code}  {r.name:<28} {r.severity!s:<8} {r.summary()}")


@main.command("rule")
@click.argument("selector")
def rule_cmd(selector: str) -> None:
    """Explain one rule (by code or name): what it does, why, an example and what to write instead."""
    from reviewer.docs import rule_page
    from reviewer.ruleset import default_rules

    for r in default_rules():
        if selector.upper() == r.code or selector == r.name or selector.upper() in (a.upper() for a in r.aliases):
            click.echo(rule_page(r), nl=False)
            return
    _fail(f"no rule {selector!r} (see `pmreview rules`)")


if __name__ == "__main__":
    main()
