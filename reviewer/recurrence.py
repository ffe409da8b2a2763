"""Recurring factors: an index of past incidents' contributing factors, and a hybrid matcher.

The index (one ``.npz`` file, written atomically) holds, per corpus document, its
content hash, title, date, action items and factors, and one MiniLM vector per
factor (float16, L2-normalised). Re-indexing embeds only documents whose content
changed and drops deleted ones. The index records the embedding model and its own
format; a mismatch asks for a re-index instead of giving wrong scores.

A match scores each (draft factor, corpus factor) pair by fusing
* semantic similarity: cosine of the MiniLM vectors;
* lexical similarity: BM25 over stemmed words and word pairs, scaled per query;
* the shared weakness: both factors' class probabilities under a taxonomy of systemic
  weaknesses (``models/training/weaknesses.yml``, classifier in ``models/``), so that
  "lag warnings go to a muted channel" meets "disk alerts go to an unread mailing list"
  even though the words differ, and "the warning threshold was above the failover
  limit" does not, although it shares them.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import math
import os
import re
import stat
import struct
import time
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from reviewer.workspace import escapes, repo_root, write_atomic

FORMAT = 5  # 4: dates written in prose are read; 5: title + summary stored as `context`
INDEX_FILE = "index.npz"
STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "without",
        "into",
        "onto",
        "over",
        "under",
        "after",
        "before",
        "during",
        "while",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "not",
        "no",
        "nor",
        "so",
        "than",
        "then",
        "there",
        "their",
        "they",
        "them",
        "we",
        "our",
        "us",
        "you",
        "your",
        "he",
        "she",
        "his",
        "her",
        "i",
        "me",
        "my",
        "as",
        "about",
        "also",
        "any",
        "all",
        "some",
        "such",
        "only",
        "own",
        "same",
        "other",
        "more",
        "most",
        "very",
        "can",
        "could",
        "should",
        "would",
        "will",
        "may",
        "might",
        "must",
        "just",
        "up",
        "down",
        "out",
        "off",
        "again",
        "once",
        "each",
        "few",
        "both",
        "between",
        "through",
        "per",
        "via",
    ]
)


REBUILD = "rebuild it with `pmreview corpus index`"
REINDEX = "re-index with `pmreview corpus index`"


class IndexError_(Exception):
    """An index that cannot be used: missing, corrupt, or built with another model or format.

    ``problem`` says what is wrong without the advice, for ``corpus index`` to report
    before it rebuilds the index from scratch."""

    def __init__(self, path: Path, problem: str, advice: str = REBUILD) -> None:
        super().__init__(f"{path}: {problem}; {advice}")
        self.path = path
        self.problem = problem


class IndexMissing(IndexError_):
    """No index has been built at this path yet."""


SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9(\"'])")


def sentences(text: str) -> list[str]:
    """A factor's sentences: each is embedded on its own and a factor scores as its best sentence,
    so a weakness stated in the second sentence is not diluted by the first."""
    parts = [p.strip() for p in SENTENCE_END.split(text) if len(p.split()) >= 3]
    return parts or [text]


# --- lexical ---------------------------------------------------------------------------


def _stem(word: str) -> str:
    for suffix in ("ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def terms(text: str) -> list[str]:
    words = [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 1]
    return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)]


class BM25:
    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self.avg = float(self.lengths.mean()) if self.n else 1.0
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, d in enumerate(docs):
            for term, tf in Counter(d).items():
                postings[term].append((i, tf))
        self.postings = {
            t: (np.array([r for r, _ in p]), np.array([f for _, f in p], dtype=np.float32)) for t, p in postings.items()
        }

    def scores(self, query: list[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self.lengths / max(self.avg, 1e-9))
        for term in set(query):
            if term not in self.postings:
                continue
            rows, tf = self.postings[term]
            idf = math.log(1 + (self.n - len(rows) + 0.5) / (len(rows) + 0.5))
            out[rows] += idf * tf * (self.k1 + 1) / (tf + norm[rows])
        return out


class TfIdf:
    """Cosine of sublinear TF-IDF vectors over an inverted index (no dense matrix)."""

    def __init__(self, docs: list[list[str]]) -> None:
        self.n = len(docs)
        counts = [Counter(d) for d in docs]
        df: Counter = Counter()
        for c in counts:
            df.update(c.keys())
        self.idf = {t: math.log((1 + self.n) / (1 + f)) + 1 for t, f in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        norms = np.zeros(self.n, dtype=np.float64)
        for i, c in enumerate(counts):
            for t, tf in c.items():
                w = (1 + math.log(tf)) * self.idf[t]
                self.postings[t].append((i, w))
                norms[i] += w * w
        self.norms = np.sqrt(np.maximum(norms, 1e-12))

    def cosine(self, query: list[str]) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float64)
        qn = 0.0
        for t, tf in Counter(query).items():
            if t not in self.idf:
                continue
            w = (1 + math.log(tf)) * self.idf[t]
            qn += w * w
            for i, dw in self.postings[t]:
                out[i] += w * dw
        return out / (self.norms * math.sqrt(qn)) if qn > 0 else out


# --- the index -------------------------------------------------------------------------


@dataclass
class CorpusDoc:
    path: str  # relative to the corpus root
    sha: str
    title: str
    date: str | None
    actions: list[dict]
    factors: list[dict]  # {text, clean, line}
    row: int = 0  # first row of its factors in the vector matrix
    context: str = ""  # title and summary (Incident.context): what happened

    @property
    def profile(self) -> str:
        """Everything that says what the incident was about (as ``Incident.profile``)."""
        return " ".join([self.context, *(f["clean"] for f in self.factors)])


def _rows(doc: CorpusDoc) -> int:
    """Vector rows of a document: one per sentence of each factor."""
    return sum(int(f.get("rows", 1)) for f in doc.factors)


@dataclass
class Index:
    root: Path
    model: str
    docs: list[CorpusDoc]
    vectors: np.ndarray  # (n_factors, dim) float32, normalised
    created: float = field(default_factory=time.time)
    path: Path | None = None  # the file it was loaded from or saved to

    @property
    def factor_count(self) -> int:
        return sum(len(d.factors) for d in self.docs)


def index_path(corpus: Path, index_dir: Path | None = None) -> Path:
    return (index_dir or corpus / ".pmreview") / INDEX_FILE


def save(index: Index, path: Path) -> None:
    """Atomically (reviewer.workspace.write_atomic): readers never see half an index."""
    meta = {
        "format": FORMAT,
        "model": index.model,
        "created": index.created,
        "documents": [d.__dict__ for d in index.docs],
    }
    buf = io.BytesIO()
    np.savez(
        buf, vectors=index.vectors.astype(np.float16), meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    )
    write_atomic(path, buf.getvalue(), durable=True)


# --- reading an index, which a pull request can replace: every field is checked ------------

MEMBERS = {"meta.npy": (np.uint8, 1, 256 << 20), "vectors.npy": (np.float16, 2, 2 << 30)}
"""What ``save`` writes: dtype, dimensions and the most bytes each may hold uncompressed
(256 MiB of JSON, 2 GiB of vectors: 2.8 million factor sentences), so a zip bomb or a
header that declares a huge array is refused before anything is inflated or allocated."""
HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
END_RECORD = struct.Struct("<4s4H2LH")  # the zip's end of central directory, without a comment


class CorruptFile(Exception):
    """What is wrong with an index file, in a few words (no text from the file)."""


def _open_zip(fh, entries: int) -> zipfile.ZipFile:
    """The archive, if it is the comment-free archive of ``entries`` members ``np.savez`` writes:
    checked on the end record first, so a forged central directory of millions of entries is
    never parsed."""
    size = os.fstat(fh.fileno()).st_size
    if size < END_RECORD.size:
        raise CorruptFile("empty" if size == 0 else "truncated")
    fh.seek(size - END_RECORD.size)
    magic, disk, cd_disk, count, total, cd_size, cd_offset, comment = END_RECORD.unpack(fh.read(END_RECORD.size))
    if magic != b"PK\x05\x06" or comment or (disk, cd_disk, count, total) != (0, 0, entries, entries):
        raise CorruptFile("not an index archive, or truncated")
    if cd_size > 2048 * entries or cd_offset + cd_size > size - END_RECORD.size:
        raise CorruptFile("truncated")
    fh.seek(0)
    return zipfile.ZipFile(fh)


def _member(zf: zipfile.ZipFile, name: str, spec: tuple) -> np.ndarray:
    """One array of the archive, after its size, dtype and shape are checked against ``spec``."""
    dtype, ndim, limit = spec
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise CorruptFile(f"no {name}") from None
    if info.file_size > limit:
        raise CorruptFile(f"{name} would be {info.file_size} bytes uncompressed, over the {limit} limit")
    with zf.open(info) as fh:
        reader = HEADERS.get(np.lib.format.read_magic(fh))
        if reader is None:
            raise CorruptFile(f"{name}: unknown .npy version")
        shape, fortran, found = reader(fh)
        if found != np.dtype(dtype) or len(shape) != ndim or fortran:
            raise CorruptFile(f"{name} holds {found} in {len(shape)} dimension(s), not {np.dtype(dtype)} in {ndim}")
        want = math.prod(shape) * found.itemsize
        if min(shape) < 0 or want > info.file_size:
            raise CorruptFile(f"{name} declares more data than it holds")
        data = fh.read(want + 1)
    if len(data) != want:
        raise CorruptFile(f"{name}: {len(data)} bytes of data for a {'x'.join(map(str, shape))} array")
    return np.frombuffer(data, dtype=found).reshape(shape)


def read_npz(path: Path, members: dict[str, tuple]) -> dict[str, np.ndarray]:
    """The arrays of an ``np.savez`` file holding exactly ``members`` ({file name: (dtype, ndim,
    most bytes uncompressed)}), each checked before it is inflated; nothing is unpickled.

    For every ``.npz`` pmreview reads from a corpus folder, which a pull request can replace.
    Raises ``CorruptFile`` saying what is wrong in a few words (no text from the file).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        with os.fdopen(os.open(path, flags), "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise CorruptFile("not a regular file")
            with _open_zip(fh, len(members)) as zf:
                if set(zf.namelist()) != set(members):
                    raise CorruptFile(f"its members are not {', '.join(n.removesuffix('.npy') for n in members)}")
                return {name.removesuffix(".npy"): _member(zf, name, spec) for name, spec in members.items()}
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method
        raise CorruptFile(exc.__class__.__name__) from None


def _read(path: Path) -> tuple[object, np.ndarray]:
    """The parsed meta JSON and the float16 vectors of an index file."""
    arrays = read_npz(path, MEMBERS)
    try:
        return json.loads(arrays["meta"].tobytes().decode("utf-8")), arrays["vectors"]
    except (ValueError, RecursionError):  # not UTF-8 or not JSON, absurd numbers, nesting too deep
        raise CorruptFile("its metadata is not JSON") from None


def _is(value: object, kind: type | tuple[type, ...]) -> bool:
    """``isinstance`` where a JSON true is not a number."""
    return isinstance(value, kind) and not isinstance(value, bool)


def _short(value: object) -> str:
    """A value from the file for a one-line message: quoted, escaped, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


DOC_FIELDS = frozenset(f.name for f in fields(CorpusDoc))
FACTOR_KEYS = frozenset({"text", "clean", "line", "rows"})


def _factor_rows(f: object) -> int:
    """The vector rows of one stored factor, once its fields are checked (``type(...) is``, which
    is also fast: a large index has hundreds of thousands of factors, and a JSON true is no int)."""
    if (
        type(f) is not dict
        or not f.keys() <= FACTOR_KEYS
        or type(f.get("text")) is not str
        or type(f.get("clean")) is not str
        or type(f.get("line")) is not int
        or f["line"] < 1
    ):
        raise CorruptFile("a factor is not {text, clean, line, rows} of the right types")
    rows = f.get("rows", 1)
    if type(rows) is not int or rows < 1:
        raise CorruptFile("a factor's row count is not a positive whole number")
    if rows > 1 and len(sentences(f["clean"])) != rows:  # the Matcher's texts would not line up with the vectors
        raise CorruptFile("a factor's sentences do not match its vector rows")
    return rows


def _document(d: object, row: int) -> tuple[CorpusDoc, int]:
    """One stored document, checked field by field, whose vectors start at ``row``; and its row count."""
    if type(d) is not dict or d.keys() != DOC_FIELDS:
        keys = sorted(d.keys() ^ DOC_FIELDS) if type(d) is dict else []
        raise CorruptFile(
            f"a document is not {{{', '.join(sorted(DOC_FIELDS))}}}" + (f": {keys[:3]!r}" if keys else "")
        )
    if not all(type(d[k]) is str for k in ("path", "sha", "title", "context")) or type(d["date"]) not in (
        str,
        type(None),
    ):
        raise CorruptFile("a document has a field of the wrong type")
    if not d["path"] or d["row"] != row or type(d["row"]) is not int:
        raise CorruptFile("a document has no path, or its first row does not follow the previous document's")
    if type(d["actions"]) is not list or not all(
        type(a) is dict and type(a.get("status")) is str for a in d["actions"]
    ):
        raise CorruptFile("a document's action items are not records with a status")
    if type(d["factors"]) is not list:
        raise CorruptFile("a document's factors are not a list")
    return CorpusDoc(**d), sum(map(_factor_rows, d["factors"]))


def _documents(meta: dict, rows: int) -> list[CorpusDoc]:
    """The stored documents, which must account for exactly ``rows`` vector rows."""
    if type(meta.get("documents")) is not list:
        raise CorruptFile("no list of documents")
    docs, row, seen = [], 0, set()
    for d in meta["documents"]:
        doc, n = _document(d, row)
        if doc.path in seen:
            raise CorruptFile("two documents with the same path")
        seen.add(doc.path)
        docs.append(doc)
        row += n
    if row != rows:
        raise CorruptFile("factor count mismatch")
    return docs


def load(path: Path, model: str | None = None, dim: int | None = None) -> Index:
    """The index at ``path``: IndexMissing when there is none, IndexError_ (with the advice to
    rebuild) when it is corrupt or was built by another model, format or vector size."""
    if not path.is_file():
        raise IndexMissing(
            path, "no index here yet", "build it with `pmreview corpus index CORPUS_DIR` (and the same --index-dir)"
        )
    try:
        meta, vectors = _read(path)
        if not isinstance(meta, dict):
            raise CorruptFile("its metadata is not an object")
        if meta.get("format") != FORMAT or not _is(meta.get("format"), int):
            raise IndexError_(path, f"index format {_short(meta.get('format'))} is not {FORMAT}", REINDEX)
        created = meta.get("created", 0.0)
        if not _is(meta.get("model"), str) or not (_is(created, (int, float)) and abs(created) < 1e12):
            raise CorruptFile("no model name or creation time")
        if model is not None and meta["model"] != model:
            raise IndexError_(path, f"built with model {_short(meta['model'])}, this pmreview uses {model!r}", REINDEX)
        if dim is not None and vectors.shape[1] != dim:
            raise IndexError_(path, f"its vectors have {vectors.shape[1]} values, not {dim}", REINDEX)
        docs = _documents(meta, vectors.shape[0])
        vectors = vectors.astype(np.float32)
        if not np.isfinite(vectors).all():
            raise CorruptFile("vectors that are not finite")
    except CorruptFile as exc:
        raise IndexError_(path, f"the index is corrupt ({exc})") from None
    return Index(path.parent.parent, meta["model"], docs, vectors, float(created), path)


CORPUS_EXTENSIONS = (".md", ".markdown")
# a postmortem folder's housekeeping files, which are not incidents
NOT_INCIDENTS = frozenset({"readme", "license", "licenses", "changelog", "contributing", "code_of_conduct", "template"})


def corpus_files(root: Path) -> list[Path]:
    """The postmortems under ``root``: Markdown files, outside dot-folders, except README,
    LICENSE, CHANGELOG, CONTRIBUTING, CODE_OF_CONDUCT and TEMPLATE files."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix.lower() in CORPUS_EXTENSIONS
        and p.stem.lower() not in NOT_INCIDENTS
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def build(
    root: Path,
    path: Path,
    encoder,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
    warn: Callable[[str], None] | None = None,
) -> tuple[Index, dict]:
    """Create or update the index: only files whose content changed are parsed and embedded.

    An index that cannot be reused (corrupt, another model or format) is rebuilt from
    scratch, and ``warn`` hears why. A file that cannot be read or decoded (gone since the
    listing, not UTF-8, too large, linked out of the working tree) is skipped; ``stats``
    counts them, and ``stats["unreadable"]`` says which and why ("path: reason")."""
    from reviewer.engine import section_aliases
    from reviewer.factors import incident
    from reviewer.markdown import parse
    from reviewer.source import InputError, decode, describe_os_error, read_bounded

    old: Index | None = None
    try:
        old = load(path, encoder.name, encoder.dim)
    except IndexMissing:
        pass
    except IndexError_ as exc:
        if warn is not None:
            warn(f"{path}: {exc.problem}; rebuilding it from scratch")
    previous = {d.path: d for d in old.docs} if old else {}
    files = corpus_files(root)
    unreadable: list[str] = []
    stats: dict = {"added": 0, "updated": 0, "unchanged": 0, "removed": 0, "skipped": 0, "unreadable": unreadable}
    docs: list[CorpusDoc] = []
    rows: list[np.ndarray] = []
    todo: list[tuple[CorpusDoc, list[str]]] = []
    iterator = progress(files) if progress else files
    tree = repo_root()

    def skip(rel: str, why: str) -> None:
        stats["skipped"] += 1
        unreadable.append(f"{rel}: {why}")

    for file in iterator:
        rel = file.relative_to(root).as_posix()
        if escapes(file, tree):
            skip(rel, "is a symbolic link that leads outside the working tree")
            continue
        try:
            data = read_bounded(file)
        except OSError as exc:  # removed since the listing, unreadable, not a regular file
            skip(rel, describe_os_error(exc))
            continue
        sha = hashlib.sha256(data).hexdigest()
        prev = previous.get(rel)
        if prev is not None and prev.sha == sha and old is not None:
            docs.append(prev)
            rows.append(old.vectors[prev.row : prev.row + _rows(prev)])
            stats["unchanged"] += 1
            continue
        try:
            doc = parse(decode(rel, data), section_aliases())
        except InputError as exc:
            skip(rel, exc.reason)
            continue
        inc = incident(doc, rel)
        cd = CorpusDoc(
            rel,
            sha,
            inc.title,
            inc.date,
            inc.actions,
            [{"text": f.text, "clean": f.clean, "line": f.line} for f in inc.factors],
            context=inc.context,
        )
        docs.append(cd)
        rows.append(None)  # type: ignore[arg-type]  # filled after embedding
        todo.append((cd, [sent for f in inc.factors for sent in sentences(f.clean)]))
        for f, fd in zip(inc.factors, cd.factors, strict=True):
            fd["rows"] = len(sentences(f.clean))
        stats["updated" if prev is not None else "added"] += 1
    stats["removed"] = len(set(previous) - {d.path for d in docs})
    if old is not None and not todo and not stats["removed"]:
        return old, stats  # nothing to embed or drop: the index on disk is current, leave it as it is
    texts = [t for _, ts in todo for t in ts]
    vectors = encoder.encode(texts) if texts else np.zeros((0, encoder.dim), dtype=np.float32)
    k = 0
    for i, d in enumerate(docs):
        if rows[i] is None:
            n = _rows(d)
            rows[i] = vectors[k : k + n]
            k += n
    matrix = np.concatenate(rows) if rows else np.zeros((0, encoder.dim), dtype=np.float32)
    offset = 0
    for d in docs:
        d.row = offset
        offset += _rows(d)
    # as stored (float16): a just-built index scores exactly like the same index loaded later
    stored = matrix.astype(np.float16).astype(np.float32)
    index = Index(root, encoder.name, docs, stored, created=time.time(), path=path)
    save(index, path)
    return index, stats


def _unit(p: np.ndarray) -> np.ndarray:
    """Class probabilities as unit vectors: their dot product (cosine) compares weakness profiles."""
    return p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-9)


# --- matching --------------------------------------------------------------------------


@dataclass
class Match:
    doc: CorpusDoc
    factor: dict
    score: float
    semantic: float
    lexical: float
    weakness: float
    shared_weakness: str | None


class Matcher:
    """Scores draft factors against an index; the corpus-side work is done once."""

    def __init__(self, index: Index, encoder, weakness=None) -> None:
        if index.vectors.shape[1] != encoder.dim:
            raise IndexError_(
                index.path or index.root,
                f"its vectors have {index.vectors.shape[1]} values, not {encoder.dim}",
                REINDEX,
            )
        self.index = index
        self.encoder = encoder
        self.weakness = weakness
        self.owner = [d for d in index.docs for _ in d.factors]
        self.factor = [f for d in index.docs for f in d.factors]
        self.owner_doc = np.array([i for i, d in enumerate(index.docs) for _ in d.factors], dtype=np.int64)
        counts = np.array([int(f.get("rows", 1)) for f in self.factor], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else np.zeros(0, dtype=np.int64)
        # one text per vector row (``load`` checked that they agree)
        row_texts = [
            s for f in self.factor for s in (sentences(f["clean"]) if int(f.get("rows", 1)) > 1 else [f["clean"]])
        ]
        self.texts = row_texts
        self.bm25 = BM25([terms(t) for t in row_texts])
        # whole incidents: title, summary and factors, for "the same systems, the same story"
        self.profiles = TfIdf([terms(d.profile) for d in index.docs])
        probs = weakness.probabilities(index.vectors) if weakness is not None and len(row_texts) else None
        self.corpus_raw = probs
        self.corpus_probs = _unit(probs) if probs is not None else None
        if probs is not None:
            self.corpus_top = probs.argmax(axis=1)
            self.corpus_sure = probs.max(axis=1) >= CONFIDENT

    def match(
        self, texts: list[str], exclude: set[str] = frozenset(), top_k: int = 5, vectors: np.ndarray | None = None
    ):  # type: ignore[assignment]
        """For each draft factor text, its best corpus factors (excluding documents in ``exclude``)."""
        if not texts or not self.factor:
            return [[] for _ in texts]
        pieces = [sentences(t) for t in texts] if vectors is None else [[t] for t in texts]
        flat = [p for ps in pieces for p in ps]
        q = vectors if vectors is not None else self.encoder.encode(flat)
        # (query sentences, corpus rows); corpus-major product: it streams the big matrix once, ~30% faster
        semantic = np.ascontiguousarray((self.index.vectors @ q.T).T)
        lex = np.stack([self.bm25.scores(terms(t)) for t in flat])
        top = lex.max(axis=1, keepdims=True)
        lex = np.divide(lex, top, out=np.zeros_like(lex), where=top > 0)
        raw = self.weakness.probabilities(q) if self.corpus_probs is not None else None
        if raw is not None:
            # half: how alike the two weakness profiles are; half: whether both are
            # confidently the same class of the taxonomy
            qtop = raw.argmax(axis=1)
            qsure = raw.max(axis=1) >= CONFIDENT
            weak = _unit(raw) @ self.corpus_probs.T
            weak *= np.float32(0.5)
            for j in np.flatnonzero(qsure):  # in place: no (queries x corpus) temporaries at 100k+ rows
                weak[j, (self.corpus_top == qtop[j]) & self.corpus_sure] += np.float32(0.5)
            rows = semantic * np.float32(W_SEM)
            rows += np.float32(W_WEAK) * weak
            rows += np.float32(W_LEX) * lex
        else:
            weak = np.zeros_like(lex)
            rows = (W_SEM + W_WEAK / 2) * semantic + (W_LEX + W_WEAK / 2) * lex
        # rows (corpus sentences) -> corpus factors: a factor is as close as its closest sentence
        one_row_each = len(self.starts) == rows.shape[1]
        fused = rows if one_row_each else np.maximum.reduceat(rows, self.starts, axis=1)
        excluded = [i for i, d in enumerate(self.index.docs) if d.path in exclude or d.sha in exclude]
        keep = ~np.isin(self.owner_doc, excluded) if excluded else np.ones(len(self.owner_doc), dtype=bool)
        # per draft factor: its best sentence against each corpus factor; then all top-k at once
        bounds = np.cumsum([0] + [len(ps) for ps in pieces])
        single = all(len(ps) == 1 for ps in pieces)
        if single:
            per_factor, which_all = fused, None  # each draft factor is one query row: row i
        else:
            per_factor = np.maximum.reduceat(fused, bounds[:-1], axis=0)
            which_all = np.stack([fused[a:b].argmax(axis=0) + a for a, b in itertools.pairwise(bounds)])
        if excluded:
            per_factor = np.where(keep[None, :], per_factor, np.float32(-1.0))
        k = min(top_k, per_factor.shape[1])
        tops = (
            np.argpartition(per_factor, per_factor.shape[1] - k, axis=1)[:, -k:]
            if k < per_factor.shape[1]
            else np.tile(np.arange(per_factor.shape[1]), (len(pieces), 1))
        )
        out = []
        for i in range(len(pieces)):
            score = per_factor[i]
            which = which_all[i] if which_all is not None else None
            order = tops[i][np.argsort(-score[tops[i]])]
            found = []
            for c in order:
                if score[c] < 0:
                    continue
                qj = i if which is None else int(which[c])
                span = slice(self.starts[c], self.starts[c] + int(self.factor[c].get("rows", 1)))
                r = span.start + int(rows[qj, span].argmax())
                shared = None
                if raw is not None:
                    qa = int(raw[qj].argmax())
                    corpus_best = self.corpus_raw[span][:, qa].max()
                    label_id = self.weakness.ids[qa]
                    confident = raw[qj][qa] >= CONFIDENT and corpus_best >= CONFIDENT
                    if confident and weak[qj, r] >= 0.6 and not label_id.startswith("trigger-"):
                        shared = self.weakness.labels[qa]
                found.append(
                    Match(
                        self.owner[c],
                        self.factor[c],
                        float(score[c]),
                        float(semantic[qj, r]),
                        float(lex[qj, r]),
                        float(weak[qj, r]),
                        shared,
                    )
                )
            out.append(found)
        return out


# Fusion weights: the weakness classes carry most of the signal across different wordings,
# the embeddings break ties and cover weaknesses outside the taxonomy, the lexical score
# rewards the same system or component. The weights were set from the taxonomy's own
# examples (models/train_weakness.py prints pair statistics); the 0.6 threshold is where
# the sample drafts' shared factor (01/05, 0.60) clears every unrelated pair (best 0.58).
W_SEM, W_WEAK, W_LEX = 0.4, 0.5, 0.1
W_INCIDENT = 4.0  # incident ranking: weight of the whole-incident similarity (0–1) against factor scores
CONFIDENT = 0.3  # a class probability at which a factor "is" that weakness
DEFAULT_THRESHOLD = 0.6


def incidents(
    matches: list[list[Match]],
    threshold: float,
    matcher: Matcher | None = None,
    profile: str = "",
    exclude: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[dict]:
    """Past incidents ranked by an aggregate over their matching factors (the best factor score and
    a bonus per extra shared factor) plus, given the ``matcher`` and the draft's ``profile``
    (title, summary and factors), the whole-incident TF-IDF similarity scaled to the best
    candidate: repeats inside one organisation share system names that single factors may not.
    A negative threshold ranks every incident (evaluation); otherwise only incidents with a
    factor at or above the threshold are listed, since those carry the evidence."""
    by_doc: dict[str, list[Match]] = defaultdict(list)
    for per_factor in matches:
        best: dict[str, Match] = {}
        for m in per_factor:
            if m.score >= threshold and (m.doc.path not in best or m.score > best[m.doc.path].score):
                best[m.doc.path] = m
        for path, m in best.items():
            by_doc[path].append(m)
    similarity: dict[str, float] = {}
    if matcher is not None and profile:
        sims = matcher.profiles.cosine(terms(profile))
        allowed = [d.path not in exclude and d.sha not in exclude for d in matcher.index.docs]
        top = max((float(v) for v, ok in zip(sims, allowed, strict=True) if ok), default=0.0)
        for d, v, ok in zip(matcher.index.docs, sims, allowed, strict=True):
            if ok and top > 0:
                similarity[d.path] = float(v) / top
                if threshold < 0 and d.path not in by_doc:
                    by_doc[d.path] = [Match(d, d.factors[0] if d.factors else {}, 0.0, 0.0, 0.0, 0.0, None)]
    ranked = []
    for ms in by_doc.values():
        scores = sorted((m.score for m in ms), reverse=True)
        doc = ms[0].doc
        ranked.append(
            {
                "path": doc.path,
                "title": doc.title,
                "date": doc.date,
                "score": round(scores[0] + 0.05 * (len(scores) - 1) + W_INCIDENT * similarity.get(doc.path, 0.0), 4),
                "shared_factors": len(ms),
                "action_items": doc.actions,
            }
        )
    return sorted(ranked, key=lambda r: (-r["score"], r["path"]))
