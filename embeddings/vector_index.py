"""FAISS inner-product index over L2-normalised vectors: exact, HNSW or IVF."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


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
            index.train(vectors)
        index.nprobe = spec.params["nprobe"]
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


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
    import faiss

    index = faiss.read_index(str(path))
    apply_search_params(index, spec)
    return index


def search_dense(index, query: np.ndarray, k: int) -> list[tuple[int, float]]:  # noqa: ANN001
    """Top-k (row, inner product) for one query vector, best first."""
    if index.ntotal == 0 or k <= 0:
        return []
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), min(k, index.ntotal))
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
