"""`pmreview new`: a postmortem draft started from the team's template, not from a blank page.

The practice guides ask for a template with a prompt per section, and for the review to start
while details are fresh. The draft holds the sections the configuration requires
(``required-sections``, else ST001's template), in that order, plus "What went well" (ST005),
so that the review of a finished draft has nothing to say about its shape. The prompts are
HTML comments (``reviewer/templates/postmortem.yml``): the rendered draft shows the headings
only, and pmreview reads no comment as prose, so an unfilled draft is reported for what it
lacks (ST004: an impact with no number) and never for the prompts' own words.

A team's Markdown template (``template`` in the configuration, or ``--template``) replaces the
built-in one. It comes from the repository, which a pull request can change, so it is read as
configuration is: bounded, a regular file, UTF-8, inside the working tree, through no link out
of it, and with no control character that could reach a terminal.

Only click is imported at the top: the rest loads when the command runs.
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import click

from reviewer import options
from reviewer.terminal import echo_error, echo_warning, one_line

MAX_TEMPLATE_BYTES = 256 * 1024
"""A template is a page or two; a bigger file is refused rather than copied."""
MAX_TITLE = 200
SLUG_WORDS = 6
"""File names stay short: the slug keeps the title's first words."""
DEFAULT_TITLE = "Untitled incident"
PLACEHOLDER = re.compile(r"\{\{\s*(title|date|id)\s*\}\}")
"""What a template may ask to be filled in. Nothing else is expanded: no format strings, no
expressions, so a template can only ever yield its own text and these three values."""
STAMPED = ("id", "title", "date")
"""Front-matter fields ``new`` sets, whatever the template says."""


@dataclass(frozen=True)
class Meta:
    """What ``new`` knows about the incident: the values of the placeholders."""

    title: str
    day: date

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def id(self) -> str:
        return f"{self.day.isoformat()}-{self.slug}"

    @property
    def file_name(self) -> str:
        return f"{self.id}.md"

    def values(self) -> dict[str, str]:
        return {"title": self.title, "date": self.day.isoformat(), "id": self.id}


class TemplateError(Exception):
    """A template that cannot be used; the message names it."""


def slugify(title: str) -> str:
    """The title in kebab case, ASCII only: accents dropped ("Café" -> "cafe"), other letters and
    punctuation become word breaks; "incident" when nothing is left (a title in another script)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower().replace("'", ""))
    return "-".join(words[:SLUG_WORDS]) or "incident"


# --- the built-in template ----------------------------------------------------------------


def _builtin() -> dict:
    from reviewer.ruleset import read_yaml

    return read_yaml(Path(__file__).resolve().parent / "templates" / "postmortem.yml")


def _default_sections() -> tuple[list[str], list[str]]:
    """ST001's template (the sections required when the configuration names none) and ST005's
    (recommended): the rules are the one place these lists are written."""
    from reviewer.ruleset import default_rules

    rules = {r.code: r for r in default_rules()}
    return list(rules["ST001"].options.get("template", [])), list(rules["ST005"].options.get("template", []))


def sections_for(required: tuple[str, ...] | None) -> list[str]:
    """Canonical names in draft order: the required ones as given, the recommended ones that are
    not among them just before the action items (which close a postmortem), else at the end."""
    default, recommended = _default_sections()
    names = list(dict.fromkeys(required)) if required is not None else default  # a name twice: one heading
    extra = [n for n in recommended if n not in names]
    at = names.index("action_items") if "action_items" in names else len(names)
    return names[:at] + extra + names[at:]


def _heading(name: str, data: dict, aliases: dict[str, tuple[str, ...]]) -> str:
    """A section's heading: the template's, else the team's first alias for it, else its name."""
    known = data["sections"].get(name)
    if known:
        return known["heading"]
    if aliases.get(name):
        words = re.sub(r"\\(.)", r"\1", aliases[name][0])  # config keeps aliases as escaped literals
        return words[:1].upper() + words[1:]
    return name.replace("_", " ").capitalize()


def builtin_text(names: list[str], aliases: dict[str, tuple[str, ...]]) -> str:
    """The built-in template as Markdown with placeholders, for the sections ``names``."""
    data = _builtin()
    front = ["---", "id: {{id}}", "title: {{title}}", "date: {{date}}"]
    front += [f"{k}: {v}" for k, v in data["front_matter"].items()]
    lines = [*front, "---", f"# {data['title']}", ""]
    for name in names:
        prompt = " ".join(str(data["sections"].get(name, {}).get("prompt", data["other"])).split())
        lines += [f"## {_heading(name, data, aliases)}", "", f"<!-- {prompt} -->", ""]
    return "\n".join(lines)


# --- a team's template --------------------------------------------------------------------


def read_template(path: Path) -> str:
    """A team's template file, read as a configuration is; raises TemplateError naming it."""
    from reviewer.terminal import printable
    from reviewer.workspace import TreeFileError, read_tree_text

    try:
        text = read_tree_text(path, MAX_TEMPLATE_BYTES)
    except TreeFileError as exc:
        raise TemplateError(
            {
                "link": f"{path}: is a symbolic link that leads outside the working tree or into .git; not read",
                "read": f"{path}: cannot read the template: {exc.detail}",
                "size": f"{path}: larger than {MAX_TEMPLATE_BYTES // 1024} KiB, the limit for a template",
                "encoding": f"{path}: the template is not UTF-8 text",
            }[exc.kind]
        ) from None
    text = text.replace("\r\n", "\n")
    if printable(text) != text:  # CR alone included
        raise TemplateError(f"{path}: the template holds control characters; not used")
    return text


# --- filling a template in ----------------------------------------------------------------


def _front_value(key: str, meta: Meta, toml: bool) -> str:
    """A stamped field's value, quoted so that any title stays one valid YAML or TOML string."""
    if key == "title":
        return json.dumps(meta.title, ensure_ascii=False)
    if key == "id":
        return json.dumps(meta.id) if toml else meta.id  # TOML has no bare strings
    return meta.day.isoformat()  # a date in YAML and in TOML alike


def _stamp_front_matter(front: str, meta: Meta, toml: bool) -> str:
    """The template's front matter with id, title and date set (replaced where the template has
    them, a value continued on indented lines included; added where it does not)."""
    sep = " = " if toml else ": "
    out: list[str] = []
    done: set[str] = set()
    skipping, closing, top_level = False, None, True
    for line in front.split("\n"):
        if closing is not None:  # inside a replaced TOML multi-line string
            if closing in line:
                closing = None
            continue
        if skipping and line[:1] in (" ", "\t", "-") and line.strip() != "-":
            continue  # the rest of a replaced YAML value ("title: >" and its lines)
        skipping = False
        if toml and line.lstrip().startswith("["):
            top_level = False  # keys below a [table] header are that table's, not the document's
        m = re.match(r"^(id|title|date)\s*[:=]\s*(.*)$", line) if top_level else None
        if m and m.group(1) not in done:
            key, value = m.group(1), m.group(2)
            out.append(f"{key}{sep}{_front_value(key, meta, toml)}")
            done.add(key)
            skipping = not toml
            quote = value[:3]
            if toml and quote in ('"""', "'''") and quote not in value[3:]:
                closing = quote
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    missing = [f"{k}{sep}{_front_value(k, meta, toml)}" for k in STAMPED if k not in done]
    return "\n".join(missing + out)


def fill(template: str, meta: Meta) -> str:
    """The draft: placeholders replaced in one pass (a value is never expanded again), and the
    front matter stamped with id, title and date; a template without front matter gets one."""
    from reviewer.markdown import FRONT_MATTER

    values = meta.values()
    m = FRONT_MATTER.match(template)
    if m is None:
        head, body = "---\n" + _stamp_front_matter("", meta, toml=False) + "\n---\n", template
    else:
        toml = m.group(1) is None
        fence = "+++" if toml else "---"
        front = m.group(2) if toml else m.group(1)
        head = f"{fence}\n{_stamp_front_matter(front, meta, toml)}\n{fence}\n"
        body = template[m.end() :]
    body = PLACEHOLDER.sub(lambda p: values[p.group(1)], body)
    return head + body.rstrip("\n") + "\n"


def missing_sections(draft: str, names: list[str], aliases: dict[str, tuple[str, ...]]) -> list[str]:
    """Required sections a draft has no heading for, read as ``review`` reads headings."""
    from reviewer.aliases import section_aliases
    from reviewer.markdown import parse
    from reviewer.source import Source

    merged = {k: list(v) for k, v in aliases.items()}  # the team's first, as the engine merges them
    for k, v in section_aliases().items():
        merged[k] = merged.get(k, []) + list(v)
    doc = parse(Source("<draft>", draft), merged)
    present = {r for s in doc.sections for r in s.roles}
    return [n for n in names if n not in present]


# --- the command --------------------------------------------------------------------------


def _fail(message: str) -> None:
    echo_error(message)
    sys.exit(2)


def _title(value: str | None) -> str:
    from reviewer.terminal import printable

    title = " ".join((value or "").split()) or DEFAULT_TITLE
    if printable(title) != title:
        _fail("--title: holds control characters")
    if len(title) > MAX_TITLE:
        _fail(f"--title: longer than {MAX_TITLE} characters")
    return title


def _destination(output: str, suggested: str) -> Path:
    """``-o FOLDER/`` (or an existing folder) gets the suggested file name inside it."""
    if output.endswith(("/", os.sep)) or Path(output).is_dir():
        return Path(output) / suggested
    return Path(output)


def _write(path: Path, text: str, force: bool) -> None:
    """Write the draft, never over an existing file unless ``force``; ``x`` mode also refuses a
    link put where the file would go, so nothing is written through one."""
    from reviewer.source import describe_os_error
    from reviewer.workspace import escapes, repo_root, write_atomic

    if escapes(path, repo_root()):
        _fail(f"{path}: is a symbolic link that leads outside the working tree or into .git; not written")
    data = text.encode("utf-8")
    try:
        if force:
            write_atomic(path, data)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as fh:
            fh.write(data)
    except FileExistsError:
        _fail(f"{path}: already exists; not overwritten (pass --force to replace it)")
    except OSError as exc:
        _fail(f"{path}: cannot write: {describe_os_error(exc)}")


@click.command("new", short_help="Start a postmortem draft from the template.")
@click.option("--title", help=f"The incident's title [default: {DEFAULT_TITLE}].")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The incident's date, YYYY-MM-DD [default: today, in UTC].",
)
@click.option(
    "--template",
    "template_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A Markdown template to use instead of the configured or the built-in one.",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(),  # a str: a trailing "/" (a folder) survives
    help="Write the draft to this file (into a folder: under its suggested name) instead of stdout.",
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@options.config_file
def new(
    title: str | None,
    day: datetime | None,
    template_file: Path | None,
    output_file: str | None,
    force: bool,
    config_file: Path | None,
) -> None:
    """Start a postmortem draft from the team's template.

    The draft has the sections the configuration requires (`required-sections`), each with a
    prompt in an HTML comment, and front matter with id, title, date, severity and services.
    `template` in the configuration, or --template, names a Markdown template to use instead;
    {{title}}, {{date}} and {{id}} in it are filled in. Without -o the draft goes to stdout and
    its suggested file name (YYYY-MM-DD-slug.md) to stderr.
    """
    from reviewer.config import ConfigError, discover, load_file

    meta = Meta(_title(title), day.date() if day is not None else datetime.now(UTC).date())
    try:
        config = load_file(config_file) if config_file is not None else discover(Path.cwd())
    except ConfigError as exc:
        _fail(str(exc))
    aliases = config.section_aliases if config is not None else {}
    required = config.required_sections if config is not None else None
    chosen = template_file or (config.template if config is not None else None)
    names = sections_for(required)
    if chosen is None:
        draft = fill(builtin_text(names, aliases), meta)
    else:
        try:
            draft = fill(read_template(chosen), meta)
        except TemplateError as exc:
            _fail(str(exc))
        wanted = list(required) if required is not None else _default_sections()[0]
        lacking = missing_sections(draft, wanted, aliases)
        if lacking:
            echo_warning(
                f"{chosen}: the template has no section for {', '.join(lacking)}, which the configuration "
                "requires (ST001 will report it)"
            )
    if output_file is None:
        click.echo(draft, nl=False)
        click.echo(f"pmreview: suggested file name: {meta.file_name} (write it there with -o)", err=True)
        return
    path = _destination(output_file, meta.file_name)
    _write(path, draft, force)
    click.echo(one_line(f"Created {path}; review it with: pmreview review {path}"), err=True)
