"""`pmreview report`: the click command. Only click is imported here; the analysis, the models
and the HTML renderer load when the command runs, so `pmreview --help` stays fast."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from reviewer import options
from reviewer.terminal import echo_error, echo_warning

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _fail(message: str) -> None:
    echo_error(message)
    sys.exit(2)


def _day(value) -> date | None:
    return value.date() if value is not None else None


@click.command("report", short_help="What keeps coming back across a folder of postmortems.")
@click.argument("corpus", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file (format from its suffix: .html or .json) instead of stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "json"]),
    default=None,
    help="Output format [default: from --out's suffix, else json].",
)
@click.option("--since", type=ISO_DATE, help="Only incidents dated on or after this day (YYYY-MM-DD).")
@click.option("--until", type=ISO_DATE, help="Only incidents dated on or before this day (YYYY-MM-DD).")
@click.option(
    "--group-by",
    type=click.Choice(["month", "quarter", "year"]),
    default="quarter",
    show_default=True,
    help="The period that recurrence rate, follow-through and trends are counted per.",
)
@click.option(
    "--as-of", type=ISO_DATE, help="The day overdue is judged against [default: today]; printed in the report."
)
@click.option(
    "--target-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.15,
    show_default=True,
    help="Target recurrence rate drawn on the trend.",
)
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the corpus index lives [default: CORPUS/.pmreview].",
)
@options.config_file
@options.results_cache
def report(
    corpus: Path | None,
    out: Path | None,
    fmt: str | None,
    since,
    until,
    group_by: str,
    as_of,
    target_rate: float,
    index_dir: Path | None,
    config_file: Path | None,
    no_cache: bool,
    cache_dir: Path,
) -> None:
    """Across a folder of postmortems: recurring factor clusters, the recurrence rate per period,
    action-item follow-through, writing quality and factor categories over time.

    The corpus index is built or updated first (incrementally). Without CORPUS, the `corpus`
    of the configuration found from the current directory is used.
    """
    from reviewer.cli import corpus_and_index
    from reviewer.config import ConfigError
    from reviewer.nlp import ModelError
    from reviewer.recurrence import IndexError_
    from reviewer.report.data import Settings, compute
    from reviewer.ruleset import RuleError

    corpus, index_dir = corpus_and_index(corpus, index_dir, Path.cwd(), flag="CORPUS")
    if not corpus.is_dir():
        _fail(f"{corpus}: not a directory")
    since_day, until_day = _day(since), _day(until)
    if since_day and until_day and since_day > until_day:
        _fail(f"--since {since_day} is after --until {until_day}")
    if fmt is None:
        fmt = "html" if out is not None and out.suffix.lower() in (".html", ".htm") else "json"
    settings = Settings(
        as_of=_day(as_of) or date.today(),
        since=since_day,
        until=until_day,
        group_by=group_by,
        target_rate=target_rate,
        index_dir=index_dir,
        config_file=config_file,
        cache_dir=None if no_cache else cache_dir,
    )
    try:
        data = compute(corpus, settings, warn=echo_warning)
    except (ConfigError, ModelError, IndexError_, RuleError) as exc:
        _fail(str(exc))
    if fmt == "json":
        from reviewer.terminal import dumps

        text = dumps(data, indent=2) + "\n"
    else:
        from reviewer.report.html import render

        text = render(data, link_base=_link_base(corpus, out))
    if out is None:
        click.echo(text, nl=False)
    else:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"{out}: cannot write the report ({exc.strerror or exc})")
        s = data["summary"]
        rate = "n/a" if s["recurrence_rate"] is None else f"{s['recurrence_rate']:.0%}"
        click.echo(
            f"Wrote {out}: {s['documents']} documents ({s['undated']} undated), {s['recurring_clusters']} recurring "
            f"clusters, recurrence rate {rate}, {s['overdue']} overdue action items (as of {data['as_of']})"
            + (
                f"; {s['open_untracked']} of {s['actions_open']} open items have no owner or no deadline."
                if s.get("open_untracked")
                else "."
            ),
            err=True,
        )
    for error in data["errors"]:  # left out of the report, as `review` leaves out what it cannot read
        echo_error(f"{error}; left out of the report")
    if data["errors"]:
        sys.exit(2)


def _link_base(corpus: Path, out: Path | None) -> str:
    """How to reach the corpus from where the HTML file is read, so its links open the documents."""
    where = (out.parent if out is not None else Path.cwd()).resolve()
    try:
        rel = os.path.relpath(corpus.resolve(), where)
    except ValueError:  # another drive (Windows): no relative path exists
        return ""
    rel = Path(rel).as_posix()
    return "" if rel == "." else rel.rstrip("/") + "/"
