"""Input from a stranger's pull request: what pmreview must refuse, and what it must not echo.

Each case is a regression test for a defect found by attacking pmreview as a hostile
contributor would: reads that never end, links out of the checkout, terminal escapes.
Where a file is refused, a good file in the same call must still be reviewed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from conftest import HUMAN_ERROR

from reviewer.engine import FileResult, expand
from reviewer.source import MAX_BYTES, read_stream
from reviewer.terminal import dumps, printable

GOOD = f"# Incident\n\n{HUMAN_ERROR}\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> Path:
    """A working tree (a git top level) as the current directory, with one good draft."""
    root = tmp_path / "checkout"
    (root / ".git").mkdir(parents=True)
    (root / "good.md").write_text(GOOD)
    monkeypatch.chdir(root)
    return root


def _errors(report) -> dict[str, str]:
    return {r.path: r.error for r in report.files if r.error}


def _good_reviewed(report) -> None:
    good = next(r for r in report.files if r.path.endswith("good.md"))
    assert good.error is None and [f.code for f in good.findings] == ["BL001"]


# ---------------------------------------------------------------------------- reads that never end


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_blocking(tree: Path, review_files) -> None:
    os.mkfifo(tree / "pipe.md")  # opening it for reading would block until a writer appears
    report = review_files("pipe.md", "good.md")
    assert _errors(report) == {"pipe.md": "pipe.md: is a named pipe (FIFO), not a regular file"}
    _good_reviewed(report)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_device_is_refused_not_read(tree: Path, review_files) -> None:
    report = review_files("/dev/zero", "good.md")  # st_size is 0, the stream is endless
    assert _errors(report) == {"/dev/zero": "/dev/zero: is a character device, not a regular file"}
    _good_reviewed(report)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_device_cli_one_line_exit_2(tree: Path, cli) -> None:
    result = cli("review", "/dev/zero", "good.md", "--no-cache")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "pmreview: error: /dev/zero: is a character device, not a regular file"
    ]
    assert "BL001" in result.stdout


class _Endless(io.RawIOBase):
    """A stream that never ends, counting what was asked of it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = b"a" * len(buffer)
        self.served += len(buffer)
        return len(buffer)


def test_endless_stdin_is_capped() -> None:
    stream = io.BufferedReader(_Endless())
    data = read_stream(stream)
    assert len(data) == MAX_BYTES + 1  # one byte past the limit tells "too large" without reading on
    assert stream.raw.served < MAX_BYTES + 2 * io.DEFAULT_BUFFER_SIZE


def test_oversized_stdin_cli_refused(tree: Path, cli) -> None:
    result = cli("review", "-", "good.md", "--no-cache", input=b"a" * (MAX_BYTES + 10))
    assert result.exit_code == 2
    assert "<stdin>: file is too large" in result.stderr
    assert "BL001" in result.stdout


# ---------------------------------------------------------------------------- links out of the checkout


def test_symlink_out_of_the_tree_is_not_read(tree: Path, tmp_path: Path, review_files) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(f"token=hunter2 {HUMAN_ERROR}\n")
    (tree / "postmortems").mkdir()
    (tree / "postmortems" / "leak.md").symlink_to(secret)
    for named in ("postmortems/leak.md", "postmortems"):
        report = review_files(named, "good.md")
        errors = _errors(report)
        assert list(errors) == ["postmortems/leak.md"], named
        assert "outside the working tree" in errors["postmortems/leak.md"]
        assert all("hunter2" not in f.context for r in report.files for f in r.findings)
        _good_reviewed(report)


def test_symlinked_folder_out_of_the_tree_is_not_walked(tree: Path, tmp_path: Path, review_files) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "notes.md").write_text(GOOD)
    (tree / "postmortems").symlink_to(outside, target_is_directory=True)
    report = review_files("postmortems", "good.md")
    assert "outside the working tree" in _errors(report)["postmortems"]
    _good_reviewed(report)


def test_symlink_inside_the_tree_is_followed(tree: Path, review_files) -> None:
    (tree / "alias.md").symlink_to(tree / "good.md")
    report = review_files("alias.md")
    assert not report.errors and [f.code for f in report.files[0].findings] == ["BL001"]


def test_file_named_outside_the_tree_is_the_users_choice(tree: Path, tmp_path: Path, review_files) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text(GOOD)
    report = review_files(draft)
    assert not report.errors and [f.code for f in report.files[0].findings] == ["BL001"]


def test_symlink_loop_and_broken_link_say_what_they_are(tree: Path, review_files) -> None:
    (tree / "loop.md").symlink_to(tree / "loop.md")
    (tree / "broken.md").symlink_to(tree / "gone.md")
    report = review_files("loop.md", "broken.md", "good.md")
    errors = _errors(report)
    assert "symbolic link loop" in errors["loop.md"]
    assert "broken symbolic link" in errors["broken.md"]
    _good_reviewed(report)


def test_missing_file_is_still_no_such_file(tree: Path) -> None:
    (item,) = expand(["nothing.md"])
    assert isinstance(item, FileResult) and item.error == "nothing.md: no such file or directory"


# ---------------------------------------------------------------------------- terminal escapes

HOSTILE = (
    "# Incident \x1b]0;pwned\x07\n\n"
    "Dave\x1b should have rolled back \x1b[2J straight away.\x1b]0;x\x07\n\n"
    "This was human error.\x9b31m and \u202eevil\u202c\n"
)
"""Escapes in a heading, beside a match and after one; the rules still see the words."""
SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("color", ["--no-color", "--color"])
def test_text_output_writes_no_control_sequence_from_the_document(tree: Path, cli, color: str) -> None:
    (tree / "evil\x1b[31m.md").write_text(HOSTILE)
    result = cli("review", "evil\x1b[31m.md", color, "--no-cache")
    assert result.exit_code == 1
    out = SGR.sub("", result.stdout) if color == "--color" else result.stdout
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out), repr(out)
    assert "BL003" in out and "BL001" in out
    assert "␛[2J" in out  # shown, not run: the reader sees that something was there


def test_caret_line_still_lines_up_after_escaping(tree: Path, cli) -> None:
    (tree / "d.md").write_text("Intro \x1b[2J: this was human error.\n")
    lines = cli("review", "d.md", "--no-color", "--no-cache").stdout.splitlines()
    source = next(line for line in lines if "human error" in line and "│" in line)
    carets = lines[lines.index(source) + 1]
    assert source.index("human error") == carets.index("^")


def test_github_and_markdown_formats_carry_no_escape(tree: Path, cli) -> None:
    (tree / "d.md").write_text(HOSTILE)
    for fmt in ("github", "markdown"):
        out = cli("review", "d.md", "--format", fmt, "--no-cache").stdout
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out, fmt


@pytest.mark.parametrize("fmt", ["json", "sarif", "rdjson", "rdjsonl", "gitlab"])
def test_json_formats_escape_controls_but_keep_the_data(tree: Path, cli, fmt: str) -> None:
    (tree / "d.md").write_text(HOSTILE)
    out = cli("review", "d.md", "--format", fmt, "--no-cache").stdout
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e]", out.replace("\n", ""))
    docs = [json.loads(line) for line in out.splitlines()] if fmt == "rdjsonl" else [json.loads(out)]
    if fmt == "json":  # the match survives, escaped
        assert "Dave\x1b should have" in _strings(docs)


def _strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        data = list(data.values())
    return [s for item in data for s in _strings(item)] if isinstance(data, list) else []


def test_printable_keeps_width_tab_and_newline() -> None:
    text = "a\x1b[2J\tb\nc\x9b\u202ed\x7f"
    assert len(printable(text)) == len(text)
    assert printable(text) == "a␛[2J\tb\nc��d␡"
    assert printable("plain — ünïcödé 検索 🚨") == "plain — ünïcödé 検索 🚨"
    assert json.loads(dumps({"t": text})) == {"t": text}


def test_actions_csv_is_neither_escape_nor_formula(tree: Path, cli) -> None:
    (tree / "d.md").write_text(
        "# Incident\n\n## Action items\n\n"
        '- =HYPERLINK("http://example.invalid","x") Owner: @sre, due 2026-12-01\n'
        "- Add the \x1b[2Jalert. Owner: @sre, due 2026-12-01\n"
    )
    rows = list(csv.DictReader(io.StringIO(cli("actions", "d.md", "--format", "csv").stdout)))
    assert rows[0]["text"].startswith("'=HYPERLINK")
    assert rows[0]["owner"] == "@sre"  # a plain handle is no formula
    assert "\x1b" not in rows[1]["text"] and "␛" in rows[1]["text"]


# ---------------------------------------------------------------------------- command-line values


def test_match_top_k_must_be_positive(tree: Path, cli) -> None:
    result = cli("match", "good.md", "--corpus", str(tree), "--top-k", "-5")
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "--top-k" in result.output


def test_spacy_model_from_a_config_never_imports_a_module_in_the_checkout(tree: Path, cli) -> None:
    """`spacy-model = "planted"` beside a planted/ package: under `python -m`, the checkout is on sys.path."""
    marker = tree / "ran"
    package = tree / "planted_pipeline"
    package.mkdir()
    (package / "meta.json").write_text("{}")
    (package / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (tree / ".pmreview.toml").write_text('spacy-model = "planted_pipeline"\n')
    (tree / "parse-me.md").write_text("# Incident\n\nDave should have rolled back.\n")  # needs the parser
    import sys

    sys.path.insert(0, str(tree))
    try:
        result = cli("review", "parse-me.md", "--no-cache")
    finally:
        sys.path.remove(str(tree))
    assert result.exit_code == 2
    assert "not an installed spaCy pipeline" in result.stderr
    assert not marker.exists()


def test_link_into_git_metadata_is_not_read(tree: Path, review_files) -> None:
    """actions/checkout keeps the workflow's credentials in .git/config, inside the working tree."""
    (tree / ".git" / "config").write_text("[http]\n\textraheader = AUTHORIZATION: basic c2VjcmV0\n")
    (tree / "postmortems").mkdir()
    (tree / "postmortems" / "x.md").symlink_to(tree / ".git" / "config")
    report = review_files("postmortems", "good.md")
    assert list(_errors(report)) == ["postmortems/x.md"]
    _good_reviewed(report)


def test_a_file_name_cannot_start_a_line_of_its_own(tree: Path, cli) -> None:
    """A newline in a name would put `::error::…` at the start of a line, where CI runners read commands."""
    result = cli("review", "gone\n::error::forged.md", "good.md", "--no-cache")
    assert result.exit_code == 2
    assert not any(line.startswith("::") for line in result.output.splitlines())
    assert "gone␊::error::forged.md: no such file or directory" in result.stderr


@pytest.mark.parametrize("key", ["corpus", "index-dir"])
@pytest.mark.parametrize("folder", ["/etc", "../../elsewhere", ".git/hooks", "docs/../.GIT"])
def test_a_config_in_the_tree_names_no_folder_outside_it(tree: Path, cli, key: str, folder: str) -> None:
    other = 'corpus = "."\n' if key == "index-dir" else ""
    (tree / ".pmreview.toml").write_text(f'{other}{key} = "{folder}"\n')
    result = cli("review", "good.md", "--no-cache")
    assert result.exit_code == 2
    assert "leads outside the working tree" in result.stderr and result.stderr.count("\n") == 1


def test_a_config_outside_the_tree_may_name_any_folder(tree: Path, tmp_path: Path) -> None:
    from reviewer.config import load_file

    elsewhere = tmp_path / "home" / "pmreview.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('corpus = "/srv/postmortems"\n')
    assert load_file(elsewhere).corpus == Path("/srv/postmortems")


@pytest.mark.parametrize("hidden", ["\u200c", "\u200b", "\u00ad", "\u202e", "\u2060"])
def test_invisible_characters_do_not_hide_words(review_result, hidden: str) -> None:
    text = f"# Incident\n\nThe change was care{hidden}less. This was human {hidden}error.\n"
    result = review_result(text)
    found = {f.code: f for f in result.findings}
    assert set(found) >= {"BL001", "BL002"}
    careless = found["BL002"]
    assert careless.match == f"care{hidden}less"  # the span covers exactly the characters in the file
    assert text[careless.start : careless.end] == careless.match
    assert "'careless'" in careless.message  # quoted as a reader sees it
