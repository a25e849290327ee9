"""Retrieval over a Milvus index: Milvus's BM25 and dense searches, fused here with the same weighted RRF as the
local backend (`qa.retriever.rrf`: Milvus's RRF ranker has no weights) and merged into passages by
`qa.retriever.merge_passages`. Ties are broken in the local backend's row order, so both rank alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embeddings.documents import Chunk, Document
from embeddings.encoders import TextEncoder
from embeddings.tokenize import tokenize
from qa.retriever import FusionWeights, HybridRetriever, Retriever, merge_passages, rrf
from qa.types import Passage


@dataclass
class _Candidates:
    """What `merge_passages` reads of an index: chunks by row and documents by id."""

    chunks: list[Chunk]
    doc_by_id: dict[str, Document]


class MilvusRetriever:
    """`HybridRetriever`'s interface (`rank`, `search`) over a `MilvusIndex`; rows are this query's candidates."""

    def __init__(self, index: Any, encoder: TextEncoder, candidates: int = 50) -> None:
        self.index = index
        self.encoder = encoder
        self.candidates = candidates

    def _ranked(self, query: str, mode: str, weights: FusionWeights) -> tuple[list[tuple[int, float]], list[Chunk]]:
        chunks: list[Chunk] = []
        row_of: dict[str, int] = {}
        rankings: list[tuple[list[int], float]] = []

        def rows(hits: list[tuple[Chunk, float]]) -> list[int]:
            out = []
            for chunk, _ in hits:
                if chunk.chunk_id not in row_of:
                    row_of[chunk.chunk_id] = len(chunks)
                    chunks.append(chunk)
                out.append(row_of[chunk.chunk_id])
            return out

        if mode in ("hybrid", "bm25"):
            hits = self.index.search_bm25(tokenize(query), self.candidates)
            rankings.append((rows(hits), weights.bm25 if mode == "hybrid" else 1.0))
        if mode in ("hybrid", "dense") and (mode == "dense" or weights.dense > 0):
            vector = self.encoder.encode([query], query=True)[0]
            hits = self.index.search_dense(vector, self.candidates)
            rankings.append((rows(hits), weights.dense if mode == "hybrid" else 1.0))
        fused = rrf(rankings, weights.k)
        ranked = sorted(fused.items(), key=lambda item: (-item[1], self.index.row_key(chunks[item[0]])))
        return ranked, chunks

    def rank(self, query: str, mode: str, weights: FusionWeights) -> list[tuple[int, float]]:
        """(candidate row, fused score), best first; equal scores in the local backend's row order."""
        return self._ranked(query, mode, weights)[0]

    def search(
        self, query: str, top_k: int, mode: str = "hybrid", weights: FusionWeights | None = None,
        max_chars: int | None = None,
    ) -> list[Passage]:
        """The top-k passages for a query (see `merge_passages`)."""
        ranked, chunks = self._ranked(query, mode, weights or FusionWeights())
        return merge_passages(_Candidates(chunks, self.index.doc_by_id), ranked, top_k, max_chars)  # type: ignore[arg-type]


def make_retriever(index: Any, encoder: TextEncoder, candidates: int = 50) -> Retriever:
    """The retriever for an index of either backend."""
    if getattr(index, "backend", "local") == "milvus":
        return MilvusRetriever(index, encoder, candidates)
    return HybridRetriever(index, encoder, candidates)
