"""``pmreview server``: the click command; pygls is imported only when it runs."""

from __future__ import annotations

import click


@click.command("server", short_help="Run the language server (LSP on stdio).")
@click.option("--stdio", is_flag=True, help="Talk LSP over stdin/stdout (the default and only transport).")
@click.option(
    "--debounce-ms",
    type=click.IntRange(0, 60_000),
    default=300,
    show_default=True,
    help="Wait this long after the last change before reviewing a document.",
)
@click.option(
    "--log-level",
    type=click.Choice(["error", "warning", "info", "debug"]),
    default="warning",
    show_default=True,
    help="What the server logs to stderr (editors show it in their LSP log).",
)
def server(stdio: bool, debounce_ms: int, log_level: str) -> None:
    """Run the language server (LSP on stdio): diagnostics, quick fixes and rule hovers for Markdown.

    Editors start it and talk to it over stdin and stdout; see docs/editors.md for VS Code,
    Neovim, Helix and Emacs. Configuration is found per document as `pmreview review` finds it.
    """
    from reviewer.server.main import serve

    serve(debounce=debounce_ms / 1000, log_level=log_level)
