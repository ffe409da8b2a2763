"""Recurring factors: an index of past incidents' contributing factors, and a hybrid matcher.

* ``store``: the index file (per document its factors, one MiniLM vector per factor
  sentence and one per whole incident), written atomically and read with every field checked;
* ``indexing``: building and updating the index from a corpus folder (only changed files are embedded);
* ``lexical``: stems, stop words, BM25 and TF-IDF;
* ``matcher``: factor pairs scored by fusing MiniLM, the weakness taxonomy and BM25;
* ``ranking``: past incidents ranked by factor-level and whole-incident evidence, calibrated.

The names other modules use are re-exported here: ``from reviewer.recurrence import Matcher``.
"""

from reviewer.recurrence.indexing import CORPUS_EXTENSIONS, NOT_INCIDENTS, build, corpus_files
from reviewer.recurrence.lexical import BM25, STOP, TfIdf, _stem, terms
from reviewer.recurrence.matcher import CONFIDENT, DEFAULT_THRESHOLD, W_LEX, W_SEM, W_WEAK, Match, Matcher, Scores
from reviewer.recurrence.ranking import CALIBRATION, calibrated, incidents
from reviewer.recurrence.store import (
    FORMAT,
    INDEX_FILE,
    MEMBERS,
    REBUILD,
    REINDEX,
    CorpusDoc,
    CorruptFile,
    Index,
    IndexError_,
    IndexMissing,
    index_path,
    load,
    read_npz,
    save,
    sentences,
)

__all__ = [
    "BM25",
    "CALIBRATION",
    "CONFIDENT",
    "CORPUS_EXTENSIONS",
    "DEFAULT_THRESHOLD",
    "FORMAT",
    "INDEX_FILE",
    "MEMBERS",
    "NOT_INCIDENTS",
    "REBUILD",
    "REINDEX",
    "STOP",
    "W_LEX",
    "W_SEM",
    "W_WEAK",
    "CorpusDoc",
    "CorruptFile",
    "Index",
    "IndexError_",
    "IndexMissing",
    "Match",
    "Matcher",
    "Scores",
    "TfIdf",
    "_stem",
    "build",
    "calibrated",
    "corpus_files",
    "incidents",
    "index_path",
    "load",
    "read_npz",
    "save",
    "sentences",
    "terms",
]
