"""Where the shipped data lives, in a checkout and in an installed wheel alike.

``reviewer/data/rules`` and ``reviewer/data/corpus`` are symlinks to the top-level
``rules/`` and ``corpus/`` folders (and ``reviewer/models`` to ``models/``), so the
same paths work from a checkout, an editable install and a wheel, where the build
copies the linked files into the package.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def rules_dir() -> Path:
    return PACKAGE / "data" / "rules"


def lexicon_dir() -> Path:
    return rules_dir() / "lexicons"


def models_dir() -> Path:
    return PACKAGE / "models"


def corpus_dir() -> Path:
    return PACKAGE / "data" / "corpus"
