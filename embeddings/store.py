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

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
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
    IndexLocationError,
    IndexMismatchError,
    IndexNotFoundError,
)
from embeddings.ingest import IngestReport, load_corpus
from embeddings.locks import exclusive
from embeddings.records import (
    RECORD_FILES,
    DocumentsById,
    DocumentTable,
    read_records,
    write_records,
)
from embeddings.settings import IndexSettings
from embeddings.tokenize import stopwords, tokenize
from embeddings.vector_index import DenseIndexSpec, build_dense, choose_spec, load_dense, save_dense

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
"""2: memory-mapped records and BM25 postings (1: JSON lines and a scipy .npz, parsed whole on load)."""
TOKENIZER = "jieba-lcut-v1"
DATA_FILES = (*RECORD_FILES, "vectors.npy", "dense.faiss", *BM25_FILES)
"""The files a version holds besides its manifest; the manifest records their sizes and checksums."""
_FILES = ("manifest.json", *DATA_FILES)
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


def _stopwords_hash() -> str:
    return hashlib.sha256("\n".join(sorted(stopwords())).encode()).hexdigest()[:16]


def _chunking(settings: IndexSettings) -> dict[str, int]:
    return {"size": settings.chunk_size, "max": settings.chunk_max, "overlap": settings.chunk_overlap}


def _rebuild_hint(index_dir: Path) -> str:
    return f"rebuild with: qa index --rebuild --index-dir {index_dir}"


def current_version(index_dir: Path) -> Path | None:
    """The active version folder, or None when no index was ever completed here (CURRENT is read once)."""
    pointer = index_dir / "CURRENT"
    try:
        raw = pointer.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        raise IndexCorruptError(f"index pointer {pointer} cannot be read ({exc.strerror}); {_rebuild_hint(index_dir)}") from None
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        name = ""
    if not name or "/" in name or "\\" in name or name.startswith(".") or not name.isprintable():
        raise IndexCorruptError(f"index pointer {pointer} is damaged; {_rebuild_hint(index_dir)}")
    return index_dir / name


def _manifest_of(version: Path, index_dir: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"index manifest at {version} is unreadable ({exc}); {_rebuild_hint(index_dir)}") from exc
    if not isinstance(manifest, dict):
        raise IndexCorruptError(
            f"index manifest at {version} is a JSON {type(manifest).__name__}, not an object; {_rebuild_hint(index_dir)}"
        )
    return manifest


def _active(index_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The active version folder and its manifest, from one read of CURRENT."""
    version = current_version(index_dir)
    if version is None:
        raise IndexNotFoundError(f"no index at {index_dir}; build one with: qa index --index-dir {index_dir}")
    return version, _manifest_of(version, index_dir)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The active manifest; raises IndexNotFoundError or IndexCorruptError."""
    return _active(index_dir)[1]


def _check_shape(manifest: dict[str, Any], index_dir: Path) -> None:
    """IndexCorruptError unless the manifest has the fields this program reads, with the right types."""
    shape = {"encoder": ("name", "dimension"), "dense": ("type", "params"), "counts": ("documents", "chunks")}
    for key, subkeys in shape.items():
        part = manifest.get(key)
        if not isinstance(part, dict) or any(k not in part for k in subkeys):
            raise IndexCorruptError(f"index manifest at {index_dir} lacks {key!r}; {_rebuild_hint(index_dir)}")
    if not isinstance(manifest.get("files", {}), dict) or not isinstance(manifest["counts"]["chunks"], int):
        raise IndexCorruptError(f"index manifest at {index_dir} is malformed; {_rebuild_hint(index_dir)}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def artifact_table(version: Path) -> dict[str, dict[str, Any]]:
    """Size and SHA-256 of each data file of a version folder (what the manifest records)."""
    return {name: {"bytes": (version / name).stat().st_size, "sha256": _sha256(version / name)} for name in DATA_FILES}


def verify_files(version: Path, manifest: dict[str, Any], *, checksums: bool) -> list[tuple[str, str]]:
    """(file, what is wrong) for each data file that does not match the manifest's record: missing, another
    size, or (with `checksums`) other content. Empty when all match or the manifest predates the records."""
    table = manifest.get("artifacts")
    if not isinstance(table, dict):
        return []
    damaged: list[tuple[str, str]] = []
    for name in DATA_FILES:
        record = table.get(name)
        path = version / name
        if not isinstance(record, dict):
            damaged.append((name, "not recorded in the manifest"))
            continue
        try:
            size = path.stat().st_size
        except OSError:
            damaged.append((name, "missing"))
            continue
        if size != record.get("bytes"):
            damaged.append((name, f"{size} bytes, the manifest says {record.get('bytes')}"))
        elif checksums and _sha256(path) != record.get("sha256"):
            damaged.append((name, "checksum mismatch"))
    return damaged


def check_compatible(manifest: dict[str, Any], encoder_name: str, index_dir: Path, *, where: str | None = None) -> None:
    """Raise IndexMismatchError if the index was built with another format or encoder. `where` names an index
    that is not a folder (`index in Milvus collection ...`); the rebuild hint then has no --index-dir."""
    what = where or f"index at {index_dir}"
    folder = "" if where else f" --index-dir {index_dir}"
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"{what} has format version {version}, this program reads version {FORMAT_VERSION}; "
            f"rebuild it with: qa index --rebuild{folder}"
        )
    built_with = manifest.get("encoder", {}).get("name")
    if built_with != encoder_name:
        raise IndexMismatchError(
            f"{what} was built with encoder {built_with!r} but the configured encoder is "
            f"{encoder_name!r}; rebuild with: qa index --rebuild --model {encoder_name}{folder} "
            f"(or set WENDA_EMBEDDING_MODEL={built_with} to use the index as it is)"
        )


def ensure_index_dir(index_dir: Path) -> None:
    """Create the index folder; IndexLocationError (one line) when it is a file or cannot be created."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        probe = index_dir / "LOCK"
        with open(probe, "a"):
            pass
    except OSError as exc:
        what = "is not a folder" if index_dir.exists() and not index_dir.is_dir() else "cannot be created or written"
        raise IndexLocationError(f"the index folder {index_dir} {what} ({exc.strerror or exc}); choose another --index-dir") from None


@contextlib.contextmanager
def write_lock(index_dir: Path, wait_s: float = 30.0) -> Iterator[None]:
    """Exclusive lock on the index folder for one writer; waits up to `wait_s` then fails clearly."""
    ensure_index_dir(index_dir)
    busy = f"another process is writing the index at {index_dir}; wait for it to finish and retry"
    with open(index_dir / "LOCK", "a+") as handle, exclusive(handle, wait_s, busy):
        yield


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


def clean_stale(index_dir: Path) -> list[str]:
    """Remove what killed builds left (`.tmp-*`, `.CURRENT-*`, orphan versions); call with the write lock held.

    Keeps the active version and the newest other one (a reader may still be loading it). Returns the names removed.
    """
    try:
        active = current_version(index_dir)
    except IndexCorruptError:
        active = None
    versions = sorted(p.name for p in index_dir.iterdir() if p.is_dir() and p.name.startswith("v-"))
    others = [v for v in versions if active is None or v != active.name]
    keep = {active.name if active else "", *others[-1:]}
    removed = []
    for entry in index_dir.iterdir():
        stale = entry.name.startswith((".tmp-", ".CURRENT-")) or (entry.name.startswith("v-") and entry.name not in keep)
        if not stale:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()
        removed.append(entry.name)
    if removed:
        log.info("removed leftovers of interrupted builds: %s", ", ".join(sorted(removed)))
    return removed


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
        manifest = _manifest_of(version, index_dir)
        check_compatible(manifest, encoder_name, index_dir)
        _check_shape(manifest, index_dir)
    except (IndexMismatchError, IndexCorruptError) as exc:
        log.warning("rebuilding from scratch: %s", exc)
        return version, None
    same_setup = (
        manifest.get("chunking") == _chunking(settings)
        and manifest.get("bm25", {}).get("tokenizer") == TOKENIZER
        and manifest.get("bm25", {}).get("stopwords") == _stopwords_hash()
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
    _commit(settings.index_dir, new_manifest, corpus.documents, chunks, matrix, dense, bm25)
    report.documents = len(corpus.documents)
    report.chunks = len(chunks)


def index_manifest(
    settings: IndexSettings, info: Any, spec: DenseIndexSpec, corpus: list[str], files: dict[str, Any], counts: dict[str, int]
) -> dict[str, Any]:
    """The manifest of an index version built with `settings`, encoder `info` and dense `spec`."""
    return {
        "format_version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "encoder": {
            "name": info.name,
            "resolved": getattr(info, "resolved", info.name),
            "dimension": int(info.dimension),
            "normalize": True,
            "builtin": bool(getattr(info, "builtin", False)),
        },
        "chunking": _chunking(settings),
        "dense": {"type": spec.kind, "params": spec.params, "metric": "inner_product"},
        "bm25": {"k1": settings.bm25_k1, "b": settings.bm25_b, "tokenizer": TOKENIZER, "stopwords": _stopwords_hash()},
        "corpus": corpus,
        "files": files,
        "counts": counts,
    }


def _commit(
    index_dir: Path,
    manifest: dict[str, Any],
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    matrix: np.ndarray,
    dense: Any,
    bm25: BM25Index,
) -> None:
    """Write a new version folder, then switch CURRENT to it atomically and drop stale versions."""
    name = f"v-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir(parents=True)
    try:
        write_records(tmp, documents, chunks)
        np.save(tmp / "vectors.npy", matrix)
        save_dense(dense, tmp / "dense.faiss")
        bm25.save(tmp)
        manifest = {**manifest, "artifacts": artifact_table(tmp)}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        for file in _FILES:
            with open(tmp / file, "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_dir(tmp)
        os.rename(tmp, index_dir / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        previous = current_version(index_dir)
    except IndexCorruptError:  # a damaged pointer is being replaced: nothing to keep for readers
        previous = None
    pointer_tmp = index_dir / f".CURRENT-{uuid.uuid4().hex[:8]}"
    pointer_tmp.write_text(name, encoding="utf-8")
    with open(pointer_tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer_tmp, index_dir / "CURRENT")
    _fsync_dir(index_dir)
    # Keep the previous version for readers that may still be loading it; drop older ones and leftovers.
    keep = {name, previous.name if previous else ""}
    for entry in index_dir.iterdir():
        if entry.is_dir() and (entry.name.startswith("v-") or entry.name.startswith(".tmp-")) and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def load_index(index_dir: Path, encoder_name: str) -> LoadedIndex:
    """Read and validate the active index; raises IndexNotFound/Mismatch/Corrupt errors.

    CURRENT is read once, so a build switching it meanwhile cannot mix two versions; file sizes are checked
    against the manifest (checksums are left to `qa index`, which reads every byte)."""
    version, manifest = _active(index_dir)
    check_compatible(manifest, encoder_name, index_dir)
    _check_shape(manifest, index_dir)
    rebuild = _rebuild_hint(index_dir)
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
