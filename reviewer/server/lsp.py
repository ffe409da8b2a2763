"""The pygls language server: documents in, diagnostics, quick fixes and hovers out.

Reviews run on one worker thread (spaCy is loaded once, and never used from two threads),
so the event loop keeps answering while a long draft is reviewed. A change is reviewed
after a pause in typing (``debounce``; longer for a document whose last review took longer,
so a big one is not reviewed on every key); opening and saving review at once. A code
action or hover first brings the review up to the buffer's current version, so the ranges
it answers with are those of the text the editor has.

Text is synchronised in full (the client sends the whole buffer on each change): a 300-line
draft is a few KB, and pygls' incremental patching splits lines where LSP does not (U+2028,
form feeds), which would corrupt exactly the hostile documents this must survive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from reviewer import __version__
from reviewer.docs import rule_url
from reviewer.engine import EXTENSIONS
from reviewer.findings import Finding, Severity
from reviewer.server import edits, memo
from reviewer.server.hover import hover_for
from reviewer.server.positions import UTF16, Mapper, newline_of
from reviewer.server.review import Reviewed, review_buffer

log = logging.getLogger("pmreview.server")
LANGUAGES = {"markdown", "md", "plaintext", "text"}
CONFIG_NAMES = (".pmreview.toml", "pyproject.toml")
POLL_SECONDS = 2.0
MAX_DIAGNOSTICS = 1000  # per document: a real draft has dozens; an editor slows down with tens of thousands
SLOW = 1.0  # seconds: a review this long stretches the debounce
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
WARM_UP = "# Summary\n\nThe root cause was a typo, and Bruno should have caught it.\n"


@dataclass
class Entry:
    """The review of one version of an open document."""

    version: int | None
    reviewed: Reviewed
    mapper: Mapper | None
    newline: str


class PmreviewServer(LanguageServer):
    def __init__(self, debounce: float = 0.3) -> None:
        super().__init__("pmreview", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.debounce = debounce
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="pmreview-review")
        self.entries: dict[str, Entry] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self.inflight: dict[str, tuple[int | None, str, asyncio.Task]] = {}
        self.cost: dict[str, float] = {}  # seconds the last review of each document took
        self.config_stamps: dict[str, tuple] = {}  # uri -> its configuration files as its last review saw them
        self.watcher: asyncio.Task | None = None
        self.memo = memo.install()

    def report_server_error(self, error: Exception, source) -> None:
        """Log what went wrong (a request that does not parse, a handler that raised) instead of
        pygls' pop-up in the editor: the server goes on, and a client's bad request is the log's business."""
        log.warning("%s: %s", getattr(source, "__name__", source), error)
        with contextlib.suppress(Exception):
            self.window_log_message(
                types.LogMessageParams(type=types.MessageType.Warning, message=f"pmreview server: {error}")
            )

    # --- documents -----------------------------------------------------------------------

    def wanted(self, uri: str) -> TextDocument | None:
        """The open document at ``uri`` if it is one pmreview reviews (Markdown or text), else None."""
        try:
            doc = self.workspace.text_documents.get(uri)
        except Exception:
            return None
        if doc is None:
            return None
        suffix = os.path.splitext(urlparse(uri).path)[1].lower()
        if (doc.language_id or "").lower() in LANGUAGES or suffix in EXTENSIONS:
            return doc
        return None

    def path_of(self, uri: str) -> Path | None:
        """The file a ``file:`` URI names, or None (unsaved buffers, other schemes, a URI that does not parse)."""
        try:
            from pygls.uris import to_fs_path

            if urlparse(uri).scheme != "file":
                return None
            fs = to_fs_path(uri)
            if not fs or "\x00" in fs or not os.path.isabs(fs):
                return None
            return Path(fs)
        except Exception:
            return None

    def folder(self) -> Path:
        root = None
        with contextlib.suppress(Exception):
            root = self.workspace.root_path
        return Path(root) if root and os.path.isabs(root) else Path.cwd()

    def encoding(self) -> str:
        try:
            enc = self.workspace.position_encoding
        except Exception:
            return UTF16
        return str(getattr(enc, "value", enc) or UTF16)

    # --- reviewing -----------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        """Review ``uri`` after ``delay`` seconds, replacing a review still waiting for it."""
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = asyncio.ensure_future(self._later(uri, delay))

    def delay_for(self, uri: str) -> float:
        """The debounce; for a document whose last review took over a second, as long as that review
        (up to 5 s), so that a very long one is not reviewed again on every key."""
        cost = self.cost.get(uri, 0.0)
        return max(self.debounce, min(cost, 5.0) if cost > SLOW else 0.0)

    async def _later(self, uri: str, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            await self.refresh(uri)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("review of %s failed", uri)

    async def refresh(self, uri: str) -> Entry | None:
        """The review of the buffer's current version: the one stored, one under way, or a new one."""
        doc = self.wanted(uri)
        if doc is None:
            return None
        version, buffer = doc.version, doc.source
        entry = self.entries.get(uri)
        if entry is not None and entry.version == version and entry.reviewed.buffer == buffer:
            return entry
        running = self.inflight.get(uri)
        if running is not None and running[0] == version and running[1] == buffer:
            return await asyncio.shield(running[2])
        task = asyncio.ensure_future(self._review(uri, version, buffer))
        self.inflight[uri] = (version, buffer, task)
        return await asyncio.shield(task)

    async def _review(self, uri: str, version: int | None, buffer: str) -> Entry:
        path, folder = self.path_of(uri), self.folder()
        self.config_stamps[uri] = self.stamp_of(uri)
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        reviewed = await loop.run_in_executor(self.worker, review_buffer, buffer, path, folder)
        elapsed = time.perf_counter() - started
        if uri in self.entries:  # the first review parses every sentence; the next ones mostly reuse them
            self.cost[uri] = elapsed
        mapper = Mapper.of(reviewed.source, buffer, self.encoding()) if reviewed.source is not None else None
        entry = Entry(version, reviewed, mapper, newline_of(buffer))
        current = self.wanted(uri)
        if self.inflight.get(uri, (None, None, None))[2] is asyncio.current_task():
            del self.inflight[uri]
        if current is not None and current.version == version and current.source == buffer:
            self.entries[uri] = entry
            self.publish(uri, entry)
        log.info(
            "reviewed %s v%s: %d findings, review %.0f ms, in all %.0f ms",
            uri,
            version,
            len(reviewed.findings),
            elapsed * 1000,
            (time.perf_counter() - started) * 1000,
        )
        return entry

    def publish(self, uri: str, entry: Entry) -> None:
        reviewed = entry.reviewed
        if reviewed.problem:
            log.warning("%s: %s", uri, reviewed.problem)
            diagnostics = [
                types.Diagnostic(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                    message=f"not reviewed: {reviewed.problem}",
                    severity=types.DiagnosticSeverity.Warning,
                    source="pmreview",
                )
            ]
        elif entry.mapper is None:
            diagnostics = []
        else:
            shown = reviewed.findings[:MAX_DIAGNOSTICS]
            diagnostics = [self.diagnostic(f, entry.mapper) for f in shown]
            if len(reviewed.findings) > len(shown):
                at = self.range(entry.mapper, reviewed.findings[len(shown)].start, reviewed.findings[len(shown)].start)
                diagnostics.append(
                    types.Diagnostic(
                        range=at,
                        message=f"{len(reviewed.findings) - len(shown)} more findings from here on are not shown "
                        "(`pmreview review` lists them all)",
                        severity=types.DiagnosticSeverity.Information,
                        source="pmreview",
                    )
                )
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=entry.version)
        )

    def diagnostic(self, f: Finding, mapper: Mapper) -> types.Diagnostic:
        return types.Diagnostic(
            range=self.range(mapper, f.start, f.end),
            message=f.message,
            severity=SEVERITIES.get(f.severity, types.DiagnosticSeverity.Warning),
            code=f.code,
            code_description=types.CodeDescription(href=rule_url(f.code)),
            source="pmreview",
            data={"fingerprint": f.fingerprint, "name": f.name},
        )

    @staticmethod
    def range(mapper: Mapper, start: int, end: int) -> types.Range:
        (sl, sc), (el, ec) = mapper.position(start), mapper.position(end)
        return types.Range(types.Position(sl, sc), types.Position(el, ec))

    def forget(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.entries.pop(uri, None)
        self.inflight.pop(uri, None)
        self.cost.pop(uri, None)
        self.config_stamps.pop(uri, None)

    # --- configuration -------------------------------------------------------------------

    def stamp_of(self, uri: str, seen: dict[Path, tuple | None] | None = None) -> tuple:
        """What the configuration files that could apply to ``uri`` look like on disk now: the
        ``.pmreview.toml`` and ``pyproject.toml`` of its folder and every folder above (found
        or not yet written), with their modification times, sizes and inodes."""
        seen = {} if seen is None else seen
        path = self.path_of(uri)
        start = path.parent if path is not None else self.folder()
        out = []
        for d in (start, *start.parents):
            for name in CONFIG_NAMES:
                candidate = d / name
                if candidate not in seen:
                    try:
                        st = candidate.stat()
                        seen[candidate] = (st.st_mtime_ns, st.st_size, st.st_ino)
                    except OSError:
                        seen[candidate] = None
                if seen[candidate] is not None:
                    out.append((str(candidate), seen[candidate]))
        return tuple(out)

    def changed_configs(self) -> list[str]:
        """The open documents whose configuration files changed since their last review."""
        seen: dict[Path, tuple | None] = {}
        changed = []
        for uri in list(self.config_stamps):
            if self.wanted(uri) is None:
                del self.config_stamps[uri]
                continue
            now = self.stamp_of(uri, seen)
            if now != self.config_stamps[uri]:
                self.config_stamps[uri] = now
                changed.append(uri)
        return changed

    def review_again(self, uris: list[str]) -> None:
        for uri in uris:
            if self.wanted(uri) is not None:
                self.entries.pop(uri, None)
                self.schedule(uri, 0)

    async def watch_configs(self) -> None:
        """Review a document again when a configuration that could apply to it changes.

        Polled (a few ``stat`` calls every two seconds) rather than left to the client's file
        watcher: not every editor sends workspace/didChangeWatchedFiles, and none for a file
        written outside it. Each document's stamp is taken just before its review reads the
        configuration, so a change made after that is never missed."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                changed = self.changed_configs()
                if changed:
                    log.info("a configuration changed: reviewing %d open documents again", len(changed))
                    self.review_again(changed)
            except Exception:
                log.exception("watching the configuration failed")

    # --- code actions and hover ----------------------------------------------------------

    def supports_document_changes(self) -> bool:
        try:
            edit = self.client_capabilities.workspace.workspace_edit
            return bool(edit and edit.document_changes)
        except AttributeError:
            return False

    def supports_markdown_hover(self) -> bool:
        try:
            formats = self.client_capabilities.text_document.hover.content_format
        except AttributeError:
            return True
        return formats is None or types.MarkupKind.Markdown in formats

    def workspace_edit(self, uri: str, entry: Entry, changes: tuple[edits.Edit, ...]) -> types.WorkspaceEdit:
        assert entry.mapper is not None
        text_edits = [
            types.TextEdit(
                range=self.range(entry.mapper, e.start, e.end),
                new_text=e.text.replace("\n", entry.newline) if entry.newline != "\n" else e.text,
            )
            for e in changes
        ]
        if self.supports_document_changes():
            ident = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=entry.version)
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(ident, text_edits)])
        return types.WorkspaceEdit(changes={uri: text_edits})

    def code_actions(self, uri: str, entry: Entry, params: types.CodeActionParams) -> list[types.CodeAction]:
        reviewed, mapper = entry.reviewed, entry.mapper
        if mapper is None or reviewed.document is None or not reviewed.findings:
            return []
        if params.context.only and not any(
            k == types.CodeActionKind.QuickFix or str(k).startswith("quickfix") for k in params.context.only
        ):
            return []
        lo = mapper.offset(params.range.start.line, params.range.start.character)
        hi = mapper.offset(params.range.end.line, params.range.end.character)
        hits = [f for f in reviewed.findings if f.start <= hi and lo <= max(f.end, f.start)]
        found = edits.directives(reviewed.document)
        out, titles = [], set()
        for f in hits:
            diagnostic = self.diagnostic(f, mapper)
            for action in edits.actions_for(f, reviewed.document, found, entry.newline):
                if action.title in titles:
                    continue
                titles.add(action.title)
                out.append(
                    types.CodeAction(
                        title=action.title,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        is_preferred=action.preferred or None,
                        edit=self.workspace_edit(uri, entry, action.edits),
                    )
                )
        return out

    def hover(self, entry: Entry, position: types.Position) -> types.Hover | None:
        reviewed, mapper = entry.reviewed, entry.mapper
        if mapper is None:
            return None
        at = mapper.offset(position.line, position.character)
        hits = [f for f in reviewed.findings if f.start <= at < max(f.end, f.start + 1)]
        if not hits:
            return None
        kind = types.MarkupKind.Markdown if self.supports_markdown_hover() else types.MarkupKind.PlainText
        return types.Hover(
            contents=types.MarkupContent(kind=kind, value=hover_for(hits, reviewed.rules)),
            range=self.range(mapper, hits[0].start, hits[0].end),
        )


def make_server(debounce: float = 0.3) -> PmreviewServer:
    """A server with every feature registered (one per process: the parse memo is process-wide)."""
    server = PmreviewServer(debounce)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: PmreviewServer, params: types.InitializedParams) -> None:
        loop = asyncio.get_running_loop()
        # load spaCy and the rules now, not when the first document is typed into
        loop.run_in_executor(ls.worker, review_buffer, WARM_UP, None, ls.folder())
        ls.watcher = asyncio.ensure_future(ls.watch_configs())

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: PmreviewServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: PmreviewServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.schedule(uri, ls.delay_for(uri))

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: PmreviewServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: PmreviewServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.forget(uri)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched(ls: PmreviewServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(urlparse(c.uri).path.endswith(CONFIG_NAMES) for c in params.changes):
            ls.review_again(list(ls.workspace.text_documents))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    async def code_action(ls: PmreviewServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        entry = await ls.refresh(uri)
        if entry is None:
            return None
        try:
            return ls.code_actions(uri, entry, params)
        except Exception:
            log.exception("code actions for %s failed", uri)
            return None

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: PmreviewServer, params: types.HoverParams) -> types.Hover | None:
        entry = await ls.refresh(params.text_document.uri)
        if entry is None:
            return None
        try:
            return ls.hover(entry, params.position)
        except Exception:
            log.exception("hover on %s failed", params.text_document.uri)
            return None

    return server
