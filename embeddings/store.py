"""The on-disk index: build (incremental, atomic, locked), load and validate.

Layout of `index_dir`:
    CURRENT          name of the active version folder (replaced atomically)
    LOCK             held by the one process writing
    v-<stamp>/       manifest.json, the document and chunk records (embeddings.records), vectors.npy,
                     dense.faiss, the BM25 postings (bm25_*.npy, bm25_vocab.json)
A build writes a fresh version folder and then switches CURRENT, so a crash never leaves a half-written index;
what a killed build left behind (`.tmp-*`, `.CURRENT-*`, orphan versions) is removed when the next build starts.
The manifest records each data file's size and SHA-256: sizes are checked on every load, checksums by
`qa index`, which rebuilds what is damaged. Loading maps the records and BM25 postings instead of parsing
them, so a loaded index holds no per-chunk Python objects.
"""

from __future__ import annotations

import json
import logging
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from embeddings.bm25 import FILES as BM25_FILES
from embeddings.bm25 import BM25Index
from embeddings.chunking import chunk_document
from embeddings.documents import Chunk, Document
from embeddings.errors import (
    IndexCorruptError,
    IndexMismatchError,
)
from embeddings.ingest import IngestReport, load_corpus
from embeddings.manifest import (
    FORMAT_VERSION,
    TOKENIZER,
    check_compatible,
    check_shape,
    chunking_of,
    index_manifest,
    read_manifest_file,
    rebuild_hint,
    stopwords_hash,
    verify_files,
)
from embeddings.records import (
    DocumentsById,
    DocumentTable,
    read_records,
)
from embeddings.settings import IndexSettings
from embeddings.tokenize import tokenize
from embeddings.vector_index import DenseIndexSpec, build_dense, choose_spec, load_dense
from embeddings.versions import (
    active_version,
    clean_stale,
    commit_version,
    current_version,
    ensure_index_dir,
    read_manifest,
    write_lock,
)

__all__ = [
    "FORMAT_VERSION", "TOKENIZER", "BuildReport", "LoadedIndex", "build_index", "check_compatible", "clean_stale",
    "current_version", "ensure_index_dir", "index_manifest", "load_index", "read_manifest", "write_lock",
]
"""Building and loading; the manifest (`embeddings.manifest`) and folder (`embeddings.versions`) helpers are
re-exported for the callers that reach them through this module."""

log = logging.getLogger(__name__)


_REBUILDABLE = {"dense.faiss", *BM25_FILES}
"""Derived files: rebuilt from the chunks and vectors; damage to any other file means re-encoding."""
_LOAD_ERRORS = (OSError, ValueError, KeyError, TypeError, RuntimeError, EOFError, zipfile.BadZipFile, AttributeError)


@dataclass
class BuildReport:
    """What a build did."""

    index_dir: str
    documents: int = 0
    chunks: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    repaired: list[tuple[str, str]] = field(default_factory=list)
    """Damaged files of the previous version (name, what was wrong) that this build wrote anew."""
    encoded_chunks: int = 0
    encoder: str = ""
    index_type: str = ""
    seconds: float = 0.0
    up_to_date: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LoadedIndex:
    """An index read from disk, ready to search."""

    path: Path
    manifest: dict[str, Any]
    documents: Sequence[Document]
    chunks: Sequence[Chunk]
    bm25: BM25Index
    dense: Any
    dense_spec: DenseIndexSpec
    doc_by_id: Mapping[str, Document] = field(init=False)

    def __post_init__(self) -> None:
        if isinstance(self.documents, DocumentTable):
            self.doc_by_id = DocumentsById(self.documents)
        else:
            self.doc_by_id = {d.doc_id: d for d in self.documents}


def _previous(version: Path | None, reusable: set[str]) -> tuple[dict[str, list[tuple[int, Chunk]]], np.ndarray | None]:
    """(row, chunk with its tokens and without text) of the previous version's chunks, grouped by source file,
    for the sources in `reusable`; and the previous version's vectors (row-aligned, memory-mapped)."""
    if version is None:
        return {}, None
    documents, table = read_records(version)
    vectors = np.load(version / "vectors.npy", mmap_mode="r")
    if len(vectors) != len(table):
        raise ValueError(f"{len(vectors)} vectors for {len(table)} chunks")
    sources = [documents.source(row) for row in range(len(documents))]  # once per document, not per chunk
    by_source: dict[str, list[tuple[int, Chunk]]] = {}
    for i in range(len(table)):
        source = sources[table.document_row(i)]
        if source in reusable:
            by_source.setdefault(source, []).append((i, table.stored(i)))
    return by_source, vectors


def build_index(
    settings: IndexSettings,
    paths: Sequence[Path] | None = None,
    *,
    encoder_factory: Callable[[], Any],
    rebuild: bool = False,
    progress: bool = False,
) -> BuildReport:
    """Index `paths` (default: settings.corpus) into settings.index_dir, re-encoding only what changed.

    `encoder_factory()` returns an object with `.info.name`, `.info.dimension` and
    `.encode(texts, batch_size=, progress=)`; it is only called when something must be encoded.

    One pass under the write lock: validate the previous version, reuse its unchanged chunks and vectors,
    encode the rest, write a new version folder and switch CURRENT to it (`_commit`, atomic).
    """
    started = time.perf_counter()
    index_dir = settings.index_dir
    paths = list(paths or settings.corpus)
    with write_lock(index_dir):
        corpus = load_corpus(paths)
        report = BuildReport(index_dir=str(index_dir), skipped=corpus.skipped)
        encoder = encoder_factory()
        info = encoder.info
        report.encoder = info.name
        clean_stale(index_dir)
        version, manifest = _validated_previous(settings, info.name, rebuild)
        manifest, damaged = _check_damage(version, manifest, report)
        previous = _reuse_previous(version, manifest, corpus.files)
        _diff_sources(report, previous.files, corpus.files)
        if _up_to_date(report, manifest, damaged, paths):
            report.seconds = time.perf_counter() - started
            return report
        chunks, vectors, to_encode = _assemble_chunks(corpus, settings, set(report.unchanged), previous, progress)
        report.encoded_chunks = _encode_missing(encoder, corpus, chunks, vectors, to_encode, settings, progress)
        _write_and_switch(settings, info, paths, corpus, chunks, vectors, report)
        report.seconds = time.perf_counter() - started
        return report


@dataclass
class _Previous:
    """What a build may reuse of the previous version: its source digests, chunks of the unchanged sources
    grouped by source (row, chunk), and its row-aligned vectors (memory-mapped)."""

    files: dict[str, str] = field(default_factory=dict)
    chunks: dict[str, list[tuple[int, Chunk]]] = field(default_factory=dict)
    vectors: np.ndarray | None = None


def _validated_previous(settings: IndexSettings, encoder_name: str, rebuild: bool) -> tuple[Path | None, dict[str, Any] | None]:
    """Validate: the active version and its manifest when it was built the same way (format, encoder, chunking,
    tokenizer, stopwords); a None manifest means build from scratch."""
    index_dir = settings.index_dir
    if rebuild:
        return None, None
    version: Path | None = None
    try:
        version = current_version(index_dir)
        if version is None:
            return None, None
        manifest = read_manifest_file(version, index_dir)
        check_compatible(manifest, encoder_name, index_dir)
        check_shape(manifest, index_dir)
    except (IndexMismatchError, IndexCorruptError) as exc:
        log.warning("rebuilding from scratch: %s", exc)
        return version, None
    same_setup = (
        manifest.get("chunking") == chunking_of(settings)
        and manifest.get("bm25", {}).get("tokenizer") == TOKENIZER
        and manifest.get("bm25", {}).get("stopwords") == stopwords_hash()
    )
    return version, manifest if same_setup else None


def _check_damage(
    version: Path | None, manifest: dict[str, Any] | None, report: BuildReport
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """Checksum the previous version's files (recorded in `report.repaired`); damage to anything but the derived
    files drops the manifest (encode again)."""
    if manifest is None or version is None:
        return manifest, []
    damaged = verify_files(version, manifest, checksums=True)
    report.repaired = damaged
    for name, why in damaged:
        log.warning("index file %s is damaged (%s): rebuilding it", name, why)
    if any(name not in _REBUILDABLE for name, _ in damaged):
        return None, damaged  # the chunks or vectors themselves: encode again
    return manifest, damaged


def _reuse_previous(version: Path | None, manifest: dict[str, Any] | None, new_files: dict[str, str]) -> _Previous:
    """Reuse: the previous version's chunks and vectors of the sources whose digest is unchanged."""
    old_files: dict[str, str] = manifest.get("files", {}) if manifest else {}
    same_files = {s for s, digest in new_files.items() if old_files.get(s) == digest}
    try:
        old_chunks, old_vectors = _previous(version if manifest else None, same_files)
    except (*_LOAD_ERRORS, json.JSONDecodeError) as exc:
        log.warning("previous index unreadable, rebuilding from scratch: %s", exc)
        return _Previous()
    return _Previous(old_files, old_chunks, old_vectors)


def _diff_sources(report: BuildReport, old_files: dict[str, str], new_files: dict[str, str]) -> None:
    report.added = sorted(set(new_files) - set(old_files))
    report.removed = sorted(set(old_files) - set(new_files))
    report.changed = sorted(s for s in new_files if s in old_files and old_files[s] != new_files[s])
    report.unchanged = sorted(s for s in new_files if old_files.get(s) == new_files[s])


def _up_to_date(report: BuildReport, manifest: dict[str, Any] | None, damaged: list[tuple[str, str]], paths: list[Path]) -> bool:
    """True (and the report filled from the manifest) when the verified previous version already is this build."""
    verified = manifest is not None and not damaged and isinstance(manifest.get("artifacts"), dict)
    if not verified or report.added or report.removed or report.changed or manifest.get("corpus") != [str(p) for p in paths]:
        return False
    report.documents = manifest["counts"]["documents"]
    report.chunks = manifest["counts"]["chunks"]
    report.index_type = manifest["dense"]["type"]
    report.up_to_date = True
    return True


def _assemble_chunks(
    corpus: IngestReport, settings: IndexSettings, reusable: set[str], previous: _Previous, progress: bool
) -> tuple[list[Chunk], list[np.ndarray | None], list[int]]:
    """Every chunk of the corpus in order, with its vector where the previous version has it; and the rows
    still to encode (chunked and tokenised here)."""
    chunks: list[Chunk] = []
    vectors: list[np.ndarray | None] = []
    to_encode: list[int] = []
    doc_text = {d.doc_id: d.text for d in corpus.documents}
    docs_by_source: dict[str, list[Document]] = {}
    for doc in corpus.documents:
        docs_by_source.setdefault(doc.source, []).append(doc)
    for source, docs in tqdm(
        docs_by_source.items(), desc="chunk + tokenise", unit="file", disable=not progress, leave=False
    ):
        if source in reusable and source in previous.chunks:
            for row, old in previous.chunks[source]:
                text = doc_text[old.doc_id][old.start : old.end]
                chunks.append(Chunk(old.chunk_id, old.doc_id, old.start, old.end, text, old.tokens))
                vectors.append(np.array(previous.vectors[row]) if previous.vectors is not None else None)
            continue
        for doc in docs:
            for chunk in chunk_document(doc, settings.chunk_size, settings.chunk_max, settings.chunk_overlap):
                tokens = tokenize(f"{doc.title} {chunk.text}")
                chunks.append(Chunk(chunk.chunk_id, chunk.doc_id, chunk.start, chunk.end, chunk.text, tokens))
                vectors.append(None)
                to_encode.append(len(chunks) - 1)
    return chunks, vectors, to_encode


def _encode_missing(
    encoder: Any, corpus: IngestReport, chunks: list[Chunk], vectors: list[np.ndarray | None], to_encode: list[int], settings: IndexSettings, progress: bool
) -> int:
    """Encode: fill `vectors` at the rows of `to_encode` (title + text); returns how many were encoded."""
    if to_encode:
        titles = {d.doc_id: d.title for d in corpus.documents}
        titled = [f"{titles[chunks[i].doc_id]}\n{chunks[i].text}" for i in to_encode]
        encoded = encoder.encode(titled, batch_size=settings.encode_batch_size, progress=progress)
        for i, vec in zip(to_encode, encoded, strict=True):
            vectors[i] = vec
    return len(to_encode)


def _write_and_switch(
    settings: IndexSettings, info: Any, paths: list[Path], corpus: IngestReport, chunks: list[Chunk], vectors: list[np.ndarray | None], report: BuildReport
) -> None:
    """Write and switch: the dense and BM25 indexes over the chunks, committed as a new version (`_commit`)."""
    matrix = (
        np.vstack([v for v in vectors if v is not None]).astype(np.float32)
        if chunks
        else np.zeros((0, info.dimension), dtype=np.float32)
    )
    spec = choose_spec(
        len(chunks), settings.faiss_index, settings.faiss_auto_threshold,
        settings.hnsw_m, settings.hnsw_ef_search, settings.ivf_nprobe,
    )
    report.index_type = spec.kind
    dense = build_dense(matrix, spec)
    bm25 = BM25Index.build([c.tokens for c in chunks], settings.bm25_k1, settings.bm25_b)
    new_manifest = index_manifest(
        settings, info, spec, [str(p) for p in paths], dict(sorted(corpus.files.items())),
        {"documents": len(corpus.documents), "chunks": len(chunks)},
    )
    commit_version(settings.index_dir, new_manifest, corpus.documents, chunks, matrix, dense, bm25)
    report.documents = len(corpus.documents)
    report.chunks = len(chunks)


def load_index(index_dir: Path, encoder_name: str) -> LoadedIndex:
    """Read and validate the active index; raises IndexNotFound/Mismatch/Corrupt errors.

    CURRENT is read once, so a build switching it meanwhile cannot mix two versions; file sizes are checked
    against the manifest (checksums are left to `qa index`, which reads every byte)."""
    version, manifest = active_version(index_dir)
    check_compatible(manifest, encoder_name, index_dir)
    check_shape(manifest, index_dir)
    rebuild = rebuild_hint(index_dir)
    damaged = verify_files(version, manifest, checksums=False)
    if damaged:
        what = ", ".join(f"{name} ({why})" for name, why in damaged)
        raise IndexCorruptError(f"index at {index_dir} is damaged: {what}; rebuild the damaged files with: qa index --index-dir {index_dir}")
    try:
        documents, chunks = read_records(version)
        spec = DenseIndexSpec(manifest["dense"]["type"], manifest["dense"]["params"])
        dense = load_dense(version / "dense.faiss", spec)
        bm25 = BM25Index.load(version)
    except _LOAD_ERRORS as exc:
        raise IndexCorruptError(f"index at {index_dir} is damaged ({type(exc).__name__}: {exc}); {rebuild}") from exc
    expected = manifest["counts"]["chunks"]
    if not (len(chunks) == expected == dense.ntotal == bm25.size):
        raise IndexCorruptError(
            f"index at {index_dir} is inconsistent ({len(chunks)} chunks, {dense.ntotal} vectors, "
            f"{bm25.size} BM25 rows, manifest says {expected}); {rebuild}"
        )
    if dense.d != manifest["encoder"]["dimension"]:
        raise IndexMismatchError(f"index at {index_dir} holds {dense.d}-d vectors but its manifest says {manifest['encoder']['dimension']}; {rebuild}")
    return LoadedIndex(version, manifest, documents, chunks, bm25, dense, spec)
