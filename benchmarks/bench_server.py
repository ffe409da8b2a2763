"""How fast `pmreview server` re-reviews a 300-line draft after an edit, warm; prints numbers.

    python benchmarks/bench_server.py [--runs 30] [--draft FILE]

The draft is 300 lines of postmortems: the sample drafts of ../shared/data/samples when they
are there, else this repository's example draft and corpus examples (numbers varied per copy,
so the copies are not the same sentences). Each run changes one word on one prose line, as
typing does, and the previous run's text is the starting point of the next.

Three measurements, each after a warm-up review (spaCy and the rules loaded):

- engine: ``review_buffer`` in-process with every sentence parsed again (what the server
  would cost without its parse memo);
- server path: the same with the server's parse memo installed (only changed sentences
  are parsed);
- over LSP: ``pmreview server --debounce-ms 0`` in a subprocess, from sending
  textDocument/didChange to receiving the publishDiagnostics of that version (the
  server's debounce is what an editor adds on top, 300 ms by default).

Asserts nothing: the target (under 200 ms on the development machine) is read off the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "data" / "samples"
LINES = 300
WORDS = ["quickly", "again", "partly", "mostly", "then", "still"]


def draft(path: Path | None) -> tuple[str, str]:
    """(text, where it came from): 300 lines of postmortem prose."""
    if path is not None:
        return path.read_text(encoding="utf-8"), str(path)
    if SAMPLES.is_dir() and sorted(SAMPLES.glob("0*.md")):
        parts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("0*.md"))]
        where = f"{SAMPLES.relative_to(ROOT.parent)}/0*.md"
    else:
        files = [
            ROOT / "examples" / "2026-11-03-checkout-draft.md",
            *sorted((ROOT / "corpus" / "examples").glob("*.md")),
        ]
        parts = [f.read_text(encoding="utf-8") for f in files]
        where = "examples/ and corpus/examples/"
    lines: list[str] = []
    copy = 0
    while len(lines) < LINES:
        for text in parts:
            shift = copy
            lines += re.sub(r"\d+", lambda m, s=shift: str(int(m.group(0)) + s), text).splitlines()
        copy += 1
    return "\n".join(lines[:LINES]) + "\n", where


def prose_lines(text: str) -> list[int]:
    """Lines an author would be typing into: sentences of at least six words, outside front matter."""
    out = []
    for i, line in enumerate(text.split("\n")):
        if len(line.split()) >= 6 and not line.lstrip().startswith(("#", "|", "---", "```", "id:", "title:")):
            out.append(i)
    return out


def edits(text: str, runs: int) -> list[str]:
    """``runs`` successive versions, each one word different from the one before."""
    lines = text.split("\n")
    targets = prose_lines(text)
    out = []
    for k in range(runs):
        i = targets[(k * 7) % len(targets)]
        words = lines[i].split(" ")
        at = max(1, len(words) // 2)
        words.insert(at, WORDS[k % len(WORDS)])
        lines[i] = " ".join(words)
        out.append("\n".join(lines))
    return out


def summary(label: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"{label:<34} p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms   (n={len(ms)})"


def in_process(text: str, versions: list[str], path: Path) -> None:
    from reviewer import nlp
    from reviewer.server import memo
    from reviewer.server.review import review_buffer

    review_buffer(text, path)  # load spaCy and the rules
    plain = []
    for v in versions:
        start = time.perf_counter()
        result = review_buffer(v, path)
        plain.append(time.perf_counter() - start)
    assert result.problem is None, result.problem
    print(summary("engine (every sentence parsed)", plain))

    m = memo.install()
    review_buffer(text, path)  # fills the memo, as the server's first review of the open document does
    timed = []
    for v in versions:
        start = time.perf_counter()
        result = review_buffer(v, path)
        timed.append(time.perf_counter() - start)
    print(summary("server path (parse memo)", timed))
    print(f"{'':<34} memo: {m.hits} parses reused, {m.misses} parsed; {len(result.findings)} findings")
    nlp.parse = m._parse  # type: ignore[assignment]  # leave the process as it was


async def over_lsp(text: str, versions: list[str], path: Path) -> None:
    from lsprotocol import types
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("bench", "1")
    arrived: dict[int, float] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _published(params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            arrived.setdefault(params.version, time.perf_counter())

    await client.start_io(
        sys.executable,
        "-m",
        "reviewer.server",
        "--debounce-ms",
        "0",
        "--log-level",
        os.environ.get("BENCH_LOG", "warning"),
    )
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=path.parent.as_uri())
    )
    client.initialized(types.InitializedParams())
    drain = asyncio.ensure_future(forward_stderr(client._server))
    uri = path.as_uri()

    async def wait(version: int) -> float:
        while version not in arrived:
            await asyncio.sleep(0.001)
        return arrived[version]

    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "markdown", 1, text)))
    await wait(1)
    timed = []
    for k, v in enumerate(versions, start=2):
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(k, uri), [types.TextDocumentContentChangeWholeDocument(v)]
            )
        )
        timed.append(await wait(k) - sent)
    print(summary("over LSP (didChange -> diagnostics)", timed))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    drain.cancel()


async def forward_stderr(server) -> None:
    """The server's log to ours: a stderr pipe nobody reads fills up and stops the server."""
    while line := await server.stderr.readline():
        sys.stderr.write(line.decode("utf-8", "replace"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="edits timed per measurement")
    parser.add_argument("--draft", type=Path, help="a draft to edit instead of the 300 built-in lines")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    text, where = draft(args.draft)
    versions = edits(text, args.runs)
    print(f"draft: {len(text.splitlines())} lines, {len(text.split())} words, from {where}; one word changed per run")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "draft.md"
        path.write_text(text, encoding="utf-8")
        in_process(text, versions, path)
        asyncio.run(over_lsp(text, versions, path))


if __name__ == "__main__":
    main()
