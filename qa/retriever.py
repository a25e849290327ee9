"""Hybrid retrieval: dense (FAISS) and BM25 (jieba) fused with weighted reciprocal-rank fusion, merged into passages.

`Retriever` is the seam the pipeline consumes; `HybridRetriever` (here) and `qa.milvus_retriever.MilvusRetriever`
implement it over the two index backends."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from embeddings.encoders import TextEncoder
from embeddings.store import LoadedIndex
from embeddings.tokenize import tokenize
from embeddings.vector_index import search_dense
from qa.types import Passage


@dataclass(frozen=True)
class FusionWeights:
    """RRF constant and per-retriever weights (a weight of 0 disables that retriever)."""

    k: int = 60
    bm25: float = 1.0
    dense: float = 0.3


def rrf(rankings: list[tuple[list[int], float]], k: int) -> dict[int, float]:
    """Weighted reciprocal-rank fusion of ranked id lists."""
    fused: dict[int, float] = {}
    for ids, weight in rankings:
        if weight <= 0:
            continue
        for rank, i in enumerate(ids):
            fused[i] = fused.get(i, 0.0) + weight / (k + rank + 1)
    return fused


class Retriever(Protocol):
    """Ranks an index's chunks for a query and merges the best into passages (what the pipeline consumes)."""

    def rank(self, query: str, mode: str, weights: FusionWeights) -> list[tuple[int, float]]:
        """(candidate row, fused score) for every candidate, best first."""
        ...

    def search(
        self, query: str, top_k: int, mode: str = "hybrid", weights: FusionWeights | None = None,
        max_chars: int | None = None,
    ) -> list[Passage]:
        """The top-k passages for a query, best first (see `merge_passages`)."""
        ...


class HybridRetriever:
    """Ranks the chunks of a loaded index for a query and returns merged passages."""

    def __init__(self, index: LoadedIndex, encoder: TextEncoder, candidates: int = 50) -> None:
        self.index = index
        self.encoder = encoder
        self.candidates = candidates

    def rank(self, query: str, mode: str, weights: FusionWeights) -> list[tuple[int, float]]:
        """(chunk row, fused score) for every candidate, best first."""
        rankings: list[tuple[list[int], float]] = []
        if mode in ("hybrid", "bm25"):
            hits = self.index.bm25.search(tokenize(query), self.candidates)
            rankings.append(([i for i, _ in hits], weights.bm25 if mode == "hybrid" else 1.0))
        if mode in ("hybrid", "dense") and (mode == "dense" or weights.dense > 0):
            vector = self.encoder.encode([query], query=True)[0]
            hits = search_dense(self.index.dense, vector, self.candidates)
            rankings.append(([i for i, _ in hits], weights.dense if mode == "hybrid" else 1.0))
        fused = rrf(rankings, weights.k)
        return sorted(fused.items(), key=lambda item: (-item[1], item[0]))

    def search(
        self, query: str, top_k: int, mode: str = "hybrid", weights: FusionWeights | None = None,
        max_chars: int | None = None,
    ) -> list[Passage]:
        """The top-k passages for a query (see `merge_passages`)."""
        return merge_passages(self.index, self.rank(query, mode, weights or FusionWeights()), top_k, max_chars)


def merge_passages(
    index: LoadedIndex, ranked: Iterable[tuple[int, float]], top_k: int, max_chars: int | None = None
) -> list[Passage]:
    """The top-k passages of ranked chunk rows, best first.

    Only the chunks ranked before the k-th distinct passage is filled take part: one that overlaps passages
    already taken from its article joins them into one (neighbouring chunks share a sentence), unless the
    result would be longer than `max_chars`, in which case it is skipped, as most of its text is already there.
    Lower-ranked chunks never grow a passage: growing them over every overlapping candidate made passages of
    whole articles, which the reader pays for window by window.
    """
    merged: list[Passage] = []
    for row, score in ranked:
        if len(merged) >= top_k:
            break
        chunk = index.chunks[row]
        doc = index.doc_by_id[chunk.doc_id]
        touching = [p for p in merged if p.doc_id == chunk.doc_id and chunk.start < p.end and p.start < chunk.end]
        if not touching:
            merged.append(Passage(doc.doc_id, doc.source, doc.title, chunk.chunk_id, chunk.start, chunk.end, chunk.text, round(score, 6)))
            continue
        start = min(chunk.start, *(p.start for p in touching))
        end = max(chunk.end, *(p.end for p in touching))
        if max_chars is not None and end - start > max_chars:
            continue
        keep = touching[0]
        grown = dataclasses.replace(keep, start=start, end=end, text=doc.text[start:end])
        merged = [grown if p is keep else p for p in merged if p is keep or all(p is not t for t in touching)]
    return merged
