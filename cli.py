"""The pmreview command line: thin click commands over ``reviewer.engine``.

This file is installed as ``reviewer/cli.py`` (a symlink in the checkout, a copy in
the wheel); the console script is ``pmreview = reviewer.cli:main``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reviewer import __version__, options
from reviewer.terminal import COLOR_CHOICES, color_wanted, echo_error, echo_warning

FORMAT_NAMES = ["text", "json", "sarif", "rdjson", "rdjsonl", "github", "gitlab", "markdown"]


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    if not values:
        return None
    return tuple(v.strip() for raw in values for v in raw.split(",") if v.strip())


def review_options(
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    config_file: Path | None,
    corpus_dir: Path | None,
    no_cache: bool,
    cache_dir: Path,
):
    """The engine's Options from the shared options (reviewer/options.py); unknown rule
    selectors are a usage error. Raises RuleError/ConfigError for the caller to report."""
    from reviewer.cache import ResultCache
    from reviewer.config import load_file
    from reviewer.engine import Options
    from reviewer.ruleset import default_rules, known_selector

    rules = default_rules()
    for selector in (*(_split(select) or ()), *(_split(ignore) or ()), *(_split(extend_select) or ())):
        if not known_selector(rules, selector):
            _fail(f"unknown rule selector {selector!r} (see `pmreview rules`)")
    if config_file is not None:
        load_file(config_file)
    return Options(
        config_file=config_file,
        select=_split(select),
        ignore=_split(ignore),
        extend_select=_split(extend_select) or (),
        cache=None if no_cache else ResultCache(cache_dir),
        corpus=corpus_dir,
    )


def _fail(message: str) -> None:
    echo_error(message)
    sys.exit(2)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    short_help="Review incident postmortems.",
)
@click.version_option(__version__, "-V", "--version", prog_name="pmreview")
def main() -> None:
    """Review incident postmortems for blameful language, person-centred questions and root-cause framing."""


@main.command(short_help="Review postmortem drafts.")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(FORMAT_NAMES), default="text", show_default=True, help="Output format."
)
@options.rule_selection
@options.fail_on()
@click.option(
    "-e", "--exit-zero", is_flag=True, help="Exit 0 even when findings reach --fail-on (errors still exit 2)."
)
@options.config_file
@click.option("--stdin-filename", help="Name to report for text read from '-'.")
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the output to this file (atomically) instead of stdout; errors still go to stderr.",
)
@click.option(
    "--color",
    type=click.Choice(COLOR_CHOICES),
    is_flag=False,
    flag_value="always",
    default="auto",
    show_default=True,
    help="Colour the text output: auto colours a terminal unless NO_COLOR is set (FORCE_COLOR forces it).",
)
@click.option("--no-color", "no_color", is_flag=True, hidden=True, help="Same as --color never.")
@click.option(
    "--show-source/--no-show-source",
    default=True,
    show_default=True,
    help="Show the offending line under each finding.",
)
@click.option(
    "--statistics", is_flag=True, help="Print the number of findings per rule instead of the findings (text or json)."
)
@click.option(
    "-q",
    "--quiet",
    count=True,
    help="Print the findings but no summary line; twice (-qq), nothing but errors (the exit status tells).",
)
@click.option(
    "--show-settings",
    is_flag=True,
    help="Print the settings that apply to the file given, and where each comes from, then exit.",
)
@options.corpus_dir
@click.option(
    "--diff-base",
    metavar="REF",
    help="Report only findings on lines added or changed since this git ref (whole-document findings stay).",
)
@click.option(
    "--changed-lines-only",
    is_flag=True,
    help="Report only findings on lines changed since HEAD (same as --diff-base HEAD; before the first commit, all).",
)
@click.option("--fix", is_flag=True, help="Apply the safe suggestions in place, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, also apply the rewrites marked unsafe.")
@click.option(
    "--diff", "show_diff", is_flag=True, help="Print the fixes --fix would apply as a unified diff; change nothing."
)
@click.option(
    "--daemon/--no-daemon",
    default=False,
    help="Review in a warm background pmreview (started on demand, gone after 15 idle minutes) to skip "
    "the model's start; also PMREVIEW_DAEMON=1.",
)
@options.results_cache
def review(
    paths: tuple[str, ...],
    fmt: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    config_file: Path | None,
    stdin_filename: str | None,
    output_file: Path | None,
    color: str,
    no_color: bool,
    show_source: bool,
    statistics: bool,
    quiet: int,
    show_settings: bool,
    corpus_dir: Path | None,
    diff_base: str | None,
    changed_lines_only: bool,
    fix: bool,
    unsafe_fixes: bool,
    show_diff: bool,
    daemon: bool,
    no_cache: bool,
    cache_dir: Path,
) -> None:
    """Review postmortem drafts: files, directories (*.md, *.markdown, *.txt) or '-' for stdin.

    Exit status: 0 no finding at or above --fail-on (or --exit-zero), 1 findings, 2 usage or input errors.
    """
    from reviewer.config import ConfigError
    from reviewer.diff import DiffError, on_changed_lines
    from reviewer.engine import expand, review_inputs
    from reviewer.findings import Severity
    from reviewer.nlp import ModelError
    from reviewer.recurrence import IndexError_
    from reviewer.ruleset import RuleError

    if statistics and fmt not in ("text", "json"):
        _fail(f"--statistics prints text or json, not --format {fmt}")
    try:
        options = review_options(select, ignore, extend_select, config_file, corpus_dir, no_cache, cache_dir)
        if show_settings:
            _show_settings(paths, stdin_filename, options, fail_on)
            return
        inputs = expand(paths, stdin_filename)
        base = diff_base or ("HEAD" if changed_lines_only else None)
        changed = _changed_files(base) if base else None
        if changed is not None:
            inputs = [i for i in inputs if _resolved(i) in changed]
        if fix or show_diff:
            stdin = any(getattr(i, "file", 1) is None for i in inputs)
            inputs = _fix(inputs, options, changed, unsafe_fixes, show_diff, quiet)
            if show_diff:
                sys.exit(1 if inputs else 0)  # here: the files a diff was printed for
            if stdin and output_file is None:
                quiet = 2  # stdout holds the fixed text; the exit status tells what remains
        report = review_inputs(inputs, options)
        for result in report.files:
            if changed is not None:
                result.findings = on_changed_lines(result.findings, changed.get(_resolved(result), set()))
    except (RuleError, ConfigError, ModelError, IndexError_, DiffError) as exc:
        _fail(str(exc))
    if quiet < 2 or output_file is not None:
        use_color = color_wanted("never" if no_color else color, sys.stdout if output_file is None else None)
        _emit(_render(report, fmt, statistics, quiet, use_color, show_source), output_file, use_color)
    for error in report.errors:
        echo_error(error)
    if report.errors:
        sys.exit(2)
    threshold = Severity.parse(fail_on) if fail_on else report.fail_on()
    sys.exit(0 if exit_zero else 1 if any(f.severity >= threshold for f in report.findings) else 0)


def _fix(inputs: list, options, changed: dict | None, unsafe: bool, diff: bool, quiet: int) -> list:
    """Apply (or, with ``diff``, print) the fixes of each input; the inputs to report on afterwards
    (stdin's fixed text in place of what was read), or with ``diff`` those that have a diff."""
    from collections import Counter

    from reviewer.diff import on_changed_lines
    from reviewer.engine import Input, review_inputs
    from reviewer.fix import fix as fix_text
    from reviewer.fix import unified_diff
    from reviewer.source import InputError, decode, read_bounded
    from reviewer.workspace import write_atomic

    out, applied, files, diffs = [], Counter(), 0, []
    for item in inputs:
        if not isinstance(item, Input):
            out.append(item)  # an error to report
            continue
        try:
            data = item.text if item.text is not None else read_bounded(item.file)
            decode(item.path, data)  # binary, UTF-16 or invalid UTF-8: nothing to fix, reported below
        except (OSError, InputError):
            out.append(item)
            continue
        raw = data.decode("utf-8")
        lines = changed.get(_resolved(item), set()) if changed is not None else None

        def findings(text: str, item=item, lines=lines) -> list:
            result = review_inputs([Input(item.path, item.file, text.encode("utf-8"))], options).files[0]
            return result.findings if lines is None else on_changed_lines(result.findings, lines)

        fixed = fix_text(raw, findings, unsafe)
        if fixed.count:
            files += 1
            applied.update(fixed.applied)
        if diff:
            patch = unified_diff(item.path, raw, fixed.text)
            if patch:
                sys.stdout.write(patch)
                diffs.append(item)
            continue
        if item.file is None:
            sys.stdout.write(fixed.text)  # stdin: the fixed text is the output, as ruff does
            out.append(Input(item.path, None, fixed.text.encode("utf-8")))
            continue
        if fixed.count:
            try:
                write_atomic(item.file, fixed.text.encode("utf-8"))
            except OSError as exc:
                echo_error(f"{item.path}: cannot write the fixes ({exc.strerror or exc})")
        out.append(item)
    if quiet < 2:
        per_rule = ", ".join(f"{code} {n}" for code, n in sorted(applied.items()))
        verb = "would fix" if diff else "fixed"
        if not applied:
            click.echo("pmreview: nothing to fix", err=True)
            return diffs if diff else out
        noun = "finding" if sum(applied.values()) == 1 else "findings"
        click.echo(
            f"pmreview: {verb} {sum(applied.values())} {noun} in {files} file{'s' * (files != 1)}"
            + (f" ({per_rule})" if per_rule else ""),
            err=True,
        )
    return diffs if diff else out


def _render(report, fmt: str, statistics: bool, quiet: int, color: bool, show_source: bool) -> str:
    """The output of ``review``: the format asked for, or the counts per rule (``--statistics``)."""
    from reviewer.formatters import FORMATS
    from reviewer.formatters.common import statistics as count_rules
    from reviewer.formatters.text import format_statistics
    from reviewer.terminal import dumps

    if statistics:
        return dumps(count_rules(report), indent=2) + "\n" if fmt == "json" else format_statistics(report, color=color)
    if fmt == "text":
        return FORMATS[fmt](report, color=color, show_source=show_source, summary=not quiet)
    return FORMATS[fmt](report)


def _emit(text: str, output_file: Path | None, color: bool) -> None:
    """To stdout, or to ``output_file`` through a temporary file and a rename (a CI step that reads the
    file never sees half of it). As for every file pmreview writes, a path inside the working tree
    that a link leads out of (or into .git) is refused: a pull request can add such a link."""
    from reviewer.source import describe_os_error
    from reviewer.workspace import escapes, repo_root, write_atomic

    if output_file is None:
        click.echo(text, nl=False, color=color)
        return
    if escapes(output_file, repo_root()):
        _fail(f"{output_file}: is a symbolic link that leads outside the working tree or into .git; not written")
    try:
        write_atomic(output_file, text.encode("utf-8"))
    except OSError as exc:
        _fail(f"{output_file}: cannot write: {describe_os_error(exc)}")


def _show_settings(paths: tuple[str, ...], stdin_filename: str | None, options, fail_on: str | None) -> None:
    """``--show-settings``: the configuration one file is reviewed with, each value with its origin."""
    from reviewer.config import discover, settings_table
    from reviewer.engine import _file_config, rules_for
    from reviewer.ruleset import severity_of
    from reviewer.terminal import dumps, printable

    if len(paths) != 1:
        _fail("--show-settings takes one file (or '-' for the configuration stdin is reviewed with)")
    target = Path.cwd() if paths[0] == "-" else Path(paths[0])
    if options.config_file is not None:
        config = _file_config(options)
    else:
        config = discover((target if target.is_dir() else target.parent).resolve())
    flags = {
        "select": options.select,
        "ignore": options.ignore,
        "extend-select": options.extend_select or None,
        "fail-on": fail_on,
        "corpus": options.corpus,
    }
    click.echo(f"# settings for {printable(paths[0])}")
    click.echo(f"# configuration file: {printable(str(config.path)) if config.path else 'none (defaults)'}")
    for key, value, source in settings_table(config):
        if flags.get(key) is not None:
            value, source = flags[key], f"command line (--{key})"
        click.echo(printable(f"{key} = {dumps(_plain(value))}  # {source}"))
    rules = rules_for(config, options, (stdin_filename or "<stdin>") if paths[0] == "-" else paths[0])
    click.echo(f"# {len(rules)} rules in effect (code, severity, name)")
    for rule in rules:
        click.echo(f"{rule.code}  {severity_of(rule, config.severity)!s:<7}  {rule.name}")


def _plain(value):
    """A setting as JSON can show it: tuples as lists, paths and severities as text."""
    from reviewer.findings import Severity

    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Path | Severity):
        return str(value)
    return value


def _changed_files(base: str) -> dict[Path, set[int]] | None:
    """{resolved path: changed lines}; None where every line counts as changed (no commit yet)."""
    from reviewer.diff import changed_lines

    _, files = changed_lines(base)
    return None if files is None else {p.resolve(): lines for p, lines in files.items()}


def _resolved(item) -> Path:
    """Where an input or result lives on disk (stdin resolves through --stdin-filename)."""
    return (item.file if getattr(item, "file", None) is not None else Path(item.path)).resolve()


@main.command("actions", short_help="Export the action items of postmortems.")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "markdown", "github-issues", "jira-csv"]),
    default="markdown",
    show_default=True,
    help="Output format; github-issues (a gh issue create script) and jira-csv hold the open items only.",
)
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
    if fmt in ("github-issues", "jira-csv"):
        from reviewer.formatters.trackers import github_issues, jira_csv

        click.echo((github_issues if fmt == "github-issues" else jira_csv)(report), nl=False)
    else:
        click.echo(format_actions(report, fmt), nl=False)
    for error in report.errors:
        echo_error(error)
    sys.exit(2 if report.errors else 0)


def corpus_and_index(
    corpus: Path | None, index_dir: Path | None, anchor: Path, flag: str = "--corpus DIR"
) -> tuple[Path, Path | None]:
    """``flag``'s value wins; otherwise the `corpus` (and `index-dir`) of the configuration found from ``anchor``."""
    from reviewer.config import ConfigError, discover

    if corpus is not None:
        return corpus, index_dir
    try:
        config = discover(anchor.resolve())
    except ConfigError as exc:
        _fail(str(exc))
    if config.corpus is None:
        _fail(f'no corpus: pass {flag} or set `corpus = "postmortems/"` in [tool.pmreview]')
    return config.corpus, index_dir or config.index_dir


@main.group(short_help="Index past postmortems for recurrence.")
def corpus() -> None:
    """Build and inspect the index of past postmortems used for recurrence."""


@corpus.command("index", short_help="Index (or update) a folder of past postmortems.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the index lives [default: DIR/.pmreview].",
)
@click.option(
    "--device",
    metavar="DEVICE",
    help="Embed with sentence-transformers on a torch device (cuda, cuda:1, mps, cpu) instead of the "
    "built-in numpy encoder; same vectors within float16. Needs pmreview[torch]. Worth it for "
    "thousands of documents.",
)
def corpus_index(directory: Path | None, index_dir: Path | None, device: str | None) -> None:
    """Index (or update the index of) a folder of past postmortems: only changed files are re-embedded."""
    import time

    from reviewer.models.embedder import LazyEncoder
    from reviewer.recurrence import build, index_path

    root, index_dir = corpus_and_index(directory, index_dir, Path.cwd())
    if not root.is_dir():
        _fail(f"{root}: not a directory")
    start = time.perf_counter()
    encoder = LazyEncoder() if device is None else _torch_encoder(device)

    def progress(files):
        files = list(files)
        with click.progressbar(files, label="Indexing", show_eta=True, show_pos=True, file=sys.stderr) as bar:
            yield from bar

    path = index_path(root, index_dir)
    try:
        index, stats = build(root, path, encoder, progress if sys.stderr.isatty() else None, echo_warning)
    except KeyboardInterrupt:
        click.echo("pmreview: interrupted; the previous index is unchanged", err=True)
        sys.exit(130)
    except OSError as exc:
        _fail(f"{path}: cannot write the index ({exc.strerror or exc})")
    took = time.perf_counter() - start
    for problem in stats["unreadable"]:
        echo_warning(f"{problem}; not indexed")
    click.echo(
        f"Indexed {len(index.docs)} documents, {index.factor_count} factors in {took:.1f} s "
        f"({stats['added']} added, {stats['updated']} updated, {stats['unchanged']} unchanged, "
        f"{stats['removed']} removed, {stats['skipped']} skipped) -> {path}"
    )


@main.group("daemon", short_help="The warm background process of review --daemon.")
def daemon_group() -> None:
    """The background pmreview that `review --daemon` (or PMREVIEW_DAEMON=1) starts on demand."""


@daemon_group.command("stop", short_help="Stop the background process, if one runs.")
def daemon_stop() -> None:
    """Stop the background pmreview of this install; it would exit by itself after 15 idle minutes."""
    from reviewer import daemon

    click.echo("stopped" if daemon.stop() else "no daemon was running")


@daemon_group.command("status", short_help="Whether the background process runs, and what it served.")
def daemon_status() -> None:
    """Print the background pmreview's process id and the reviews it served, if one runs."""
    from reviewer import daemon

    info = daemon.status()
    if info is None:
        click.echo("no daemon is running")
        sys.exit(1)
    click.echo(f"pid {info.get('pid')}, {info.get('served')} reviews served, pmreview {info.get('version')}")


def _factor_match(m) -> dict:
    """One past factor close to a draft's factor, as ``match --format json`` gives it."""
    return {
        "path": m.doc.path,
        "title": m.doc.title,
        "date": m.doc.date,
        "factor": m.factor["text"],
        "factor_line": m.factor["line"],
        "score": round(m.score, 4),
        "weakness": m.shared_weakness,
    }


def _torch_encoder(device: str):
    from reviewer.models.torch_encoder import TorchEncoder, TorchUnavailable

    try:
        return TorchEncoder(device)
    except TorchUnavailable as exc:
        _fail(str(exc))


@corpus.command("stats", short_help="What a corpus index holds.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the index lives [default: DIR/.pmreview].",
)
def corpus_stats(directory: Path | None, index_dir: Path | None) -> None:
    """Documents, factors, action items, model and age of a corpus index, and the documents
    that yielded no factors or no action items (a layout pmreview cannot read)."""
    import time

    from reviewer.recurrence import IndexError_, index_path, load
    from reviewer.terminal import printable

    root, index_dir = corpus_and_index(directory, index_dir, Path.cwd())
    path = index_path(root, index_dir)
    try:
        index = load(path)
    except IndexError_ as exc:
        _fail(str(exc))
    age = time.time() - path.stat().st_mtime
    dated = sum(1 for d in index.docs if d.date)
    click.echo(f"index:     {path}")
    click.echo(f"documents: {len(index.docs)} ({dated} dated)")
    click.echo(f"factors:   {index.factor_count}")
    click.echo(f"model:     {index.model}")
    click.echo(f"age:       {age / 3600:.1f} h")
    actions = sum(len(d.actions) for d in index.docs)
    click.echo(f"actions:   {actions}")
    # documents pmreview could not read a factor or an action item from: a template it does not
    # know, or a document that is not a postmortem; either way recurrence and follow-through miss them
    for label, docs in (
        ("no factors", [d for d in index.docs if not d.factors]),
        ("no action items", [d for d in index.docs if not d.actions]),
    ):
        click.echo(f"{label + ':':<17}{len(docs)}")
        for d in sorted(docs, key=lambda d: d.path):
            click.echo(f"  {printable(d.path)}")


@main.command("match", short_help="Similar past incidents for each factor.")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of past postmortems (indexed).",
)
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the index lives [default: the corpus folder's .pmreview].",
)
@click.option(
    "--top-k",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Past incidents to rank, and matches to list per factor.",
)
@click.option(
    "--min-score",
    type=float,
    default=None,
    help="The recurrence threshold: incidents and factor matches below it are marked 'below threshold' "
    "[default: the calibrated threshold].",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format."
)
def match_cmd(
    paths: tuple[str, ...],
    corpus_dir: Path | None,
    index_dir: Path | None,
    top_k: int,
    min_score: float | None,
    fmt: str,
) -> None:
    """Rank the past incidents closest to each draft, with the factors they share.

    Every draft gets its top-k past incidents, whatever their score: the ranking fuses the
    factor pairs and the whole incidents (title, summary and factors). Those whose best factor
    pair is under the recurrence threshold are marked 'below threshold'; only those above it
    count for RE001 and the report's 'recurring'."""
    import hashlib

    from reviewer.engine import Input as _Input
    from reviewer.engine import expand, matcher_for, section_aliases
    from reviewer.factors import incident
    from reviewer.markdown import parse
    from reviewer.recurrence import DEFAULT_THRESHOLD, IndexError_, incidents
    from reviewer.source import InputError, decode, read_source
    from reviewer.terminal import dumps, printable

    root, index_dir = corpus_and_index(corpus_dir, index_dir, Path(paths[0]).parent if paths[0] != "-" else Path.cwd())
    try:
        matcher = matcher_for(root, index_dir)
    except IndexError_ as exc:
        _fail(str(exc))
    threshold = DEFAULT_THRESHOLD if min_score is None else min_score
    results, errors = [], []
    for item in expand(paths):
        if not isinstance(item, _Input):
            errors.append(item.error)
            continue
        try:
            source = read_source(item.file, item.path) if item.file else decode(item.path, item.text or b"")
        except InputError as exc:
            errors.append(str(exc))
            continue
        draft = incident(parse(source, section_aliases()), item.path)
        found, profile = draft.factors, draft.profile
        try:
            rel = Path(item.path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            rel = ""
        exclude = {rel, hashlib.sha256(source.text.encode("utf-8")).hexdigest()}
        texts = [f.clean for f in found]
        scores = matcher.scores(texts, exclude) if texts and matcher.factor else None
        matches = matcher.top(scores, top_k) if scores is not None else [[] for _ in texts]
        ranked = incidents(matcher, texts, profile, exclude, threshold, top_k, scores=scores)
        for inc in ranked:
            for p in inc["pairs"]:
                p["draft_line"] = found[p["draft_factor"]].line
                p["draft_text"] = found[p["draft_factor"]].text
                p["passes_threshold"] = p["score"] >= threshold
        results.append(
            {
                "path": item.path,
                "threshold": threshold,
                "factors": [
                    {
                        "text": f.text,
                        "line": f.line,
                        "matches": [_factor_match(m) for m in ms if m.score >= threshold],
                        "closest": [_factor_match(m) | {"passes_threshold": m.score >= threshold} for m in ms],
                    }
                    for f, ms in zip(found, matches, strict=True)
                ],
                "incidents": ranked,
                "above_threshold": sum(1 for i in ranked if i["passes_threshold"]),
            }
        )
    if fmt == "json":
        click.echo(dumps({"version": 1, "results": results}, indent=2))
    else:
        color = color_wanted("auto", sys.stdout)
        for r in results:
            click.echo(click.style(printable(r["path"]), bold=True), color=color)
            _echo_ranking(r, threshold, color)
    for error in errors:
        echo_error(error)
    sys.exit(2 if errors else 0)


def _echo_ranking(result: dict, threshold: float, color: bool) -> None:
    """``match``'s text output for one draft: the ranked past incidents, each with the factor pairs
    they share, and a last line when none reaches the threshold, saying how far the best one is."""
    from reviewer.terminal import printable

    ranked = result["incidents"]
    if not ranked:
        click.echo("  no past incidents in the index")
        return
    click.echo(f"  closest past incidents (recurrence threshold {threshold:.2f} on the best shared factor):")
    for n, inc in enumerate(ranked, 1):
        open_n = sum(1 for a in inc["action_items"] if a["status"] != "done")
        mark = "" if inc["passes_threshold"] else click.style("  below threshold", dim=True)
        click.echo(
            printable(
                f"  {n}. {inc['score']:.2f}  {inc['title']} ({inc['date'] or 'undated'})  {inc['path']}; "
                f"action items: {open_n} open, {len(inc['action_items']) - open_n} done"
            )
            + mark,
            color=color,
        )
        click.echo(
            f"       best shared factor {inc['factor_score']:.2f}, whole incident {inc['similarity']:.2f}"
            + (f", same weakness: {printable(inc['weakness'])}" if inc["weakness"] else "")
        )
        # the evidence: the pairs over the threshold, or else the closest one
        for p in [p for p in inc["pairs"] if p["passes_threshold"]] or inc["pairs"][:1]:
            below = "" if p["passes_threshold"] else ", below threshold"
            click.echo(printable(f"       {p['draft_line']}: {p['draft_text'][:90]}"))
            click.echo(printable(f"         ~ {p['factor_line']}: {p['factor'][:90]}  ({p['score']:.2f}{below})"))
    if not result["above_threshold"]:
        best = max(i["factor_score"] for i in ranked)
        click.echo(
            f"  none reaches the recurrence threshold {threshold:.2f}: the best shared factor scores "
            f"{best:.2f}, {threshold - best:.2f} below it"
        )


@main.command("rules", short_help="List every rule.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format.",
)
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


@main.command("rule", short_help="Explain one rule.")
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


from reviewer.github.cli import github  # noqa: E402

main.add_command(github)

from reviewer.report.cli import report  # noqa: E402

main.add_command(report)

from reviewer.digest.cli import digest  # noqa: E402

main.add_command(digest)

from reviewer.new import new  # noqa: E402

main.add_command(new)

from reviewer.server.cli import server  # noqa: E402

main.add_command(server)


def run() -> None:
    """The ``pmreview`` command: ``main``, then exit without tearing the interpreter down.

    Every command has written and closed what it writes (reports, caches, indexes: atomically)
    before it returns, so the interpreter's teardown, a tenth of a cold review spent freeing
    spaCy's and numpy's objects one by one, does nothing a user can see: once the output is
    flushed, the process leaves with ``os._exit``. Tests call ``main`` and never get here.
    """
    from reviewer import daemon

    code: int | str | None = 0
    forwarded = daemon.forward(sys.argv[1:]) if daemon.wanted(sys.argv[1:]) else None
    if forwarded is not None:
        code = forwarded
    else:
        try:
            main()
        except SystemExit as exc:
            code = exc.code
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that closed early, or a stream already closed
        pass
    if not isinstance(code, int):  # sys.exit("message") prints it and exits 1, as Python would
        if code is not None:
            print(code, file=sys.stderr, flush=True)
        code = 0 if code is None else 1
    os._exit(code)


if __name__ == "__main__":
    run()
