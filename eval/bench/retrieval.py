"""Phase B of the benchmark: every index and baseline on the same queries.

Per-query latency (query text in, candidates out) of NumPy exact search, FAISS flat/HNSW/IVF, BM25, the bm25s
library and BM25 rebuilt per query; recall of HNSW and IVF against exact search at the configured parameters
and over efSearch / nprobe sweeps; whether the exact and BM25 paths agree with their baselines.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from eval.bench.build import DENSE_KINDS, Built
from eval.bench.context import BenchConfig, Hints, Shared, say
from eval.bench.measure import (
    HAVE_THREADPOOLCTL,
    blas_threads,
    mb,
    mem_available_bytes,
    peak_rss_bytes,
    reset_peak_rss,
    rss_bytes,
    stats,
    time_each,
)
from eval.bench.results import RetrievalResult, Stats

EF_SWEEP = (16, 32, 64, 128, 256, 512, 1024, 2048)
NPROBE_SWEEP = (1, 4, 8, 16, 32, 64, 128, 256, 512)
TIE_TOLERANCE = 1e-3
"""Score tolerance of the secondary, tie-tolerant recall (see `compare`)."""

Hits = list[tuple[int, float]]


def same_ranking(a: Sequence[tuple[int, float]], b: Sequence[tuple[int, float]], k: int = 10, tol: float = 1e-4) -> bool:
    """The same top-k up to ties: equal length and equal scores position by position (relative tolerance)."""
    a, b = list(a[:k]), list(b[:k])
    return len(a) == len(b) and all(abs(sa - sb) <= tol * max(1.0, abs(sa)) for (_, sa), (_, sb) in zip(a, b, strict=True))


def same_ids(a: Sequence[tuple[int, float]], b: Sequence[tuple[int, float]], k: int = 10) -> bool:
    return [i for i, _ in a[:k]] == [i for i, _ in b[:k]]


def recall_at(exact_ids: np.ndarray, found: Sequence[Sequence[int]], k: int) -> float:
    """Mean share of each query's exact top k (ids; -1 = none) among its first k found."""
    hits = [len(set(e[:k].tolist()) & set(list(f)[:k])) / max(1, min(k, int((e[:k] >= 0).sum()))) for e, f in zip(exact_ids, found, strict=True)]
    return float(np.mean(hits)) if hits else float("nan")


class Exact:
    """Exact ground truth of a query set (batched flat search): top ids at 10, at k and the 10th score."""

    def __init__(self, built: Built, qvecs: np.ndarray, k: int) -> None:
        n = len(built.vectors)
        self.k10 = min(10, n)
        self.k = min(k, n)
        self.scores, ids100 = built.dense["flat"].search(qvecs, min(100, n))
        self.ids, self.ids_k = ids100[:, : self.k10], ids100[:, : self.k]
        self.tenth = self.scores[:, self.k10 - 1]

    def tolerant(self, hits: Sequence[Hits]) -> float:
        """Share of the returned top 10 scoring within TIE_TOLERANCE of the exact 10th score."""
        k10 = self.k10
        return float(np.mean([sum(s >= t - TIE_TOLERANCE for _, s in h[:k10]) / k10 for h, t in zip(hits, self.tenth, strict=True)]))


def compare(name: str, built: Built, queries: list[str], shared: Shared, cfg: BenchConfig, settings: Any, hints: Hints) -> RetrievalResult:
    """Phase B for one corpus: latency, recall, sweeps and checks of every index and baseline."""
    from embeddings.tokenize import tokenize

    encoder = shared.encoder
    k = settings.candidates

    def encode(q: str) -> np.ndarray:
        return encoder.encode([q], query=True)[0]

    found, latency = _time_methods(built, queries, encode, k)
    latency["bm25s"], bm25s_info = bm25s_baseline(built, queries, found["bm25"], settings)
    say(cfg, name, "latency: " + ", ".join(f"{m} p50 {latency[m]['p50']:.2f}ms" for m in latency))

    # Exact ground truth (flat, batched) and recall of the approximate indexes at the configured parameters.
    # Encoded as queries, as `encode` above does (an asymmetric model such as e5 gives other vectors without).
    qvecs = np.ascontiguousarray(encoder.encode(queries, query=True), dtype=np.float32)
    exact = Exact(built, qvecs, k)
    recall = {kind: _recall_of(kind, found[kind], exact, built, k) for kind in ("hnsw", "ivf")}
    geometry = _vector_geometry(built, exact, cfg.seed)
    pairs = list(zip(found["flat"], found["numpy_exact"], strict=True))
    checks: dict[str, float | None] = {
        "flat_equals_numpy": round(float(np.mean([same_ranking(a, b) for a, b in pairs])), 4),
        "flat_equals_numpy_ids": round(float(np.mean([same_ids(a, b) for a, b in pairs])), 4),
    }
    sweep = _sweep(built, qvecs, exact, k)
    _, ms = time_each(encode, queries)
    encode_query_ms = stats(ms)
    _, ms = time_each(tokenize, queries)
    tokenize_query_ms = stats(ms)

    # Free the FAISS indexes and vectors before the memory-hungry rebuild baseline.
    built.dense.clear()
    built.vectors = np.zeros((0, 1), dtype=np.float32)
    gc.collect()
    latency["bm25_rebuild"], checks["bm25_equals_rebuild"], rebuild_info = rebuild_baseline(built, queries, found["bm25"], cfg, settings, hints)
    checks["bm25_equals_bm25s"] = bm25s_info.pop("same_scores")
    return RetrievalResult(
        numpy_blas_threads=1 if HAVE_THREADPOOLCTL else "default",
        vector_geometry=geometry,
        encode_query_ms=encode_query_ms,
        tokenize_query_ms=tokenize_query_ms,
        latency=latency,
        recall=recall,
        sweep=sweep,
        checks=checks,
        rebuild=rebuild_info,
        bm25s=bm25s_info,
    )


def _time_methods(built: Built, queries: list[str], encode: Callable[[str], np.ndarray], k: int) -> tuple[dict[str, list[Hits]], dict[str, Stats]]:
    """Hits and latency of NumPy exact search, each FAISS index and BM25, query text in."""
    from embeddings.tokenize import tokenize
    from embeddings.vector_index import search_dense
    from eval.bench.baselines import numpy_exact_search

    latency: dict[str, Stats] = {}
    found: dict[str, list[Hits]] = {}
    with blas_threads(1):  # like search_dense (single-threaded), so the ratio compares algorithms, not pools
        found["numpy_exact"], ms = time_each(lambda q: numpy_exact_search(built.vectors, encode(q), k), queries)
    latency["numpy_exact"] = stats(ms)
    for kind in DENSE_KINDS:
        index = built.dense[kind]
        found[kind], ms = time_each(lambda q, index=index: search_dense(index, encode(q), k), queries)
        latency[kind] = stats(ms)
    found["bm25"], ms = time_each(lambda q: built.bm25.search(tokenize(q), k), queries)
    latency["bm25"] = stats(ms)
    return found, latency


def _recall_of(kind: str, hits: list[Hits], exact: Exact, built: Built, k: int) -> dict[str, Any]:
    ids = [[i for i, _ in h] for h in hits]
    return {
        "recall@10": round(recall_at(exact.ids, ids, exact.k10), 4),
        "recall@50": round(recall_at(exact.ids_k, ids, exact.k), 4),
        f"recall@10_within_{TIE_TOLERANCE}": round(exact.tolerant(hits), 4),
        "params": built.specs[kind].params,
        "k_searched": k,
    }


def _vector_geometry(built: Built, exact: Exact, seed: int) -> dict[str, float]:
    """How separable the vectors are: near-ties make id-recall of any approximate index pessimistic."""
    n = len(built.vectors)
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n, size=(2, min(4000, n)))
    scores, tenth = exact.scores, exact.tenth
    return {
        "median_score_1st_minus_10th": round(float(np.median(scores[:, 0] - tenth)), 5),
        "median_chunks_within_0.001_of_10th": float(np.median((scores >= tenth[:, None] - 0.001).sum(axis=1))),
        "mean_cosine_random_chunk_pairs": round(float(np.mean(np.sum(built.vectors[a] * built.vectors[b], axis=1))), 4),
        "median_top1_score": round(float(np.median(scores[:, 0])), 4),
    }


def _sweep(built: Built, qvecs: np.ndarray, exact: Exact, k: int) -> dict[str, list[dict[str, Any]]]:
    """Search-only latency (query vectors precomputed) against recall@10 over efSearch and nprobe."""
    from embeddings.vector_index import apply_search_params, search_dense

    sweep: dict[str, list[dict[str, Any]]] = {"hnsw": [], "ivf": []}
    for kind, values in (("hnsw", EF_SWEEP), ("ivf", NPROBE_SWEEP)):
        index = built.dense[kind]
        for value in values:
            if kind == "hnsw":
                index.hnsw.efSearch = value
            else:
                if value > built.specs[kind].params["nlist"]:
                    continue
                index.nprobe = value
            res, ms = time_each(lambda v, index=index: search_dense(index, v, k), list(qvecs))
            timing = {f"search_{key}": val for key, val in stats(ms).items() if key in ("p50", "p95", "p99")}
            sweep[kind].append({
                "param": value,
                "recall@10": round(recall_at(exact.ids, [[i for i, _ in h] for h in res], exact.k10), 4),
                f"recall@10_within_{TIE_TOLERANCE}": round(exact.tolerant(res), 4),
                **timing,
            })
        apply_search_params(index, built.specs[kind])
    return sweep


def bm25s_baseline(built: Built, queries: list[str], bm25_found: list[Hits], settings: Any) -> tuple[Stats, dict[str, Any]]:
    """The `bm25s` library over the same tokens: build time, score-matrix size, query latency, and the share of
    queries whose top-k scores equal `BM25Index`'s (ties may order differently; scores may not)."""
    from embeddings.tokenize import tokenize
    from eval.bench.baselines import Bm25sIndex

    gc.collect()
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    index = Bm25sIndex(built.tokens, settings.bm25_k1, settings.bm25_b)
    build_s = time.perf_counter() - t0
    rss1 = rss_bytes()
    hits, ms = time_each(lambda q: index.search(tokenize(q), settings.candidates), queries)
    same = [
        len(a) == len(b) and all(abs(x - y) <= 1e-4 * max(1.0, abs(y)) for (_, x), (_, y) in zip(a, b, strict=True))
        for a, b in zip(hits, bm25_found, strict=True)
    ]
    info = {
        "build_s": round(build_s, 3),
        "matrix_mb": mb(index.nbytes()),
        "own_matrix_mb": mb(built.bm25.nbytes()),
        "rss_growth_mb": mb(rss1 - rss0),
        "same_scores": round(float(np.mean(same)), 4) if same else None,
        "version": index.version,
    }
    return stats(ms), info


def rebuild_baseline(
    built: Built, queries: list[str], bm25_found: list[Hits], cfg: BenchConfig, settings: Any, hints: Hints
) -> tuple[Stats, float | None, dict[str, Any]]:
    """Per-query BM25 rebuild on as many queries as fit `rebuild_budget_s` (at least one when memory allows);
    extrapolated from the previous corpus when it would not fit in memory."""
    from embeddings.tokenize import tokenize
    from eval.bench.baselines import RebuildBM25

    n = len(built.tokens)
    info: dict[str, Any] = {"budget_s": cfg.rebuild_budget_s}
    per_chunk_bytes = hints.rebuild_bytes_per_chunk
    available = mem_available_bytes()
    if per_chunk_bytes and available and per_chunk_bytes * n > 0.6 * available:
        return _rebuild_extrapolated(n, per_chunk_bytes, available, hints, info)
    baseline = RebuildBM25(built.tokens, settings.bm25_k1, settings.bm25_b)
    ms: list[float] = []
    agree: list[bool] = []
    started = time.perf_counter()
    gc.collect()
    reset_peak_rss()
    rss_before = rss_bytes()
    peak_delta = 0
    for i, q in enumerate(queries[: cfg.rebuild_max_queries]):
        t0 = time.perf_counter()
        hits = baseline.search(tokenize(q), len(bm25_found[i]) or 50)
        ms.append((time.perf_counter() - t0) * 1000)
        peak_delta = max(peak_delta, (peak_rss_bytes() or rss_bytes()) - rss_before)
        agree.append(same_ranking(hits, bm25_found[i]))
        if time.perf_counter() - started > cfg.rebuild_budget_s:
            break
    out = stats(ms)
    out["extrapolated"] = False
    info.update(
        measured=True,
        queries=len(ms),
        note=f"measured on the first {len(ms)} of {len(queries)} queries (time budget {cfg.rebuild_budget_s:.0f}s)"
        if len(ms) < len(queries)
        else "measured on every query",
        peak_extra_bytes=int(peak_delta),
    )
    hints.rebuild_bytes_per_chunk = max(peak_delta, 1) / max(n, 1)
    hints.rebuild_chunks = n
    hints.rebuild_ms = ms
    return out, round(float(np.mean(agree)), 4) if agree else None, info


def _rebuild_extrapolated(n: int, per_chunk_bytes: float, available: int, hints: Hints, info: dict[str, Any]) -> tuple[Stats, None, dict[str, Any]]:
    scale = n / hints.rebuild_chunks
    est = stats([v * scale for v in hints.rebuild_ms])
    info.update(
        measured=False,
        note=f"not run: it would need ~{mb(per_chunk_bytes * n)} MB with {mb(available)} MB available; "
        f"extrapolated linearly from {hints.rebuild_chunks} chunks",
    )
    est["extrapolated"] = True
    return est, None, info
