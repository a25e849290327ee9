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


class Bm25sIndex:
    """The maintained library doing what `BM25Index` does (`bm25s`: BM25 scores precomputed into a sparse
    matrix at indexing time), over the project's own jieba tokens with the same k1, b and Lucene idf.

    bm25s drops BM25's constant `(k1 + 1)` numerator factor, as Lucene 8 does; scores are multiplied back so
    both report the same numbers (rankings do not depend on it). Query terms are passed once each, as
    `BM25Index` counts them."""

    def __init__(self, corpus_tokens: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        import bm25s

        self.k1 = k1
        self.version: str = bm25s.__version__
        self.size = len(corpus_tokens)
        self.model = bm25s.BM25(k1=k1, b=b, method="lucene")
        self.model.index([list(doc) for doc in corpus_tokens], show_progress=False)

    def nbytes(self) -> int:
        """Bytes of its score matrix (data, indices, pointers)."""
        scores = self.model.scores
        return int(sum(scores[key].nbytes for key in ("data", "indices", "indptr")))

    def search(self, query_tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        """Top-k (doc index, score) with a positive score, best first, through `BM25.retrieve`."""
        terms = [t for t in dict.fromkeys(query_tokens) if t in self.model.vocab_dict]
        k = min(k, self.size)
        if not terms or k <= 0:
            return []
        ids, scores = self.model.retrieve([terms], k=k, show_progress=False, n_threads=1)
        scale = self.k1 + 1
        return [(int(i), float(s) * scale) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]
