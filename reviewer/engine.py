"""The review pipeline: source -> Markdown -> sentences -> rules -> suppressions -> findings.

``review_inputs`` is the single entry point the CLI, the benchmarks and the tests use.
spaCy runs once for all files, on only the sentences some selected rule asked to see.
"""

from __future__ import annotations

import bisect
import errno
import itertools
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from functools import cache
from pathlib import Path

from reviewer import nlp
from reviewer.aliases import section_aliases  # re-exported: reviewer.engine.section_aliases
from reviewer.cache import ResultCache
from reviewer.config import Config, discover
from reviewer.findings import Finding, Severity, Suggestion, assign_fingerprints
from reviewer.kinds import KINDS, Context, Kind
from reviewer.kinds.base import WORD_START
from reviewer.markdown import Document, parse
from reviewer.people import People
from reviewer.ruleset import Rule, apply_severities, default_rules, select
from reviewer.sentences import INVISIBLE, Sentence, split_block
from reviewer.source import InputError, Source, decode, describe_os_error, read_source, read_stream
from reviewer.suppress import apply, parse_directives
from reviewer.timeline import metrics as timeline_metrics
from reviewer.workspace import escapes, repo_root

EXTENSIONS = (".md", ".markdown", ".txt")
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".pmreview"}


@dataclass
class Input:
    """One thing to review: a path on disk, or text from stdin under a display name."""

    path: str
    file: Path | None = None
    text: bytes | None = None


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    document: Document | None = None
    config: Config | None = None
    source: Source | None = None
    cached: bool = False
    actions: list[dict] = field(default_factory=list)  # action-item records (reviewer/actions.py)
    timeline: dict | None = None  # time to detect / acknowledge / mitigate / resolve (reviewer/timeline.py)


@dataclass
class Report:
    files: list[FileResult]
    rules: dict[str, Rule]

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.files for f in r.findings]

    @property
    def errors(self) -> list[str]:
        return [r.error for r in self.files if r.error]

    def fail_on(self) -> Severity:
        """The strictest ``fail-on`` among the configurations that applied (default: warning)."""
        levels = [r.config.fail_on for r in self.files if r.config is not None]
        return min(levels) if levels else Severity.WARNING

    def counts(self) -> dict[str, int]:
        out = {str(s): 0 for s in sorted(Severity, reverse=True)}
        for f in self.findings:
            out[str(f.severity)] += 1
        return out


@dataclass
class Options:
    """Command-line overrides; None means "use the configuration file"."""

    config_file: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    extend_ignore: tuple[str, ...] = ()
    rules: tuple[Rule, ...] | None = None  # a custom rule set (tests, --rules-dir)
    cache: ResultCache | None = None
    corpus: Path | None = None  # past postmortems for recurrence (RE), overrides config


def expand(paths: Sequence[str], stdin_filename: str | None = None) -> list[Input | FileResult]:
    """Files and directories (recursing into Markdown and text files), or '-' for stdin.

    A path that a symbolic link takes out of the working tree is refused, not read
    (reviewer.workspace); so is anything that is not a regular file (source.read_bounded).
    """
    out: list[Input | FileResult] = []
    root = repo_root()
    for raw in paths:
        if raw == "-":
            out.append(Input(stdin_filename or "<stdin>", None, read_stream(sys.stdin.buffer)))
            continue
        p = Path(raw)
        problem = _unreadable(p, root)
        if problem is not None:
            out.append(FileResult(raw, error=f"{raw}: {problem}"))
        elif p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.suffix.lower() in EXTENSIONS and f.is_file() and not (set(f.relative_to(p).parts[:-1]) & SKIP_DIRS)
            )
            if not found:
                out.append(FileResult(raw, error=f"{raw}: no Markdown or text files found in this directory"))
            for f in found:
                problem = _unreadable(f, root)
                out.append(Input(str(f), f) if problem is None else FileResult(str(f), error=f"{f}: {problem}"))
        else:
            out.append(Input(raw, p))
    return out


def _unreadable(path: Path, root: Path) -> str | None:
    """Why ``path`` must not be read (a link out of the working tree, a loop, nothing there), or None."""
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ENOENT and path.is_symlink():
            return "is a broken symbolic link (its target does not exist)"
        return describe_os_error(exc)
    if escapes(path, root):
        return "is a symbolic link that leads outside the working tree; not read (see docs/security.md)"
    return None


def _aliases(config: Config) -> dict[str, list[str]]:
    """The shipped section aliases with the configuration's added in front."""
    base = section_aliases()
    if not config.section_aliases:
        return base
    merged = {k: list(v) for k, v in config.section_aliases.items()}
    for k, v in base.items():
        merged.setdefault(k, [])
        merged[k] = merged[k] + list(v)
    return merged


@cache
def matcher_for(corpus: Path, index_dir: Path | None = None):
    """Load a corpus index and the models once per process (raises IndexError_ with advice)."""
    from reviewer.models.embedder import get_encoder
    from reviewer.models.weakness import default as weakness_model
    from reviewer.recurrence import Matcher, index_path, load

    encoder = get_encoder()
    return Matcher(load(index_path(corpus, index_dir), encoder.name), encoder, weakness_model())


@cache
def _people(roles: tuple[str, ...], systems: tuple[str, ...]) -> People:
    return People(roles=list(roles), systems=list(systems))


@cache
def compiled(rule: Rule) -> Kind:
    return KINDS[rule.kind](rule)


@cache
def _union(rules: tuple[Rule, ...]) -> re.Pattern[str] | None:
    """One regex that any sentence a prefiltered rule could flag must match: most sentences match none."""
    parts = [compiled(r).prefilter_source for r in rules if not compiled(r).document_scope]
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return re.compile(WORD_START + "(?:" + "|".join(f"(?:{p})" for p in parts) + ")", re.I)


def rules_for(config: Config, options: Options, path: str) -> list[Rule]:
    rules = options.rules if options.rules is not None else default_rules()
    chosen = options.select if options.select is not None else config.select
    sel = list(chosen) if chosen is not None else None
    extra = [*config.extend_select, *options.extend_select]
    if extra:
        sel = (sel if sel is not None else [r.code for r in rules if r.status != "preview"]) + extra
    ignore = list(options.ignore if options.ignore is not None else config.ignore)
    ignore += [c for c in config.ignores_for(path) if c not in config.ignore]
    ignore += list(options.extend_ignore)
    return select(rules, sel, ignore)


def _skipped(rule: Rule, sent: Sentence, doc: Document, ctx: Context) -> bool:
    block = sent.block
    if block.kind not in rule.scope:
        return True
    if "quoted" in rule.skip and block.quoted:
        return True
    section = doc.sections[block.section] if block.section is not None else None
    roles = set(section.roles) if section else set()
    if "timeline" in rule.skip and (block.timestamp or "timeline" in roles):
        return True
    if "action_items" in rule.skip and _in_action_item(sent, doc, ctx):
        return True  # AI rules report it; the prose around the items is still read
    if rule.sections_include is not None and not roles & set(rule.sections_include):
        return True
    return bool(roles & set(rule.sections_exclude))


class _Keep(dict):
    """Template values where an unknown ``{name}`` stays as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _in_action_item(sent: Sentence, doc: Document, ctx: Context) -> bool:
    """Is the sentence part of an action item (not just prose in an action-items section)?"""
    key = ("item-starts", id(doc))
    if key not in ctx.memo:
        spans = sorted((i.start, i.end) for i in ctx.action_items(doc))
        reach = list(itertools.accumulate((e for _, e in spans), max))  # items may nest
        ctx.memo[key] = ([s for s, _ in spans], reach)
    starts, reach = ctx.memo[key]
    i = bisect.bisect_right(starts, sent.start) - 1
    return i >= 0 and sent.start < reach[i]


def _format(template: str, values: dict[str, str]) -> str:
    return template.format_map(_Keep(values))


@dataclass
class _Work:
    result: FileResult
    config: Config
    rules: list[Rule]
    sentences: list[Sentence]
    wanted: list[tuple[Rule, Sentence]]
    catalogue: tuple[Rule, ...]  # every known rule, for validating directive selectors
    cache_key: str | None = None
    memo: dict = field(default_factory=dict)  # what selection already worked out (the action items)


def review_inputs(inputs: Iterable[Input | FileResult], options: Options | None = None) -> Report:
    options = options or Options()
    work: list[_Work | FileResult] = []
    all_rules: dict[str, Rule] = {}
    to_parse: dict[int, Sentence] = {}
    model = None
    for item in inputs:
        if isinstance(item, FileResult):
            work.append(item)
            continue
        try:
            if item.file is not None:
                config = discover(item.file.resolve().parent) if options.config_file is None else _file_config(options)
                if options.config_file is None and config.excludes(item.file):
                    continue
                # a file's own text, or (``--fix`` between passes) its text as fixed so far
                source = read_source(item.file, item.path) if item.text is None else decode(item.path, item.text)
            else:
                config = discover(Path.cwd()) if options.config_file is None else _file_config(options)
                source = decode(item.path, item.text or b"")
        except InputError as exc:
            work.append(FileResult(item.path, error=str(exc)))
            continue
        if options.corpus is not None:
            config = dataclass_replace(config, corpus=options.corpus, index_dir=None)
        rules = rules_for(config, options, item.path)
        for r in rules:  # before the cache lookup: a cached file still lists its rules (SARIF's driver)
            all_rules[r.code] = r
        key = None
        if options.cache is not None:
            key = options.cache.key(item.path, source.text.encode("utf-8"), _settings(config, rules))
            hit = options.cache.get(key)
            if hit is not None:
                findings, actions, timeline = hit
                result = FileResult(item.path, findings=findings, config=config, source=source, cached=True)
                result.actions, result.timeline = actions, timeline
                work.append(result)
                continue
        doc = parse(source, _aliases(config))
        sentences = [s for b in doc.blocks for s in split_block(doc, b)]
        any_trigger = _union(tuple(rules))
        candidates = sentences if any_trigger is None else [s for s in sentences if any_trigger.search(s.text)]
        wanted = []
        ctx = Context(
            people=_people(config.person_roles, config.system_names),
            action_aliases=tuple(config.section_aliases.get("action_items", ())),
        )
        for rule in rules:
            kind = compiled(rule)
            if kind.document_scope:
                continue
            for sent in candidates if kind.prefilter is not None else sentences:
                if not _skipped(rule, sent, doc, ctx) and kind.wants(sent, ctx):
                    wanted.append((rule, sent))
                    if kind.needs_parse:
                        to_parse[id(sent)] = sent
                        model = config.spacy_model
        catalogue = options.rules if options.rules is not None else default_rules()
        work.append(
            _Work(
                FileResult(item.path, document=doc, config=config, source=source),
                config,
                rules,
                sentences,
                wanted,
                catalogue,
                key,
                ctx.memo,
            )
        )

    if to_parse:
        # each distinct text is parsed once: templates and boilerplate repeat across drafts
        # (and within long ones), and rules only read a parse, never change it
        texts = list(dict.fromkeys(s.nlp_text for s in to_parse.values()))
        parses = dict(zip(texts, nlp.parse(texts, model=model or nlp.DEFAULT_MODEL), strict=True))
        for sent in to_parse.values():
            sent.parsed = parses[sent.nlp_text]

    results = []
    for w in work:
        if isinstance(w, FileResult):
            results.append(w)
            continue
        results.append(_finish(w, all_rules))
        if options.cache is not None and w.cache_key is not None:
            options.cache.put(w.cache_key, w.result.findings, w.result.actions, w.result.timeline)
    for result in results:  # [severity] from each file's configuration, for every command that reviews
        if result.config is not None:
            apply_severities(result.findings, all_rules, result.config.severity)
    return Report(results, all_rules)


def _corpus_stamp(config: Config) -> str:
    """A results cache entry is only valid for the corpus index it was matched against."""
    if config.corpus is None:
        return ""
    from reviewer.recurrence import index_path

    path = index_path(config.corpus, config.index_dir)
    try:
        return f"{path}:{path.stat().st_mtime_ns}"
    except OSError:
        return str(path)


def _settings(config: Config, rules: list[Rule]) -> str:
    """What, besides the file and the shipped data, decides its findings."""
    return "|".join(
        (
            ",".join(f"{r.code}:{r.severity}" for r in rules),
            ",".join(config.allowed_terms),
            ",".join(config.system_names),
            ",".join(config.person_roles),
            config.spacy_model,
            repr(config.required_sections),
            repr(sorted(config.section_aliases.items())),
            repr(config.max_action_items),
            repr(config.priority_counts_as_deadline),
            repr(config.self_judgement),
            _corpus_stamp(config),
        )
    )


def _file_config(options: Options) -> Config:
    from reviewer.config import load_file

    cfg = load_file(options.config_file)
    return cfg if cfg is not None else Config(path=options.config_file, root=options.config_file.parent)


def _finish(w: _Work, all_rules: dict[str, Rule]) -> FileResult:
    doc = w.result.document
    assert doc is not None
    source = doc.source
    ctx = _context(w.config, w.rules)
    ctx.memo.update(w.memo)
    allowed = [re.compile(rf"(?<!\w){re.escape(t)}(?!\w)", re.I) for t in w.config.allowed_terms]
    findings: list[Finding] = []
    seen: set[tuple[str, int, int]] = set()
    by_rule: dict[str, list[Sentence]] = {}
    for rule, sent in w.wanted:
        by_rule.setdefault(rule.code, []).append(sent)
    for rule in w.rules:
        kind = compiled(rule)
        if rule.code in by_rule and hasattr(kind, "prepare"):
            kind.prepare(by_rule[rule.code], ctx)
    for rule, sent in w.wanted:
        for hit in compiled(rule).check(sent, ctx):
            key = (rule.code, hit.start, hit.end)
            if key in seen:
                continue
            seen.add(key)
            matched = source.text[hit.start : hit.end]
            if any(a.search(matched) for a in allowed):
                continue
            finding = _make(rule, source, hit, matched, sent.source(sent.start, sent.end), doc)
            finding.data["sentence"] = (sent.start, sent.end)
            findings.append(finding)
    for rule in w.rules:
        kind = compiled(rule)
        if not kind.document_scope or not hasattr(kind, "check_document"):
            continue
        for hit in kind.check_document(doc, ctx):
            matched = source.text[hit.start : hit.end]
            line = source.position(hit.start)[0]
            finding = _make(rule, source, hit, matched, source.line_text(line), doc)
            finding.data["sentence"] = (hit.start, hit.end)
            findings.append(finding)
    findings = _defer(findings, w.rules)
    w.result.actions = [item.record() for item in ctx.action_items(doc)]
    w.result.timeline = timeline_metrics(doc)
    directives = parse_directives(doc, w.catalogue)
    findings = apply(findings, directives, all_rules)
    findings.extend(_directive_findings(directives, w.rules, source))
    assign_fingerprints(findings)
    findings.sort(key=lambda f: (f.line, f.column, f.code))
    w.result.findings = findings
    return w.result


def _context(config: Config, rules: list[Rule] = ()) -> Context:  # type: ignore[assignment]
    matcher = None
    if config.corpus is not None and any(getattr(compiled(r), "needs_corpus", False) for r in rules):
        matcher = matcher_for(config.corpus, config.index_dir)
    return Context(
        matcher=matcher,
        corpus_root=config.corpus,
        recurrence_threshold=config.recurrence_threshold,
        people=_people(config.person_roles, config.system_names),
        action_aliases=tuple(config.section_aliases.get("action_items", ())),
        template=config.required_sections,
        max_action_items=config.max_action_items,
        priority_counts=config.priority_counts_as_deadline,
        self_judgement=config.self_judgement,
    )


def _defer(findings: list[Finding], rules: list[Rule]) -> list[Finding]:
    """Drop findings of rules with ``defer_to`` when a rule of those families already flagged the sentence,
    or, for a whole-document finding, the same subject (ST001's missing action items when AI006 says so).

    Linear after a sort: per family, the findings sorted by start with, at each point, the two
    furthest-reaching ends so far (two, because a finding never defers to itself)."""
    from bisect import bisect_left

    deferring = {r.code: tuple(r.options.get("defer_to", ())) for r in rules if r.options.get("defer_to")}
    if not deferring:
        return findings
    by_subject: dict[str, list[Finding]] = {}
    for g in findings:
        if g.whole_document and g.data.get("subject"):
            by_subject.setdefault(g.data["subject"], []).append(g)
    reach: dict[tuple[str, ...], tuple[list[int], list[tuple[tuple[int, int], ...]]]] = {}
    for prefixes in set(deferring.values()):
        family = sorted((g for g in findings if g.code.startswith(prefixes)), key=lambda g: g.start)
        top: tuple[tuple[int, int], ...] = ()
        furthest = []
        for g in family:
            top = tuple(sorted((*top, (g.end, id(g))), reverse=True)[:2])
            furthest.append(top)
        reach[prefixes] = ([g.start for g in family], furthest)

    def overlapped(f: Finding, prefixes: tuple[str, ...], s: int, e: int) -> bool:
        starts, furthest = reach[prefixes]
        k = bisect_left(starts, e)  # the family's findings that start before the sentence ends
        if k == 0:
            return False
        end, _ = next((t for t in furthest[k - 1] if t[1] != id(f)), (s, 0))
        return end > s

    kept = []
    for f in findings:
        prefixes = deferring.get(f.code)
        if prefixes and f.whole_document:
            subject = f.data.get("subject")
            if subject and any(g is not f and g.code.startswith(prefixes) for g in by_subject.get(subject, ())):
                continue
        elif prefixes:
            s, e = f.data["sentence"]
            if overlapped(f, prefixes, s, e):
                continue
        kept.append(f)
    return kept


def _make(rule: Rule, source: Source, hit, matched: str, context: str, doc: Document) -> Finding:
    values = {"match": " ".join(INVISIBLE.sub("", matched).split()), **hit.values}  # quoted as a reader sees it
    message = _format(hit.message or rule.message, values)
    fix = _format(hit.fix or rule.fix, values)
    line, col = source.position(hit.start)
    end_line, end_col = source.position(hit.end)
    section = doc.section_of(hit.start)
    suggestions = [Suggestion(_format(s.text, values), s.start, s.end, s.safe) for s in hit.suggestions]
    return Finding(
        path=source.path,
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        message=message,
        start=hit.start,
        end=hit.end,
        line=line,
        column=col,
        end_line=end_line,
        end_column=end_col,
        context=context,
        match=matched,
        suggestions=suggestions,
        fix=fix,
        section=section.canonical or section.title if section else None,
        whole_document=hit.whole_document,
        data=dict(hit.data),
    )


def _whole_line(text: str, start: int, end: int) -> tuple[int, int]:
    """A directive alone on its line is removed with its line; one beside text, by itself."""
    begin = text.rfind("\n", 0, start) + 1
    stop = text.find("\n", end)
    stop = len(text) if stop == -1 else stop
    if text[begin:start].strip() or text[end:stop].strip():
        return start, end
    return begin, min(stop + 1, len(text))


def _directive_findings(directives, rules: list[Rule], source: Source) -> list[Finding]:
    by_code = {r.code: r for r in rules}
    out = []
    for d in directives:
        if d.action == "enable" and not d.problem:
            continue
        code = "PM002" if d.problem else "PM001"
        rule = by_code.get(code)
        if rule is None or (not d.problem and d.used):
            continue
        line, col = source.position(d.start)
        end_line, end_col = source.position(d.end)
        text = source.text[d.start : d.end]
        label = " ".join(d.selectors) or "all rules"
        message = d.problem if d.problem else _format(rule.message, {"match": text, "selectors": label})
        out.append(
            Finding(
                path=source.path,
                code=rule.code,
                name=rule.name,
                severity=rule.severity,
                message=message,
                start=d.start,
                end=d.end,
                line=line,
                column=col,
                end_line=end_line,
                end_column=end_col,
                context=text,
                match=text,
                suggestions=[Suggestion("", *_whole_line(source.text, d.start, d.end), safe=True)]
                if not d.problem
                else [],
                fix=_format(rule.fix, {"match": text, "selectors": label}),
            )
        )
    return out


def review_text(text: str, path: str = "<text>", options: Options | None = None) -> FileResult:
    """Review one in-memory document (tests, rule examples)."""
    report = review_inputs([Input(path, None, text.encode("utf-8"))], options)
    return report.files[0]
