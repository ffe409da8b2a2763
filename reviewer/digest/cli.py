"""`pmreview digest`: the click command. Only click is imported here; the report's analysis,
the models and the renderers load when the command runs, so `pmreview --help` stays fast."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from reviewer import options
from reviewer.terminal import echo_error, echo_warning

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".json": "json"}


def _fail(message: str) -> None:
    echo_error(message)
    sys.exit(2)


@click.command("digest", short_help="The weekly digest for an SRE lead.")
@click.argument("corpus", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option(
    "--since",
    default="7d",
    show_default=True,
    help="The period, ending on the as-of day: 7d, 2w, 1m (days, weeks, months) or a first day YYYY-MM-DD.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "json"]),
    default=None,
    help="Output format [default: from --out's suffix (.md, .html, .json), else markdown].",
)
@click.option(
    "--as-of",
    type=ISO_DATE,
    help="The day the period ends and past due is judged against [default: today]; the only date printed that is not the corpus's.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the digest to this file instead of stdout.",
)
@click.option(
    "--link-base",
    help="Put before each postmortem's path in links: a relative folder or an http(s) URL, e.g. "
    "https://github.com/ORG/REPO/blob/main/postmortems/ for a digest posted as an issue "
    "[default: the corpus, relative to --out's folder or the current one].",
)
@click.option(
    "--target-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.15,
    show_default=True,
    help="Target recurrence rate the period's rate is compared with.",
)
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the corpus index lives [default: CORPUS/.pmreview].",
)
@options.config_file
@options.results_cache
def digest(
    corpus: Path | None,
    since: str,
    fmt: str | None,
    as_of,
    out: Path | None,
    link_base: str | None,
    target_rate: float,
    index_dir: Path | None,
    config_file: Path | None,
    no_cache: bool,
    cache_dir: Path,
) -> None:
    """The weekly digest of a folder of postmortems, to post to Slack, email or a GitHub issue:
    the period's incidents with their severity, action items past due grouped by owner, items
    due in the next 7 days, the recurrence rate against its target with its trend, and the
    postmortems still missing sections or, after 5 business days, action items.

    Built on `pmreview report`'s data (the corpus index is built or updated first). Without
    CORPUS, the `corpus` of the configuration found from the current directory is used.
    pmreview sends nothing itself: docs/digest.md shows a scheduled workflow that posts it.
    """
    from reviewer.cli import corpus_and_index
    from reviewer.config import ConfigError
    from reviewer.digest.links import valid_base
    from reviewer.digest.window import parse_since
    from reviewer.nlp import ModelError
    from reviewer.recurrence import IndexError_
    from reviewer.report.data import Settings
    from reviewer.ruleset import RuleError

    day = as_of.date() if as_of is not None else date.today()
    try:
        period = parse_since(since, day)
    except ValueError as exc:
        _fail(f"--since {exc}")
    if link_base is not None and not valid_base(link_base):
        _fail(f"--link-base {link_base!r}: expected a relative folder or an http(s) URL without spaces or quotes")
    corpus, index_dir = corpus_and_index(corpus, index_dir, Path.cwd(), flag="CORPUS")
    if not corpus.is_dir():
        _fail(f"{corpus}: not a directory")
    if fmt is None:
        fmt = SUFFIXES.get(out.suffix.lower(), "markdown") if out is not None else "markdown"
    settings = Settings(
        as_of=day,
        target_rate=target_rate,
        index_dir=index_dir,
        config_file=config_file,
        cache_dir=None if no_cache else cache_dir,
    )
    from reviewer.digest.data import compute

    try:
        data = compute(corpus, settings, period, warn=echo_warning)
    except (ConfigError, ModelError, IndexError_, RuleError) as exc:
        _fail(str(exc))
    base = link_base if link_base is not None else _link_base(corpus, out)
    if fmt == "json":
        from reviewer.terminal import dumps

        text = dumps(data, indent=2) + "\n"
    elif fmt == "html":
        from reviewer.digest.html import render

        text = render(data, link_base=base)
    else:
        from reviewer.digest.markdown import render

        text = render(data, link_base=base)
    if out is None:
        click.echo(text, nl=False)
    else:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"{out}: cannot write the digest ({exc.strerror or exc})")
        s = data["summary"]
        click.echo(
            f"Wrote {out}: {s['incidents']} incidents from {data['period']['start']} to {data['period']['end']}, "
            f"{s['past_due']} action items past due, {s['due_soon']} due in the next 7 days, "
            f"{s['write_ups']} write-ups to finish.",
            err=True,
        )
    for error in data["errors"]:
        echo_error(f"{error}; left out of the digest")
    if data["errors"]:
        sys.exit(2)


def _link_base(corpus: Path, out: Path | None) -> str:
    """How to reach the corpus from where the digest is read (the --out file's folder, else
    the current one), so its relative links open the documents."""
    where = (out.parent if out is not None else Path.cwd()).resolve()
    try:
        rel = os.path.relpath(corpus.resolve(), where)
    except ValueError:  # another drive (Windows): no relative path exists
        return ""
    rel = Path(rel).as_posix()
    return "" if rel == "." else rel.rstrip("/") + "/"
