"""Inputs pmreview must refuse cleanly (one error line naming the file) or handle.

Each error case also passes a good file in the same call, which must still be reviewed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import HUMAN_ERROR

from reviewer.engine import FileResult, Input, expand
from reviewer.source import MAX_BYTES, InputError, decode

GOOD = f"# Incident\n\n{HUMAN_ERROR}\n"


@pytest.fixture
def good(write) -> Path:
    return write("good.md", GOOD)


def _results(report) -> dict[str, FileResult]:
    return {r.path: r for r in report.files}


def _check_good_reviewed(report, good: Path) -> None:
    result = _results(report)[str(good)]
    assert result.error is None
    assert [(f.code, f.line, f.column) for f in result.findings] == [("BL001", 3, 10)]


BAD_BYTES = [
    pytest.param("latin1.md", "Caf\xe9 human error.\n".encode("latin-1"), ("not valid UTF-8", "line 1"), id="non-utf8"),
    pytest.param("late-bad.md", b"ok\n\nline three \xff\xfe\n", ("not valid UTF-8", "line 3"), id="non-utf8-line-3"),
    pytest.param("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", ("binary",), id="binary-nul"),
    pytest.param("utf16.md", "This was human error.\n".encode("utf-16"), ("UTF-16", "reads UTF-8"), id="utf16-bom"),
    pytest.param("utf16le.md", "This was human error.\n".encode("utf-16-le"), ("UTF-16",), id="utf16le-no-bom"),
    pytest.param("utf16be.md", "This was human error.\n".encode("utf-16-be"), ("UTF-16",), id="utf16be-no-bom"),
    pytest.param(
        "late-nul.md", b"# Notes\n\n" + b"Plain text.\n" * 1000 + b"\x00tail\n", ("binary",), id="nul-after-8k"
    ),
]


@pytest.mark.parametrize(("name", "data", "needles"), BAD_BYTES)
def test_undecodable_file_is_an_error_naming_it(
    write, good, review_files, name: str, data: bytes, needles: tuple
) -> None:
    bad = write(name, data)
    report = review_files(bad, good)
    result = _results(report)[str(bad)]
    assert result.findings == []
    assert result.error is not None
    assert result.error.startswith(f"{bad}: ")
    assert "\n" not in result.error
    for needle in needles:
        assert needle in result.error
    assert report.errors == [result.error]
    _check_good_reviewed(report, good)


def test_empty_file(write, good, review_files, cli) -> None:
    empty = write("empty.md", b"")
    report = review_files(empty, good)
    result = _results(report)[str(empty)]
    assert result.error is None and result.findings == []
    _check_good_reviewed(report, good)
    assert cli("review", empty).exit_code == 0


@pytest.mark.parametrize("content", ["\n\n\n", "   \n\t\n", "\ufeff", "<!-- -->\n", "---\ntitle: x\n---\n"])
def test_near_empty_files(review, content: str) -> None:
    assert review(content) == []


def test_huge_file_in_process(write, good, review_files) -> None:
    huge = write("huge.md", (HUMAN_ERROR + "\n") * (10 * 1024 * 1024 // (len(HUMAN_ERROR) + 1) + 1))
    assert huge.stat().st_size > MAX_BYTES
    report = review_files(huge, good)
    result = _results(report)[str(huge)]
    assert result.error is not None and result.error.startswith(f"{huge}: ")
    assert "too large" in result.error
    assert result.findings == []
    _check_good_reviewed(report, good)


def test_huge_file_cli_one_line_error_exit_2(write, good, run_pmreview, tmp_path) -> None:
    huge = write("huge.md", b"x" * (10 * 1024 * 1024))
    proc = run_pmreview("review", huge, good, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    stderr = proc.stderr.decode()
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"pmreview: error: {huge}: ")
    assert "too large" in lines[0]
    data = json.loads(proc.stdout)
    assert [(f["path"], f["code"]) for f in data["findings"]] == [(str(good), "BL001")]


def test_huge_stdin_is_refused() -> None:
    with pytest.raises(InputError) as info:
        decode("<stdin>", b"a" * (MAX_BYTES + 1))
    assert str(info.value).startswith("<stdin>: ")
    assert "too large" in str(info.value)


def test_binary_and_bad_utf8_cli(write, good, run_pmreview, tmp_path) -> None:
    binary = write("blob.md", bytes(range(256)) * 4)
    latin = write("latin.md", "Résumé\n".encode("latin-1"))
    proc = run_pmreview("review", binary, latin, good, cwd=tmp_path)
    assert proc.returncode == 2
    stderr = proc.stderr.decode()
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 2, stderr
    assert lines[0].startswith(f"pmreview: error: {binary}: ") and "binary" in lines[0]
    assert lines[1].startswith(f"pmreview: error: {latin}: ") and "UTF-8" in lines[1]
    assert f"{good}" in proc.stdout.decode() and "BL001" in proc.stdout.decode()


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda t: t.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(lambda t: b"\xef\xbb\xbf" + t.encode(), id="bom"),
        pytest.param(lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(), id="bom-crlf"),
    ],
)
def test_crlf_and_bom_files_match_lf(write, review_files, variant) -> None:
    text = f"Ünïcödé intro.\n\n- {HUMAN_ERROR}\n\nRoot cause: a bad deploy.\n"
    lf = write("lf.md", text.encode())
    other = write("other.md", variant(text))
    report = review_files(lf, other)
    results = _results(report)

    def key(r: FileResult) -> list[tuple]:
        return [(f.code, f.line, f.column, f.end_line, f.end_column, f.match, f.fingerprint) for f in r.findings]

    assert results[str(other)].error is None
    assert key(results[str(other)]) == key(results[str(lf)])
    assert len(key(results[str(lf)])) == 2


def test_directory_without_markdown(tmp_path: Path, good, review_files) -> None:
    empty_dir = tmp_path / "assets"
    empty_dir.mkdir()
    (empty_dir / "logo.png").write_bytes(b"\x89PNG")
    (empty_dir / "notes.rst").write_text("Human error.\n")
    report = review_files(empty_dir, good)
    result = _results(report)[str(empty_dir)]
    assert result.error is not None and result.error.startswith(f"{empty_dir}: ")
    assert "no Markdown" in result.error
    _check_good_reviewed(report, good)


def test_directory_with_markdown_is_recursed(tmp_path: Path, write, review_files) -> None:
    a = write("docs/a.md", GOOD)
    b = write("docs/sub/b.markdown", GOOD)
    c = write("docs/sub/c.txt", GOOD)
    write("docs/sub/d.rst", GOOD)
    write("docs/node_modules/e.md", GOOD)
    write("docs/.git/f.md", GOOD)
    report = review_files(tmp_path / "docs")
    assert sorted(r.path for r in report.files) == sorted(str(p) for p in (a, b, c))
    assert not report.errors


def test_missing_path(tmp_path: Path, good, review_files) -> None:
    missing = tmp_path / "missing.md"
    items = expand([str(missing), str(good)])
    assert isinstance(items[0], FileResult) and items[0].error == f"{missing}: no such file or directory"
    assert isinstance(items[1], Input) and items[1].file == good
    report = review_files(missing, good)
    assert report.errors == [f"{missing}: no such file or directory"]
    _check_good_reviewed(report, good)


def test_directory_and_missing_path_cli(tmp_path: Path, good, cli) -> None:
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    result = cli("review", empty_dir, good)
    assert result.exit_code == 2
    assert f"pmreview: error: {empty_dir}: " in result.stderr
    assert "BL001" in result.stdout
