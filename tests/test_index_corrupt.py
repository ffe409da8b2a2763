"""A corrupt or hostile corpus index (``.pmreview/index.npz``): every command that reads it says so
in one line and exits 2, and ``corpus index`` rebuilds it from scratch, saying so in one line."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from reviewer.models.embedder import get_encoder
from reviewer.recurrence import IndexError_, build, index_path, load

DRAFT = """# Postmortem: queue backlog

## Summary

Notifications were delayed for two hours.

## Contributing factors

- Queue-depth warnings are emailed to a distribution list that nobody reads.
"""


@pytest.fixture(scope="module")
def good(tmp_path_factory, example_corpus) -> tuple[dict, np.ndarray, bytes]:
    """The meta, vectors and bytes of a sound index of the example corpus."""
    data = index_path(example_corpus).read_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return json.loads(bytes(npz["meta"]).decode()), npz["vectors"], data


@pytest.fixture
def corpus(tmp_path: Path, example_corpus: Path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(example_corpus, root)
    return root


def npz(
    meta: object = None,
    vectors: np.ndarray | None = None,
    *,
    raw_meta: bytes | None = None,
    incidents: np.ndarray | None = None,
    **extra,
) -> bytes:
    """An index file as ``recurrence.save`` writes it, from the given parts; unless given, one
    (zero) incident vector per document, as wide as the factor vectors."""
    payload = raw_meta if raw_meta is not None else json.dumps(meta).encode()
    if incidents is None:
        docs = meta.get("documents") if isinstance(meta, dict) else None
        n = len(docs) if isinstance(docs, list) else 1
        incidents = np.zeros((n, vectors.shape[1] if vectors is not None and vectors.ndim == 2 else 384), np.float16)
    buf = io.BytesIO()
    np.savez(buf, vectors=vectors, incidents=incidents, meta=np.frombuffer(payload, dtype=np.uint8), **extra)
    return buf.getvalue()


def edited(change: Callable[[dict, np.ndarray], tuple[object, np.ndarray] | None]) -> Callable:
    """A corruption that edits a copy of the sound index's meta and vectors."""

    def make(meta: dict, vectors: np.ndarray, data: bytes) -> bytes:
        meta, vectors = json.loads(json.dumps(meta)), vectors.copy()
        out = change(meta, vectors)
        return npz(*(out if out is not None else (meta, vectors)))

    return make


def _set(target: Callable[[dict], dict], key: str, value: object) -> Callable[[dict, np.ndarray], None]:
    def change(meta: dict, vectors: np.ndarray) -> None:
        target(meta)[key] = value

    return change


def first_doc(meta: dict) -> dict:
    return meta["documents"][0]


def first_factor(meta: dict) -> dict:
    return meta["documents"][0]["factors"][0]


def _declared_size(data: bytes, name: bytes, size: int) -> bytes:
    """The archive with the central directory claiming ``size`` uncompressed bytes for member ``name``."""
    out = bytearray(data)
    at = out.index(b"PK\x01\x02")  # the first central directory entry
    while True:
        (name_len,) = struct.unpack_from("<H", out, at + 28)
        if bytes(out[at + 46 : at + 46 + name_len]) == name:
            struct.pack_into("<L", out, at + 24, size)
            return bytes(out)
        at = out.index(b"PK\x01\x02", at + 4)


def zip_bomb(meta: dict, vectors: np.ndarray, data: bytes) -> bytes:
    """A deflated meta member whose header says it inflates past the 256 MiB limit."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, array in (("vectors.npy", vectors), ("meta.npy", np.frombuffer(json.dumps(meta).encode(), np.uint8))):
            member = io.BytesIO()
            np.lib.format.write_array(member, array, allow_pickle=False)
            zf.writestr(name, member.getvalue())
    return _declared_size(buf.getvalue(), b"meta.npy", (256 << 20) + 1)


def huge_header(meta: dict, vectors: np.ndarray, data: bytes) -> bytes:
    """A vectors member whose .npy header declares a trillion rows over a few bytes of data."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            header, {"descr": "<f2", "fortran_order": False, "shape": (10**12, vectors.shape[1])}
        )
        zf.writestr("vectors.npy", header.getvalue() + b"\0" * 64)
        zf.writestr("meta.npy", npz_member(np.frombuffer(json.dumps(meta).encode(), np.uint8)))
    return buf.getvalue()


def npz_member(array: np.ndarray) -> bytes:
    member = io.BytesIO()
    np.lib.format.write_array(member, array, allow_pickle=False)
    return member.getvalue()


def pickled(meta: dict, vectors: np.ndarray, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        member = io.BytesIO()
        np.lib.format.write_array(member, np.array([{"x": 1}], dtype=object), allow_pickle=True)
        zf.writestr("vectors.npy", member.getvalue())
        zf.writestr("meta.npy", npz_member(np.frombuffer(json.dumps(meta).encode(), np.uint8)))
    return buf.getvalue()


def _shifted_rows(meta: dict, vectors: np.ndarray) -> None:
    meta["documents"][1]["row"] += 1


def _fewer_vectors(meta: dict, vectors: np.ndarray) -> tuple[dict, np.ndarray]:
    return meta, vectors[:-1]


def _nan(meta: dict, vectors: np.ndarray) -> None:
    vectors[0, 0] = np.nan


def _wrong_rows(meta: dict, vectors: np.ndarray) -> tuple[dict, np.ndarray]:
    """A factor that claims two sentence rows (and has two vectors) but is one sentence."""
    doc = first_doc(meta)
    factor = next(f for f in doc["factors"] if f["rows"] == 1)
    factor["rows"] = 2
    for later in meta["documents"][1:]:
        later["row"] += 1
    return meta, np.concatenate([vectors[:1], vectors])


def _duplicate_path(meta: dict, vectors: np.ndarray) -> None:
    meta["documents"][1]["path"] = meta["documents"][0]["path"]


CORRUPT: dict[str, Callable[[dict, np.ndarray, bytes], bytes]] = {
    "zero-bytes": lambda m, v, d: b"",
    "truncated": lambda m, v, d: d[: len(d) // 2],
    "tail-cut": lambda m, v, d: d[:-1],
    "garbage": lambda m, v, d: b"not an npz at all, but long enough to have an end record",
    "meta-a-list": lambda m, v, d: npz([1, 2], v),
    "meta-not-json": lambda m, v, d: npz(raw_meta=b"{nope", vectors=v),
    "meta-not-utf8": lambda m, v, d: npz(raw_meta=b"\xff\xfe{}", vectors=v),
    "meta-nested-deeply": lambda m, v, d: npz(raw_meta=b"[" * 100_000 + b"]" * 100_000, vectors=v),
    "no-documents": edited(lambda m, v: m.pop("documents") and None),
    "documents-a-dict": edited(_set(lambda m: m, "documents", {})),
    "model-a-number": edited(_set(lambda m: m, "model", 5)),
    "created-infinite": lambda m, v, d: npz(
        raw_meta=json.dumps(m).replace('"created": ', '"created": 1e999, "x": ').encode(), vectors=v
    ),
    "extra-document-key": edited(_set(first_doc, "surprise", 1)),
    "missing-document-key": edited(lambda m, v: first_doc(m).pop("sha") and None),
    "document-a-string": edited(lambda m, v: m["documents"].__setitem__(0, "doc") or None),
    "title-a-list": edited(_set(first_doc, "title", ["x"])),
    "actions-not-records": edited(_set(first_doc, "actions", [1])),
    "factors-a-string": edited(_set(first_doc, "factors", "x")),
    "factor-line-a-string": edited(_set(first_factor, "line", "3")),
    "factor-line-true": edited(_set(first_factor, "line", True)),
    "factor-rows-zero": edited(_set(first_factor, "rows", 0)),
    "factor-extra-key": edited(_set(first_factor, "pickle", "x")),
    "rows-shifted": edited(_shifted_rows),
    "fewer-vectors": edited(_fewer_vectors),
    "factor-rows-not-its-sentences": edited(_wrong_rows),
    "duplicate-path": edited(_duplicate_path),
    "nan-vector": edited(_nan),
    "vectors-float64": lambda m, v, d: npz(m, v.astype(np.float64)),
    "vectors-1d": lambda m, v, d: npz(m, v.reshape(-1)),
    "vectors-pickled-objects": pickled,
    "fourth-member": lambda m, v, d: npz(m, v, extra=np.zeros(1)),
    "incidents-fewer-than-documents": lambda m, v, d: npz(m, v, incidents=np.zeros((1, v.shape[1]), np.float16)),
    "incidents-nan": lambda m, v, d: npz(
        m, v, incidents=np.full((len(m["documents"]), v.shape[1]), np.nan, np.float16)
    ),
    "incidents-float32": lambda m, v, d: npz(m, v, incidents=np.zeros((len(m["documents"]), v.shape[1]), np.float32)),
    "zip-bomb": zip_bomb,
    "huge-npy-header": huge_header,
}


@pytest.fixture(params=sorted(CORRUPT))
def corrupt(request, corpus: Path, good) -> tuple[Path, str]:
    path = index_path(corpus)
    path.write_bytes(CORRUPT[request.param](*good))
    return corpus, request.param


def one_error_line(stderr: str, path: Path) -> None:
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith(f"pmreview: error: {path}: the index is corrupt ("), stderr
    assert stderr.endswith("; rebuild it with `pmreview corpus index`\n"), stderr


def test_load_reports_a_corrupt_index(corrupt) -> None:
    corpus, _ = corrupt
    with pytest.raises(IndexError_, match=r"the index is corrupt \(.+\); rebuild it"):
        load(index_path(corpus), get_encoder().name, get_encoder().dim)


def test_every_reader_exits_2_in_one_line(corrupt, cli, tmp_path: Path) -> None:
    corpus, _ = corrupt
    path = index_path(corpus)
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    for args in (
        ("corpus", "stats", corpus),
        ("match", draft, "--corpus", corpus),
        ("review", draft, "--corpus", corpus, "--no-cache"),
    ):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stdout == "", args
        one_error_line(result.stderr, path)


def test_corpus_index_rebuilds_a_corrupt_index_from_scratch(corrupt, cli) -> None:
    corpus, _ = corrupt
    path = index_path(corpus)
    result = cli("corpus", "index", corpus)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"pmreview: warning: {path}: the index is corrupt (")
    assert result.stderr.endswith("; rebuilding it from scratch\n")
    assert "(4 added, 0 updated, 0 unchanged, 0 removed, 0 skipped)" in result.stdout
    stats = cli("corpus", "stats", corpus)
    assert stats.exit_code == 0 and "documents: 4" in stats.stdout


def test_another_vector_size_is_re_indexed(corpus, good, cli) -> None:
    meta, vectors, _ = good
    index_path(corpus).write_bytes(npz(meta, vectors[:, :8]))
    with pytest.raises(IndexError_, match="its vectors have 8 values, not 384; re-index"):
        load(index_path(corpus), dim=384)
    draft = corpus.parent / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    result = cli("match", draft, "--corpus", corpus)  # the engine loads without a size: the matcher checks it
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"pmreview: error: {index_path(corpus)}: its vectors have 8 values, not 384; re-index with `pmreview corpus index`\n"
    )
    rebuilt = cli("corpus", "index", corpus)
    assert rebuilt.exit_code == 0 and "rebuilding it from scratch" in rebuilt.stderr


def test_a_missing_index_is_built_without_a_warning(corpus, cli) -> None:
    index_path(corpus).unlink()
    result = cli("corpus", "index", corpus)
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_index_file_mode_follows_the_umask(corpus, cli, umask: int, mode: int) -> None:
    index_path(corpus).unlink()
    previous = os.umask(umask)
    try:
        assert cli("corpus", "index", corpus).exit_code == 0
    finally:
        os.umask(previous)
    assert index_path(corpus).stat().st_mode & 0o777 == mode


def test_a_file_removed_while_indexing_is_skipped(corpus) -> None:
    index_path(corpus).unlink()

    def vanishing(files):
        files = list(files)
        files[1].unlink()  # listed, then gone before it is read
        yield from files

    index, stats = build(corpus, index_path(corpus), get_encoder(), vanishing)
    assert (stats["added"], stats["skipped"], len(index.docs)) == (3, 1, 3)


def test_a_link_out_of_the_working_tree_is_not_indexed(corpus, tmp_path, tmp_path_factory, monkeypatch) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.md"
    outside.write_text("# Secret\n\n## Contributing factors\n\n- The root password is hunter2.\n", encoding="utf-8")
    (corpus / "2026-12-01-leak.md").symlink_to(outside)
    monkeypatch.chdir(tmp_path)  # the working tree: the corpus is inside it, the link's target is not
    index, stats = build(corpus, index_path(corpus), get_encoder())
    assert stats["skipped"] == 1
    assert "2026-12-01-leak.md" not in {d.path for d in index.docs}
