"""FAISS inner-product index over L2-normalised vectors: exact, HNSW or IVF."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

IVF_TRAIN_PER_LIST = 64
"""k-means training points per IVF list: FAISS wants at least 39 and would otherwise use up to 256 (every vector
of a million-chunk corpus, minutes of training on two cores); a fixed-seed sample of this many is used instead."""


@dataclass(frozen=True)
class DenseIndexSpec:
    """Which FAISS index to build and its search parameters (recorded in the manifest)."""

    kind: str
    params: dict[str, Any]


def choose_spec(n: int, setting: str, threshold: int, hnsw_m: int, ef_search: int, nprobe: int) -> DenseIndexSpec:
    """Exact search for small corpora; HNSW when `setting` asks for it or `auto` passes `threshold`."""
    kind = setting if setting != "auto" else ("hnsw" if n >= threshold else "flat")
    if kind == "hnsw":
        return DenseIndexSpec("hnsw", {"m": hnsw_m, "ef_construction": max(2 * hnsw_m, 80), "ef_search": ef_search})
    if kind == "ivf":
        nlist = max(1, min(int(4 * math.sqrt(max(n, 1))), max(n // 39, 1)))
        return DenseIndexSpec("ivf", {"nlist": nlist, "nprobe": min(nprobe, nlist)})
    return DenseIndexSpec("flat", {})


def build_dense(vectors: np.ndarray, spec: DenseIndexSpec):  # noqa: ANN201 - faiss.Index
    """A FAISS index holding `vectors` (row i has id i)."""
    import faiss

    dim = vectors.shape[1]
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if spec.kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, spec.params["m"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = spec.params["ef_construction"]
        index.hnsw.efSearch = spec.params["ef_search"]
    elif spec.kind == "ivf":
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, spec.params["nlist"], faiss.METRIC_INNER_PRODUCT)
        if len(vectors):
            index.train(ivf_training_sample(vectors, spec.params["nlist"]))
        index.nprobe = spec.params["nprobe"]
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def ivf_training_sample(vectors: np.ndarray, nlist: int, per_list: int = IVF_TRAIN_PER_LIST) -> np.ndarray:
    """The vectors the IVF coarse quantizer is trained on: all of them, or a reproducible sample of
    `per_list * nlist` rows (kept in their original order) when there are more."""
    limit = per_list * max(nlist, 1)
    if len(vectors) <= limit:
        return vectors
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=limit, replace=False))
    return np.ascontiguousarray(vectors[rows])


def apply_search_params(index, spec: DenseIndexSpec) -> None:  # noqa: ANN001
    """Restore search-time parameters that FAISS does not persist."""
    if spec.kind == "hnsw":
        index.hnsw.efSearch = spec.params["ef_search"]
    elif spec.kind == "ivf":
        index.nprobe = spec.params["nprobe"]


def save_dense(index, path: Path) -> None:  # noqa: ANN001
    import faiss

    faiss.write_index(index, str(path))


def load_dense(path: Path, spec: DenseIndexSpec):  # noqa: ANN201
    """Read a saved index; the vectors of flat and HNSW indexes stay memory-mapped (read-only, paged in as
    searched) instead of being copied into memory."""
    import faiss

    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC)
    apply_search_params(index, spec)
    return index


SEARCH_THREADS = 1
"""OpenMP threads for one query's search. FAISS splits a single flat query across its threads and joins them
per block; on a busy two-core machine each join waits for a descheduled thread, which made one query at 1M
chunks 3x slower (136 ms vs 40 ms p50, `qa bench`). A request is served by one thread; concurrent requests
use the other cores. Builds keep every thread."""


@contextlib.contextmanager
def omp_threads(n: int) -> Iterator[None]:
    """Run FAISS with `n` OpenMP threads in this thread (OpenMP's thread count is per calling thread)."""
    import faiss

    previous = faiss.omp_get_max_threads()
    if previous == n:
        yield
        return
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def search_dense(index, query: np.ndarray, k: int) -> list[tuple[int, float]]:  # noqa: ANN001
    """Top-k (row, inner product) for one query vector, best first (single-threaded: see SEARCH_THREADS)."""
    if index.ntotal == 0 or k <= 0:
        return []
    with omp_threads(SEARCH_THREADS):
        scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), min(k, index.ntotal))
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
