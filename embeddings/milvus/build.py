"""Incremental builds of a Milvus index: the chunks of new and changed files are upserted, those of changed
and removed files deleted by doc id; the manifest, term statistics and document order are written last, after
a `building` state that an interrupted build leaves behind (the next build then starts from scratch)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from embeddings.chunking import chunk_document
from embeddings.documents import Document
from embeddings.errors import IndexCorruptError, IndexMismatchError
from embeddings.ingest import load_corpus
from embeddings.manifest import TOKENIZER, check_compatible, chunking_of, index_manifest, stopwords_hash
from embeddings.milvus import collections as mc
from embeddings.milvus.connect import connect, describe, write_lock
from embeddings.milvus.index import read_ready_manifest
from embeddings.settings import IndexSettings
from embeddings.store import BuildReport
from embeddings.tokenize import tokenize
from embeddings.vector_index import DenseIndexSpec

log = logging.getLogger(__name__)

DENSE_SPEC = DenseIndexSpec("milvus-flat", {"metric": "IP"})
"""Exact inner product, as the local backend's default (Lite has no HNSW)."""


def _reusable(client: Any, settings: IndexSettings, info: Any) -> dict[str, Any] | None:
    """The stored manifest when its chunks can be kept (same encoder, dimension, chunking, tokeniser, BM25
    parameters); None (rebuild from scratch, with a warning) otherwise."""
    collection = settings.milvus_collection
    if not mc.exists(client, collection):
        return None
    mc.load(client, collection)
    try:
        manifest = read_ready_manifest(client, settings)
        check_compatible(manifest, info.name, Path(collection), where=f"index in {describe(settings)}")
    except (IndexMismatchError, IndexCorruptError) as exc:
        log.warning("rebuilding from scratch: %s", exc)
        return None
    bm25 = manifest.get("bm25", {})
    same = (
        manifest.get("chunking") == chunking_of(settings)
        and manifest.get("encoder", {}).get("dimension") == int(info.dimension)
        and bm25.get("tokenizer") == TOKENIZER and bm25.get("stopwords") == stopwords_hash()
        and bm25.get("k1") == settings.bm25_k1 and bm25.get("b") == settings.bm25_b
    )
    return manifest if same else None


def _delete_sources(client: Any, collection: str, sources: Sequence[str], df: Counter[str]) -> int:
    """Delete the documents of `sources` and their chunks (by doc id), taking their terms out of `df`."""
    doc_ids = mc.keys_of_owners(client, collection, "doc", sources)
    deleted = 0
    for i in range(0, len(doc_ids), 500):
        batch = doc_ids[i : i + 500]
        expr = f"doc_id in {mc.literal(batch)}"
        for row in mc.iterate(client, collection, expr, ["tokens"]):
            df.subtract(set(row["tokens"].split()))
            deleted += 1
        client.delete(collection, filter=expr)
    mc.delete_values(client, collection, "doc", keys=doc_ids)
    return deleted


def _chunk_rows(
    docs: Sequence[Document], settings: IndexSettings, encoder: Any, df: Counter[str], progress: bool
) -> Iterator[dict[str, Any]]:
    """Rows of the chunks of `docs` (tokenised as the local index: title and text), encoded in one pass."""
    pending: list[tuple[Document, Any, list[str]]] = []
    for doc in tqdm(docs, desc="chunk + tokenise", unit="doc", disable=not progress, leave=False):
        for chunk in chunk_document(doc, settings.chunk_size, settings.chunk_max, settings.chunk_overlap):
            pending.append((doc, chunk, tokenize(f"{doc.title} {chunk.text}")))
    if not pending:
        return
    vectors = encoder.encode(
        [f"{doc.title}\n{chunk.text}" for doc, chunk, _ in pending], batch_size=settings.encode_batch_size, progress=progress
    )
    for (doc, chunk, tokens), vector in zip(pending, vectors, strict=True):
        df.update(set(tokens))
        yield {
            "chunk_id": chunk.chunk_id, "doc_id": doc.doc_id, "source": mc.clip(doc.source, 4096),
            "title": mc.clip(doc.title), "start": chunk.start, "end": chunk.end, "text": mc.clip(chunk.text),
            "tokens": mc.clip(" ".join(tokens)), "dense": [float(x) for x in vector],
        }


def build_milvus_index(
    settings: IndexSettings,
    paths: Sequence[Path] | None = None,
    *,
    encoder_factory: Callable[[], Any],
    rebuild: bool = False,
    progress: bool = False,
    lock_wait_s: float = 30.0,
) -> BuildReport:
    """Index `paths` (default: settings.corpus) into the Milvus collection, encoding only what changed."""
    started = time.perf_counter()
    paths = list(paths or settings.corpus)
    collection = settings.milvus_collection
    with write_lock(settings, lock_wait_s):
        corpus = load_corpus(paths)
        report = BuildReport(index_dir=describe(settings), skipped=corpus.skipped, index_type=DENSE_SPEC.kind)
        encoder = encoder_factory()
        info = encoder.info
        report.encoder = info.name
        client = connect(settings)
        try:
            manifest = None if rebuild else _reusable(client, settings, info)
            if manifest is None:
                mc.drop(client, collection)
                mc.create(client, collection, int(info.dimension), settings.bm25_k1, settings.bm25_b)
                old_files: dict[str, str] = {}
                df: Counter[str] = Counter()
                old_chunks = 0
            else:
                old_files = manifest.get("files", {})
                df = Counter(mc.get_value(client, collection, "df") or {})
                old_chunks = int(manifest["counts"]["chunks"])
            new_files = corpus.files
            report.added = sorted(set(new_files) - set(old_files))
            report.removed = sorted(set(old_files) - set(new_files))
            report.changed = sorted(s for s in new_files if s in old_files and old_files[s] != new_files[s])
            report.unchanged = sorted(s for s in new_files if old_files.get(s) == new_files[s])
            corpus_paths = [str(p) for p in paths]
            if manifest is not None and not (report.added or report.removed or report.changed) and manifest.get("corpus") == corpus_paths:
                report.documents = manifest["counts"]["documents"]
                report.chunks = old_chunks
                report.up_to_date = True
                report.seconds = time.perf_counter() - started
                return report

            mc.put_value(client, collection, "state", "building")
            deleted = _delete_sources(client, collection, report.removed + report.changed, df)
            fresh = set(report.added) | set(report.changed)
            docs = [d for d in corpus.documents if d.source in fresh]
            inserted = mc.insert_batches(client, collection, _chunk_rows(docs, settings, encoder, df, progress))
            mc.put_values(client, collection, "doc", [(d.doc_id, d.source, d.to_dict()) for d in docs])
            counts = {"documents": len(corpus.documents), "chunks": old_chunks - deleted + inserted}
            new_manifest = index_manifest(settings, info, DENSE_SPEC, corpus_paths, dict(sorted(new_files.items())), counts)
            new_manifest["backend"] = {"type": "milvus", "uri": settings.milvus_uri, "collection": collection}
            mc.put_value(client, collection, "df", {t: n for t, n in df.items() if n > 0})
            mc.put_value(client, collection, "order", [d.doc_id for d in corpus.documents])
            mc.put_value(client, collection, "manifest", new_manifest)
            mc.put_value(client, collection, "state", "ready")
            report.encoded_chunks = inserted
            report.documents = counts["documents"]
            report.chunks = counts["chunks"]
            report.seconds = time.perf_counter() - started
            return report
        finally:
            client.close()


def read_milvus_manifest(settings: IndexSettings) -> dict[str, Any]:
    """The manifest of the index in the collection (for `qa info`); IndexNotFound/Corrupt errors."""
    from embeddings.errors import IndexNotFoundError

    client = connect(settings)
    try:
        if not mc.exists(client, settings.milvus_collection):
            raise IndexNotFoundError(f"no index in {describe(settings)}; build one with: qa index (or just ask: qa ask \"…\")")
        mc.load(client, settings.milvus_collection)
        return read_ready_manifest(client, settings)
    finally:
        client.close()


def milvus_index_exists(settings: IndexSettings) -> bool:
    """Whether a completed index is in the collection."""
    client = connect(settings)
    try:
        if not mc.exists(client, settings.milvus_collection):
            return False
        mc.load(client, settings.milvus_collection)
        return mc.get_value(client, settings.milvus_collection, "state") == "ready"
    finally:
        client.close()
