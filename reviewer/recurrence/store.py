"""The index file: what is stored per corpus document, writing it atomically, reading it safely.

One ``.npz`` holds, per document, its content hash, title, date, action items and factors
(``meta``, JSON), one MiniLM vector per factor sentence (``vectors``) and one MiniLM
vector of the whole incident, title, summary and factors (``incidents``), all float16
and L2-normalised. The index records the embedding model and its own format; a mismatch
asks for a re-index instead of giving wrong scores. A pull request can replace the file,
so every field is checked before it is used and nothing is unpickled.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import stat
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from reviewer.workspace import write_atomic

FORMAT = 6  # 4: dates written in prose are read; 5: title + summary stored as `context`; 6: incident vectors
INDEX_FILE = "index.npz"

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


PROFILE_WORDS = 40
"""How much of an incident's profile (title, summary, factors, in that order) its whole-incident
vector reads: the title and the opening of the summary, which say what happened. Measured on
four organisations' repeats (benchmarks/eval_recurrence.py), the opening ranks repeats as well
as the whole text does, and embedding it costs a third of the factors' time where the whole
text (256 tokens) would cost one and a half times as much."""


def opening(profile: str) -> str:
    """The part of a profile the whole-incident vector is made from (``PROFILE_WORDS`` words)."""
    return " ".join(profile.split()[:PROFILE_WORDS])


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
    incidents: np.ndarray | None = None  # (n_docs, dim) float32: one vector per whole incident (``profile``)

    @property
    def incident_vectors(self) -> np.ndarray:
        """One unit vector per document: the stored whole-incident vectors, or, for an index made
        in memory without them (benchmarks, tests), the normalised mean of its factor vectors."""
        if self.incidents is not None and len(self.incidents) == len(self.docs):
            return self.incidents
        dim = self.vectors.shape[1] if self.vectors.ndim == 2 else 0
        out = np.zeros((len(self.docs), dim), dtype=np.float32)
        for i, d in enumerate(self.docs):
            n = _rows(d)
            if n:
                out[i] = self.vectors[d.row : d.row + n].mean(axis=0)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

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
        buf,
        vectors=index.vectors.astype(np.float16),
        incidents=index.incident_vectors.astype(np.float16),
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
    )
    write_atomic(path, buf.getvalue(), durable=True)


# --- reading an index, which a pull request can replace: every field is checked ------------

MEMBERS = {
    "meta.npy": (np.uint8, 1, 256 << 20),
    "vectors.npy": (np.float16, 2, 2 << 30),
    "incidents.npy": (np.float16, 2, 256 << 20),
}
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


BEFORE_6 = {k: v for k, v in MEMBERS.items() if k != "incidents.npy"}
"""What formats up to 5 wrote: read so that ``load`` can say the format is old, not that the file is corrupt."""


def _read(path: Path) -> tuple[object, np.ndarray, np.ndarray | None]:
    """The parsed meta JSON, the float16 factor vectors and the float16 incident vectors of an index
    file (None in an index of an earlier format)."""
    try:
        arrays = read_npz(path, MEMBERS)
    except CorruptFile as exc:
        try:
            arrays = {**read_npz(path, BEFORE_6), "incidents": None}
        except CorruptFile:
            raise exc from None
    try:
        return json.loads(arrays["meta"].tobytes().decode("utf-8")), arrays["vectors"], arrays["incidents"]
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
        meta, vectors, incident_vectors = _read(path)
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
        if incident_vectors is None or incident_vectors.shape != (len(docs), vectors.shape[1]):
            raise CorruptFile("its incident vectors do not match its documents")
        vectors = vectors.astype(np.float32)
        incident_vectors = incident_vectors.astype(np.float32)
        if not (np.isfinite(vectors).all() and np.isfinite(incident_vectors).all()):
            raise CorruptFile("vectors that are not finite")
    except CorruptFile as exc:
        raise IndexError_(path, f"the index is corrupt ({exc})") from None
    return Index(path.parent.parent, meta["model"], docs, vectors, float(created), path, incident_vectors)
