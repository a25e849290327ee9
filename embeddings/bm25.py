"""BM25 over pre-tokenised chunks as a sparse term-weight matrix.

Per-document weights are computed once at build time and stored as a CSC doc×term matrix, whose columns are
the terms' posting lists (document ids and weights). A query adds the postings of its terms into a reused
per-thread score buffer and ranks only the documents it touched, so its cost grows with the postings of the
query terms, not with the corpus: no full-corpus sum or sort, and no per-query multi-megabyte allocation
(whose page faults stalled queries on a loaded machine at 1M chunks, `qa bench`).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from itertools import chain
from pathlib import Path

import numpy as np
from scipy import sparse

FILES = ("bm25_data.npy", "bm25_indices.npy", "bm25_indptr.npy", "bm25_vocab.json")
"""What `save` writes."""

SPARSE_QUERY_FRACTION = 16
"""A query whose postings number under 1/16 of the documents ranks exactly the documents it touches; with more,
candidates are picked from the score buffer by a sampled threshold (see `_candidates`)."""
_SAMPLE_STRIDE = 16


def lucene_idf(n_docs: int, df: np.ndarray) -> np.ndarray:
    """Lucene's BM25 idf, log(1 + (N - df + 0.5) / (df + 0.5)), in the dtype of `df`."""
    return np.log1p((n_docs - df + 0.5) / (df + 0.5))


def _candidates(scores: np.ndarray, k: int) -> np.ndarray:
    """Sorted ids of a superset of the top-k positive scores (all positive ones when few)."""
    n = len(scores)
    if n >= 8 * _SAMPLE_STRIDE * k:
        sample = scores[::_SAMPLE_STRIDE]
        rank = min(len(sample), 2 * k // _SAMPLE_STRIDE + 8)
        threshold = np.partition(sample, len(sample) - rank)[len(sample) - rank]
        if threshold > 0:
            found = np.flatnonzero(scores >= threshold)
            if len(found) >= k:  # the top k are all >= threshold: exact
                return found
    return np.flatnonzero(scores > 0)


class BM25Index:
    """Okapi BM25 (Lucene idf) with a CSC doc×term weight matrix."""

    def __init__(self, weights: sparse.csc_matrix, vocab: dict[str, int]) -> None:
        self.weights = weights
        self.vocab = vocab
        self._local = threading.local()
        self._idf: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(self.weights.shape[0])

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        """Index token lists (term ids in order of first occurrence), vectorised: no per-token Python lists."""
        n_docs = len(docs)
        vocab: dict[str, int] = dict.fromkeys(chain.from_iterable(docs))  # first-occurrence order
        for i, term in enumerate(vocab):
            vocab[term] = i
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=n_docs)
        total = int(lengths.sum())
        index_dtype = np.int32 if max(total, len(vocab)) < 2**31 else np.int64
        cols = np.fromiter(map(vocab.__getitem__, chain.from_iterable(docs)), dtype=index_dtype, count=total)
        indptr = np.zeros(n_docs + 1, dtype=index_dtype)
        np.cumsum(lengths, out=indptr[1:])
        tf = sparse.csr_matrix((np.ones(total, dtype=np.float32), cols, indptr), shape=(n_docs, max(len(vocab), 1)))
        del cols
        tf.sum_duplicates()  # sorts each row's terms and turns repeats into counts
        lengths_f = lengths.astype(np.float32)
        avg = float(lengths_f.mean()) if n_docs and lengths_f.mean() > 0 else 1.0
        df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float32)
        idf = lucene_idf(n_docs, df).astype(np.float32)
        norm = k1 * (1 - b + b * lengths_f / avg)
        row_of = np.repeat(np.arange(n_docs, dtype=index_dtype), np.diff(tf.indptr))
        data = tf.data * (k1 + 1) / (tf.data + norm[row_of]) * idf[tf.indices]
        del row_of
        weights = sparse.csr_matrix((data.astype(np.float32), tf.indices, tf.indptr), shape=tf.shape).tocsc()
        return cls(weights, vocab)

    def nbytes(self) -> int:
        """Bytes of the weight matrix's arrays (data, row indices, column pointers)."""
        w = self.weights
        return int(w.data.nbytes + w.indices.nbytes + w.indptr.nbytes)

    def idf_table(self) -> np.ndarray:
        """Lucene idf of every term id over the indexed chunks, float64 (computed once, from the posting lists)."""
        table = self._idf
        if table is None:
            df = np.diff(self.weights.indptr).astype(np.float64)
            table = self._idf = lucene_idf(max(self.size, 1), df)
        return table

    def idf(self, term: str) -> float:
        """Inverse document frequency of `term` over chunks; an unseen term gets the weight of a term in none."""
        i = self.vocab.get(term)
        if i is not None:
            return float(self.idf_table()[i])
        return math.log1p((max(self.size, 1) + 0.5) / 0.5)

    def _term_ids(self, query_tokens: Sequence[str]) -> list[int]:
        return sorted({self.vocab[t] for t in query_tokens if t in self.vocab})

    def _spans(self, ids: list[int]) -> list[tuple[int, int]]:
        indptr = self.weights.indptr
        return [(int(indptr[j]), int(indptr[j + 1])) for j in ids]

    def _add_postings(self, scores: np.ndarray, spans: list[tuple[int, int]]) -> None:
        """scores[doc] += weight for every posting, term by term in id order (float32, in place, no temporaries)."""
        indices, data = self.weights.indices, self.weights.data
        for lo, hi in spans:
            np.add.at(scores, indices[lo:hi], data[lo:hi])

    def _buffer(self) -> np.ndarray:
        """This thread's all-zero score buffer (kept between queries: no per-query allocation or page faults)."""
        buf = getattr(self._local, "scores", None)
        if buf is None or len(buf) != self.size:
            buf = self._local.scores = np.zeros(self.size, dtype=np.float32)
        return buf

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query (zeros when no term is known)."""
        scores = np.zeros(self.size, dtype=np.float32)
        self._add_postings(scores, self._spans(self._term_ids(query_tokens)))
        return scores

    def search(self, query_tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        """Top-k (doc index, score) with a positive score, best first (equal scores: lower index first).

        The query's postings are added into a per-thread buffer; only the documents they touch are ranked
        (with long postings, a threshold from a strided sample of the buffer picks the candidates instead
        of a partition of every score), then the touched entries are reset.
        """
        ids = self._term_ids(query_tokens)
        if not ids or k <= 0:
            return []
        spans = self._spans(ids)
        indices = self.weights.indices
        scores = self._buffer()
        try:
            self._add_postings(scores, spans)
            posted = sum(hi - lo for lo, hi in spans)
            if posted * SPARSE_QUERY_FRACTION >= self.size:
                touched = _candidates(scores, k)
            elif len(spans) == 1:
                touched = indices[spans[0][0] : spans[0][1]]
            else:
                touched = np.unique(np.concatenate([indices[lo:hi] for lo, hi in spans]))
            cand = scores[touched]
        finally:
            for lo, hi in spans:
                scores[indices[lo:hi]] = 0.0
        positive = cand > 0
        if not positive.all():
            touched, cand = touched[positive], cand[positive]
        k = min(k, len(touched))
        if k <= 0:
            return []
        if k < len(touched):
            # Keep everything tied with the k-th score so that the tie-break by index is exact.
            kth = np.partition(cand, len(cand) - k)[len(cand) - k]
            keep = cand >= kth
            touched, cand = touched[keep], cand[keep]
        order = np.lexsort((touched, -cand))[:k]
        return [(int(touched[i]), float(cand[i])) for i in order]

    def save(self, directory: Path) -> None:
        """Write the posting arrays as `.npy` files (memory-mapped by `load`) and the vocabulary as JSON."""
        for name in ("data", "indices", "indptr"):
            np.save(directory / f"bm25_{name}.npy", getattr(self.weights, name))
        terms = [""] * len(self.vocab)
        for term, i in self.vocab.items():
            terms[i] = term
        meta = {"documents": self.size, "terms": terms}
        (directory / "bm25_vocab.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Map the posting arrays read-only (pages are read when a query touches them); ValueError when damaged."""
        meta = json.loads((directory / "bm25_vocab.json").read_text(encoding="utf-8"))
        terms, n_docs = meta["terms"], int(meta["documents"])
        data, indices, indptr = (np.load(directory / f"bm25_{name}.npy", mmap_mode="r") for name in ("data", "indices", "indptr"))
        n_terms = max(len(terms), 1)
        if len(indptr) != n_terms + 1 or len(data) != len(indices) or int(indptr[-1]) != len(data):
            raise ValueError(f"BM25 arrays disagree ({len(indptr)} pointers for {n_terms} terms, {len(data)} weights, {len(indices)} rows)")
        weights = sparse.csc_matrix((data, indices, indptr), shape=(n_docs, n_terms), copy=False)
        return cls(weights, {t: i for i, t in enumerate(terms)})
