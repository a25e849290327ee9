"""BM25 over pre-tokenised chunks as a sparse term-weight matrix.

Per-document weights are computed once at build time; a query sums the columns of its terms, so the
cost grows with the postings of the query terms, not with the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse


class BM25Index:
    """Okapi BM25 (Lucene idf) with a CSC doc×term weight matrix."""

    def __init__(self, weights: sparse.csc_matrix, vocab: dict[str, int]) -> None:
        self.weights = weights
        self.vocab = vocab

    @property
    def size(self) -> int:
        return int(self.weights.shape[0])

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, tokens in enumerate(docs):
            for token in tokens:
                rows.append(i)
                cols.append(vocab.setdefault(token, len(vocab)))
        n_docs = len(docs)
        tf = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
            shape=(n_docs, max(len(vocab), 1)),
        )
        tf.sum_duplicates()
        lengths = np.asarray([len(d) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if n_docs and lengths.mean() > 0 else 1.0
        df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float32)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = k1 * (1 - b + b * lengths / avg)
        row_of = np.repeat(np.arange(n_docs), np.diff(tf.indptr))
        data = tf.data * (k1 + 1) / (tf.data + norm[row_of]) * idf[tf.indices]
        weights = sparse.csr_matrix((data.astype(np.float32), tf.indices, tf.indptr), shape=tf.shape).tocsc()
        return cls(weights, vocab)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query (zeros when no term is known)."""
        ids = sorted({self.vocab[t] for t in query_tokens if t in self.vocab})
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.weights[:, ids].sum(axis=1), dtype=np.float32).ravel()

    def search(self, query_tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        """Top-k (doc index, score) with a positive score, best first."""
        scores = self.scores(query_tokens)
        k = min(k, int(np.count_nonzero(scores)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top]

    def save(self, directory: Path) -> None:
        sparse.save_npz(directory / "bm25.npz", self.weights, compressed=False)
        terms = [""] * len(self.vocab)
        for term, i in self.vocab.items():
            terms[i] = term
        (directory / "bm25_vocab.json").write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        weights = sparse.load_npz(directory / "bm25.npz").tocsc()
        terms = json.loads((directory / "bm25_vocab.json").read_text(encoding="utf-8"))
        return cls(weights, {t: i for i, t in enumerate(terms)})
