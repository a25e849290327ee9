"""The simple baselines the indexes are compared with.

* `numpy_exact_search`: exact inner-product search as a plain matrix–vector product over every vector.
* `RebuildBM25`: BM25 constructed from the tokenised corpus at query time, the way several popular Chinese
  RAG projects do it (a `rank_bm25.BM25Okapi(tokenized_corpus)` built inside the request handler, then
  `get_scores(query)`). Implemented here in the same style (one term-count dict per document, document
  frequencies, then one pass over every document per query term) with `collections.Counter` for the counting,
  which is faster than rank_bm25's own loop, so the baseline is, if anything, flattered. It uses the project's
  k1, b, Lucene idf and unique query terms, so its ranking must equal `BM25Index`'s (checked by the bench).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


def top_k(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """(index, score) of the k largest scores, best first (equal scores: lower index first)."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    part = np.argpartition(scores, len(scores) - k)[len(scores) - k :]
    order = np.lexsort((part, -scores[part]))
    return [(int(part[i]), float(scores[part[i]])) for i in order]


def numpy_exact_search(matrix: np.ndarray, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Top-k rows of `matrix @ query` (float32 rows, unit length: inner product = cosine)."""
    return top_k(matrix @ query.astype(matrix.dtype, copy=False), k)


class RebuildBM25:
    """BM25 over a tokenised corpus, built from scratch by `search` for every query."""

    def __init__(self, corpus_tokens: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.corpus_tokens = corpus_tokens
        self.k1 = k1
        self.b = b

    def build(self) -> tuple[list[Counter[str]], np.ndarray, dict[str, float]]:
        """Per-document term counts, document lengths and idf (Lucene: log(1 + (N - df + .5) / (df + .5)))."""
        doc_freqs = [Counter(doc) for doc in self.corpus_tokens]
        doc_len = np.fromiter((len(doc) for doc in self.corpus_tokens), dtype=np.float64, count=len(self.corpus_tokens))
        df: Counter[str] = Counter()
        for freqs in doc_freqs:
            df.update(freqs.keys())
        n = len(doc_freqs)
        idf = {term: math.log1p((n - count + 0.5) / (count + 0.5)) for term, count in df.items()}
        return doc_freqs, doc_len, idf

    def search(self, query_tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        """Build the whole model, score every document, return the top-k with a positive score."""
        doc_freqs, doc_len, idf = self.build()
        if not doc_freqs:
            return []
        avgdl = float(doc_len.mean()) or 1.0
        norm = self.k1 * (1 - self.b + self.b * doc_len / avgdl)
        scores = np.zeros(len(doc_freqs), dtype=np.float64)
        for term in dict.fromkeys(query_tokens):
            weight = idf.get(term)
            if weight is None:
                continue
            freq = np.fromiter((d.get(term, 0) for d in doc_freqs), dtype=np.float64, count=len(doc_freqs))
            scores += weight * freq * (self.k1 + 1) / (freq + norm)
        return [(i, s) for i, s in top_k(scores, k) if s > 0]
