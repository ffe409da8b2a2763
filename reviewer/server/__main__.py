"""``python -m reviewer.server``: the language server without the pmreview command line (tests, editors)."""

from reviewer.server.cli import server

if __name__ == "__main__":
    server()
