"""Starting the server: stdout kept for the protocol alone, logging to stderr.

Anything that prints while the server runs (a library's warning, a stray ``print``) would
land in the middle of the LSP stream and break the client's framing. So the protocol gets
its own handle on the original stdout, and file descriptor 1 and ``sys.stdout`` are pointed
at stderr, where editors collect a server's log.
"""

from __future__ import annotations

import logging
import os
import sys


def serve(debounce: float = 0.3, log_level: str = "warning") -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, log_level.upper()),
        format="pmreview server %(levelname)s: %(message)s",
    )
    if log_level != "debug":  # pygls logs every message at info: that is for debugging the protocol
        logging.getLogger("pygls").setLevel(max(logging.WARNING, logging.getLogger().level))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    from reviewer.server.lsp import make_server

    server = make_server(debounce)
    server.start_io(sys.stdin.buffer, protocol_out)
    # LSP: exit status 0 after a shutdown request, 1 when the client left without one
    code = 0 if getattr(server.protocol, "_shutdown", False) else 1
    logging.getLogger("pmreview.server").info("server stopped (exit status %d)", code)
    try:
        sys.stderr.flush()
    finally:
        os._exit(code)  # a review still running on the worker thread must not hold the exit
