"""Hybrid retrieval: dense (FAISS) and BM25 (jieba) fused with weighted reciprocal-rank fusion."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

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


class HybridRetriever:
    """Ranks the chunks of a loaded index for a query and returns merged passages."""

    def __init__(self, index: LoadedIndex, encoder: object, candidates: int = 50) -> None:
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

    def search(self, query: str, top_k: int, mode: str = "hybrid", weights: FusionWeights | None = None) -> list[Passage]:
        """The top-k passages; overlapping chunks of one article are merged (transitively) before the cut."""
        weights = weights or FusionWeights()
        merged: list[Passage] = []
        for row, score in self.rank(query, mode, weights):
            chunk = self.index.chunks[row]
            doc = self.index.doc_by_id[chunk.doc_id]
            overlapping = [p for p in merged if p.doc_id == chunk.doc_id and chunk.start < p.end and p.start < chunk.end]
            if not overlapping:
                if len(merged) < top_k:
                    merged.append(Passage(doc.doc_id, doc.source, doc.title, chunk.chunk_id, chunk.start, chunk.end, chunk.text, round(score, 6)))
                continue
            # Grow the best-ranked overlapping passage over the chunk and any passage the union now touches.
            keep = overlapping[0]
            start, end = min(keep.start, chunk.start), max(keep.end, chunk.end)
            absorbed = True
            while absorbed:
                absorbed = False
                for other in merged:
                    if other is not keep and other.doc_id == keep.doc_id and other.start < end and start < other.end:
                        start, end = min(start, other.start), max(end, other.end)
                        merged.remove(other)
                        absorbed = True
                        break
            merged[merged.index(keep)] = dataclasses.replace(keep, start=start, end=end, text=doc.text[start:end])
        return merged
