"""Building the index from a corpus folder: only documents whose content changed are parsed and embedded."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from reviewer.recurrence.store import (
    CorpusDoc,
    Index,
    IndexError_,
    IndexMissing,
    _rows,
    load,
    opening,
    save,
    sentences,
)
from reviewer.workspace import escapes, repo_root

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
    from reviewer.aliases import section_aliases
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
    position = {d.path: i for i, d in enumerate(old.docs)} if old else {}
    old_incidents = old.incident_vectors if old else None
    files = corpus_files(root)
    unreadable: list[str] = []
    stats: dict = {"added": 0, "updated": 0, "unchanged": 0, "removed": 0, "skipped": 0, "unreadable": unreadable}
    docs: list[CorpusDoc] = []
    rows: list[np.ndarray] = []
    todo: list[tuple[CorpusDoc, list[str]]] = []
    profiles: list[np.ndarray | None] = []  # one whole-incident vector per document, None: to embed
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
            profiles.append(old_incidents[position[rel]])
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
        profiles.append(None)
        todo.append((cd, [sent for f in inc.factors for sent in sentences(f.clean)]))
        for f, fd in zip(inc.factors, cd.factors, strict=True):
            fd["rows"] = len(sentences(f.clean))
        stats["updated" if prev is not None else "added"] += 1
    stats["removed"] = len(set(previous) - {d.path for d in docs})
    if old is not None and not todo and not stats["removed"]:
        return old, stats  # nothing to embed or drop: the index on disk is current, leave it as it is
    texts = [t for _, ts in todo for t in ts]
    # the whole incidents in the same call: one more text per document, batched by length with the rest
    texts += [opening(d.profile) for d, _ in todo]
    vectors = encoder.encode(texts) if texts else np.zeros((0, encoder.dim), dtype=np.float32)
    fresh = iter(vectors[len(texts) - len(todo) :])
    profiles = [p if p is not None else next(fresh) for p in profiles]
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
    incident_matrix = np.stack(profiles) if profiles else np.zeros((0, encoder.dim), dtype=np.float32)
    incident_stored = incident_matrix.astype(np.float16).astype(np.float32)
    index = Index(root, encoder.name, docs, stored, created=time.time(), path=path, incidents=incident_stored)
    save(index, path)
    return index, stats
