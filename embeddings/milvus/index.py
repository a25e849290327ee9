"""A Milvus index opened for querying: documents in memory (citations cite their text), chunks searched in
Milvus (dense: exact inner product; BM25: Milvus full-text search over the jieba tokens)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.bm25 import BM25Index
from embeddings.documents import Chunk, Document
from embeddings.errors import IndexCorruptError, IndexNotFoundError
from embeddings.milvus import collections as mc
from embeddings.milvus.connect import connect, describe
from embeddings.settings import IndexSettings
from embeddings.store import check_compatible
from embeddings.vector_index import DenseIndexSpec

TIE_MARGIN = 10
"""Extra hits fetched beyond k, so that ties at the k-th score are cut in the local backend's order."""
SCORE_DIGITS = 5
"""Scores equal to this many decimals count as ties (Milvus and the local backend round differently)."""
HIT_FIELDS = ["chunk_id", "doc_id", "start", "end"]
BACKEND = "milvus"


class _Pointers:
    """CSC-style column pointers: `np.diff(indptr)` is each term's document frequency."""

    def __init__(self, indptr: np.ndarray) -> None:
        self.indptr = indptr


class DocFrequencies:
    """What `QAPipeline` reads of a `BM25Index` for its idf table (`vocab`, `size`, `weights.indptr`), from the
    term document frequencies kept in the meta collection."""

    def __init__(self, df: dict[str, int], size: int) -> None:
        terms = sorted(t for t, n in df.items() if n > 0)
        self.vocab = {t: i for i, t in enumerate(terms)}
        counts = np.fromiter((df[t] for t in terms), dtype=np.int64, count=len(terms))
        self.weights = _Pointers(np.concatenate([[0], np.cumsum(counts)]))
        self._size = size
        self._idf: np.ndarray | None = None

    @property
    def size(self) -> int:
        return self._size

    # The local index's idf, read from the same three things (vocab, size, weights.indptr).
    idf_table = BM25Index.idf_table
    idf = BM25Index.idf


class ChunkCount:
    """`len(index.chunks)` without the chunks in memory (they stay in Milvus)."""

    def __init__(self, n: int) -> None:
        self._n = n

    def __len__(self) -> int:
        return self._n


@dataclass
class MilvusIndex:
    """The Milvus counterpart of `LoadedIndex` (same `manifest`, `documents`, `doc_by_id`, `chunks` length and
    `bm25` idf statistics), searched by `search_bm25` / `search_dense` / `hybrid_search`."""

    client: Any
    settings: IndexSettings
    manifest: dict[str, Any]
    documents: list[Document]
    bm25: DocFrequencies
    chunks: ChunkCount
    backend: str = BACKEND
    dense: Any = None
    doc_by_id: dict[str, Document] = field(init=False)
    doc_rank: dict[str, int] = field(init=False)
    path: Path = field(init=False)
    dense_spec: DenseIndexSpec = field(init=False)

    def __post_init__(self) -> None:
        self.doc_by_id = {d.doc_id: d for d in self.documents}
        self.doc_rank = {d.doc_id: i for i, d in enumerate(self.documents)}
        self.path = Path(self.settings.milvus_collection)
        self.dense_spec = DenseIndexSpec(self.manifest["dense"]["type"], self.manifest["dense"]["params"])

    @property
    def collection(self) -> str:
        return self.settings.milvus_collection

    def row_key(self, chunk: Chunk) -> tuple[int, int]:
        """The chunk's place in the local backend's row order (documents in corpus order, then offset)."""
        return self.doc_rank.get(chunk.doc_id, len(self.doc_rank)), chunk.start

    def _hits(self, result: Any, k: int) -> list[tuple[Chunk, float]]:
        hits: list[tuple[Chunk, float]] = []
        for hit in result[0] if result else []:
            row = hit["entity"]
            doc = self.doc_by_id.get(row["doc_id"])
            if doc is None:
                continue
            start, end = int(row["start"]), int(row["end"])
            hits.append((Chunk(row["chunk_id"], row["doc_id"], start, end, doc.text[start:end]), float(hit["distance"])))
        hits.sort(key=lambda h: (-round(h[1], SCORE_DIGITS), self.row_key(h[0])))
        return hits[:k]

    def search_bm25(self, tokens: list[str], k: int) -> list[tuple[Chunk, float]]:
        """Top-k chunks by Milvus BM25 for the query's tokens (each term once, as the local BM25 counts them)."""
        terms = list(dict.fromkeys(t for t in tokens if t in self.bm25.vocab))
        if not terms or k <= 0:
            return []
        result = self.client.search(
            self.collection, data=[" ".join(terms)], anns_field="sparse", limit=k + TIE_MARGIN,
            search_params={"metric_type": "BM25"}, output_fields=HIT_FIELDS,
        )
        return self._hits(result, k)

    def search_dense(self, vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """Top-k chunks by inner product with a (normalised) query vector, exact."""
        if k <= 0 or not len(self.chunks):
            return []
        result = self.client.search(
            self.collection, data=[np.asarray(vector, dtype=np.float32).tolist()], anns_field="dense",
            limit=k + TIE_MARGIN, search_params={"metric_type": "IP"}, output_fields=HIT_FIELDS,
        )
        return self._hits(result, k)

    def hybrid_search(self, tokens: list[str], vector: np.ndarray, k: int, rrf_k: int, candidates: int) -> list[tuple[Chunk, float]]:
        """Milvus's own `hybrid_search` with its (unweighted) RRF ranker over both retrievers' top candidates."""
        from pymilvus import AnnSearchRequest, RRFRanker

        terms = list(dict.fromkeys(t for t in tokens if t in self.bm25.vocab))
        requests = [
            AnnSearchRequest(
                data=[np.asarray(vector, dtype=np.float32).tolist()], anns_field="dense", param={"metric_type": "IP"},
                limit=candidates,
            )
        ]
        if terms:
            requests.insert(0, AnnSearchRequest(data=[" ".join(terms)], anns_field="sparse", param={"metric_type": "BM25"}, limit=candidates))
        result = self.client.hybrid_search(
            self.collection, requests, ranker=RRFRanker(rrf_k), limit=k + TIE_MARGIN, output_fields=HIT_FIELDS
        )
        return self._hits(result, k)

    def close(self) -> None:
        self.client.close()


def open_milvus_index(settings: IndexSettings, encoder_name: str) -> MilvusIndex:
    """Open the index in settings.milvus_collection; IndexNotFound/Mismatch/Corrupt errors as the local index."""
    where = describe(settings)
    client = connect(settings)
    try:
        collection = settings.milvus_collection
        if not mc.exists(client, collection):
            raise IndexNotFoundError(f"no index in {where}; build one with: qa index")
        mc.load(client, collection)
        manifest = read_ready_manifest(client, settings)
        check_compatible(manifest, encoder_name, Path(collection), where=f"index in {where}")
        docs = mc.get_values(client, collection, "doc")
        order = mc.get_value(client, collection, "order") or []
        df = mc.get_value(client, collection, "df") or {}
        missing = [d for d in order if d not in docs]
        if missing or len(order) != manifest["counts"]["documents"]:
            raise IndexCorruptError(f"index in {where} is inconsistent ({len(missing)} documents missing); rebuild with: qa index --rebuild")
        documents = [Document(**docs[d]) for d in order]
        n = int(manifest["counts"]["chunks"])
        return MilvusIndex(client, settings, manifest, documents, DocFrequencies(df, n), ChunkCount(n))
    except BaseException:
        client.close()
        raise


def read_ready_manifest(client: Any, settings: IndexSettings) -> dict[str, Any]:
    """The manifest of a completed build; IndexCorruptError when a build was interrupted or nothing is there."""
    where = describe(settings)
    state = mc.get_value(client, settings.milvus_collection, "state")
    manifest = mc.get_value(client, settings.milvus_collection, "manifest")
    if state != "ready" or not isinstance(manifest, dict):
        raise IndexCorruptError(
            f"index in {where} is incomplete (a qa index was interrupted or is running); finish it with: qa index"
        )
    return manifest
