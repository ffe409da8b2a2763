"""``pmreview server`` driven through a real LSP client over stdio (pytest-lsp, pygls' client).

One server process for the module (it loads spaCy once, about two seconds); each test opens
its own document, so the tests do not depend on their order. The client advertises Neovim
0.7's capabilities (pytest-lsp ships them and checks every answer against them). Edits the
server proposes are applied here as an editor would, and the result is sent back.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from conftest import HUMAN_ERROR, ROOT_CAUSE

pytest.importorskip("pytest_lsp")

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

pytestmark = pytest.mark.asyncio(loop_scope="module")
TIMEOUT = 60.0


class Client(LanguageClient):
    """pytest-lsp's client, also keeping every publishDiagnostics with its version."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.published: dict[str, list[types.PublishDiagnosticsParams]] = {}


def _record(client: Client, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.setdefault(params.uri, []).append(params)


def _make_client() -> Client:
    from pygls.protocol import default_converter

    client = Client(converter_factory=default_converter)
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _record})
    return client


CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "reviewer.server", "--debounce-ms", "50"],
    client_factory=_make_client,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("drafts")


@pytest_lsp.fixture(scope="module", config=CONFIG)
async def client(lsp_client: Client, folder: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("neovim@v0.7.0"), root_uri=folder.as_uri())
    )
    yield
    await lsp_client.shutdown_session()
    assert lsp_client._server is not None and lsp_client._server.returncode == 0


async def published(client: Client, uri: str, version: int | None = None) -> list[types.Diagnostic]:
    """The diagnostics published for ``uri`` at ``version`` (the latest ones when version is None)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        for p in reversed(client.published.get(uri, [])):
            if version is None or p.version == version:
                return list(p.diagnostics)
        assert loop.time() < deadline, f"no diagnostics for {uri} at version {version}: {client.published.get(uri)}"
        await asyncio.sleep(0.02)


def open_doc(client: Client, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "markdown", version, text))
    )
    return uri


def change(client: Client, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version, uri), [types.TextDocumentContentChangeWholeDocument(text)]
        )
    )


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions) to ``text``, as an editor does: from the end."""
    lines = text.split("\n")

    def offset(p: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[: p.line])
        line = lines[p.line] if p.line < len(lines) else ""
        units, i = 0, 0
        while i < len(line) and units < p.character:
            units += 2 if ord(line[i]) > 0xFFFF else 1
            i += 1
        return before + i

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edits_of(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    assert action.edit is not None
    if action.edit.document_changes:
        (change_,) = action.edit.document_changes
        assert change_.text_document.uri == uri
        return list(change_.edits)
    return list(action.edit.changes[uri])


async def actions_at(client: Client, uri: str, diagnostic: types.Diagnostic) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext([diagnostic])
        )
    )
    return list(result or [])


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


# --- the tests -------------------------------------------------------------------------------

DRAFT = f"# Incident\n\n{HUMAN_ERROR}\n\n{ROOT_CAUSE}\n"
SELECT = '[tool.pmreview]\nselect = ["BL001", "RC001", "PM"]\n'


@pytest.fixture(scope="module")
def project(folder: Path) -> Path:
    """A folder whose pyproject.toml keeps the findings to the two the drafts are written for."""
    root = folder / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text(SELECT, encoding="utf-8")
    return root


async def test_open_publishes_findings_with_exact_ranges_and_rule_links(client: Client, project: Path) -> None:
    uri = open_doc(client, project / "open.md", DRAFT)
    diagnostics = await published(client, uri, 1)
    assert codes(diagnostics) == ["BL001", "RC001"]
    bl001 = next(d for d in diagnostics if d.code == "BL001")
    assert bl001.range == types.Range(types.Position(2, 9), types.Position(2, 20))  # "human error"
    assert bl001.severity == types.DiagnosticSeverity.Warning
    assert bl001.source == "pmreview"
    assert bl001.code_description is not None and bl001.code_description.href.endswith("/docs/rules/BL001.md")


async def test_a_change_is_reviewed_again(client: Client, project: Path) -> None:
    uri = open_doc(client, project / "change.md", DRAFT)
    assert codes(await published(client, uri, 1)) == ["BL001", "RC001"]
    change(client, uri, f"# Incident\n\n{ROOT_CAUSE}\n", 2)
    assert codes(await published(client, uri, 2)) == ["RC001"]


async def test_quick_fix_from_a_suggestion_clears_the_finding(client: Client, project: Path) -> None:
    uri = open_doc(client, project / "fix.md", DRAFT)
    rc001 = next(d for d in await published(client, uri, 1) if d.code == "RC001")
    actions = await actions_at(client, uri, rc001)
    titles = [a.title for a in actions]
    assert "RC001: disable for this line" in titles and "RC001: disable for this file" in titles
    fix = next(a for a in actions if a.title.startswith("RC001: replace with"))
    assert fix.kind == types.CodeActionKind.QuickFix
    fixed = apply_edits(DRAFT, edits_of(fix, uri))
    assert fixed != DRAFT and HUMAN_ERROR in fixed  # only the framing changed
    change(client, uri, fixed, 2)
    assert codes(await published(client, uri, 2)) == ["BL001"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (DRAFT, "BL001"),
        (f"# Incident\n\n- {HUMAN_ERROR}\n- {ROOT_CAUSE}\n", "RC001"),  # a list stays one list
        (f"# Incident\n\nIt was a long night.\n{HUMAN_ERROR}\n", "BL001"),  # a wrapped paragraph stays one
        (f"# Incident\n\n| What | Why |\n|---|---|\n| a | b |\n| c | {HUMAN_ERROR} |\n", "BL001"),
    ],
    ids=["paragraph", "list-item", "wrapped-line", "table-row"],
)
async def test_disable_for_this_line_silences_only_that_line(client: Client, project: Path, text: str, code: str):
    path = project / f"line-{abs(hash(text))}.md"
    uri = open_doc(client, path, text)
    diagnostic = next(d for d in await published(client, uri, 1) if d.code == code)
    action = next(a for a in await actions_at(client, uri, diagnostic) if a.title == f"{code}: disable for this line")
    silenced = apply_edits(text, edits_of(action, uri))
    assert f"<!-- pmreview-disable-next-line {code} -->" in silenced
    change(client, uri, silenced + f"\n{HUMAN_ERROR}\n\n{ROOT_CAUSE}\n", 2)
    after = [d for d in await published(client, uri, 2) if d.code in (code, "PM001")]
    # silenced where it was; the same finding below, which no directive covers, is still reported
    assert [(d.code, d.range.start.line) for d in after] == [
        (code, len(silenced.splitlines()) + (1 if code == "BL001" else 3))
    ]
    assert _structure(silenced) == _structure(text)  # no paragraph split, no list or table broken


def _structure(text: str) -> list[str]:
    """The Markdown blocks a renderer sees, HTML comments left out."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    return [t.type for t in tokens if t.type != "html_block"]


async def test_disable_for_this_file_goes_after_the_front_matter(client: Client, project: Path) -> None:
    text = f"---\ntitle: x\n---\n# Incident\n\n{HUMAN_ERROR}\n\n{HUMAN_ERROR}\n\n{ROOT_CAUSE}\n"
    uri = open_doc(client, project / "file.md", text)
    diagnostic = next(d for d in await published(client, uri, 1) if d.code == "BL001")
    action = next(a for a in await actions_at(client, uri, diagnostic) if a.title == "BL001: disable for this file")
    silenced = apply_edits(text, edits_of(action, uri))
    assert silenced.startswith("---\ntitle: x\n---\n<!-- pmreview-disable-file BL001 -->\n# Incident")
    change(client, uri, silenced, 2)
    assert codes(await published(client, uri, 2)) == ["RC001"]


async def test_hover_shows_the_rule_docs(client: Client, project: Path) -> None:
    uri = open_doc(client, project / "hover.md", DRAFT)
    await published(client, uri, 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 12))
    )
    assert hover is not None
    value = hover.contents.value
    assert value.startswith("**BL001**")
    assert "**Why**" in value and "**Instead**" in value and "docs/rules/BL001.md" in value
    nothing = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 2))
    )
    assert nothing is None


async def test_positions_count_utf16_units_and_keep_crlf(client: Client, project: Path) -> None:
    text = f"# Incident 🔥\r\n\r\n🔥🔥 {HUMAN_ERROR}\r\n"
    uri = open_doc(client, project / "emoji.md", text)
    (d,) = await published(client, uri, 1)
    assert d.range == types.Range(types.Position(2, 14), types.Position(2, 25))  # 🔥 is two UTF-16 units
    action = next(a for a in await actions_at(client, uri, d) if a.title == "BL001: disable for this line")
    assert "\r\n" in edits_of(action, uri)[0].new_text


async def test_configuration_is_found_per_document_and_reloaded(client: Client, folder: Path) -> None:
    team = folder / "team"
    team.mkdir()
    uri = open_doc(client, team / "draft.md", DRAFT)
    assert "BL001" in codes(await published(client, uri, 1))  # no configuration: the defaults
    before = len(client.published[uri])
    (team / ".pmreview.toml").write_text('ignore = ["BL001"]\n', encoding="utf-8")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while len(client.published[uri]) == before:  # the server notices the new file by itself
        assert loop.time() < deadline
        await asyncio.sleep(0.05)
    assert "BL001" not in codes(await published(client, uri))
    (team / ".pmreview.toml").write_text("ignore = [\n", encoding="utf-8")  # does not parse
    change(client, uri, DRAFT + "\n", 2)
    (problem,) = await published(client, uri, 2)
    assert problem.message.startswith("not reviewed: ") and "invalid TOML" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        "binary\x00content\n",
        "lone \ud800 surrogate and human error.\n",
        "x" * (6 * 1024 * 1024),
        f"# Incident\n\n{HUMAN_ERROR}\n\n" * 1050,
    ],
    ids=["nul", "surrogate", "too-large", "many-findings"],
)
async def test_hostile_documents_get_a_diagnostic_and_the_server_lives(client: Client, project: Path, text: str):
    uri = open_doc(client, project / f"hostile-{len(text)}.md", text)
    diagnostics = await published(client, uri, 1)
    assert all(d.source == "pmreview" for d in diagnostics)
    if "\x00" in text or len(text) > 1_000_000:
        (d,) = diagnostics
        assert d.message.startswith("not reviewed: ")
    elif len(diagnostics) > 1:  # 1,050 findings: the first thousand, and a note where the rest begin
        assert len(diagnostics) == 1001
        assert diagnostics[-1].message.startswith("50 more findings from here on are not shown")
        assert diagnostics[-1].range.start.line == 4 * 1000 + 2
    else:
        assert codes(diagnostics) == ["BL001"]
    # a URI that does not parse, and a request about a document never opened
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem("file://%zz/\x00.md", "markdown", 1, HUMAN_ERROR))
    )
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier("untitled:never-opened"), types.Position(99, 99))
    )
    assert hover is None
    change(client, "untitled:never-opened", HUMAN_ERROR, 7)  # a change to a document never opened
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier("untitled:never-opened"),
            types.Range(types.Position(0, 0), types.Position(0, 5)),
            types.CodeActionContext([]),
        )
    )
    assert not actions
    again = open_doc(client, project / f"alive-{len(text)}.md", DRAFT)
    assert codes(await published(client, again, 1)) == ["BL001", "RC001"]
