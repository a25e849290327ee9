"""The Milvus column of `qa bench --milvus`: the same chunks (tokens and vectors of phase A) inserted into a
Milvus collection built exactly as `embeddings.milvus` builds it, and the same queries timed side by side with
the local FAISS flat + BM25 index: insert rate, dense / BM25 / hybrid latency p50/p95 (query text in, 50
candidates out: encoding and tokenising included on both sides), and how often both return the same top 10.

Milvus Lite (a fresh file under OUT/indexes/NAME/) unless settings.milvus_uri names a server. Hybrid is timed
twice on Milvus: the product path (both searches, fused here by `qa.retriever.rrf` with the local weights)
and Milvus's own `hybrid_search` with its unweighted RRF ranker.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from eval.report import format_table

K_TOP = 10


def _stats(ms: Sequence[float]) -> dict[str, float]:
    a = np.asarray(ms, dtype=np.float64)
    return {"p50": round(float(np.percentile(a, 50)), 3), "p95": round(float(np.percentile(a, 95)), 3), "n": len(a)}


def _timed(fn: Callable[[Any], Any], items: Sequence[Any]) -> tuple[list[Any], list[float]]:
    fn(items[0])  # warm-up
    out, ms = [], []
    for item in items:
        t0 = time.perf_counter()
        out.append(fn(item))
        ms.append((time.perf_counter() - t0) * 1000)
    return out, ms


def _same_top(a: list[list[int]], b: list[list[int]]) -> float:
    return round(float(np.mean([x[:K_TOP] == y[:K_TOP] for x, y in zip(a, b, strict=True)])), 4) if a else 0.0


def _overlap(a: list[list[int]], b: list[list[int]]) -> float:
    return round(float(np.mean([len(set(x[:K_TOP]) & set(y[:K_TOP])) / max(1, len(y[:K_TOP])) for x, y in zip(a, b, strict=True)])), 4) if a else 0.0


def _same_scores(a: list[list[float]], b: list[list[float]], tolerance: float = 1e-3) -> float:
    """How often two top-10 score lists agree, each scaled by its own best score (Milvus's BM25 carries a
    constant (k1 + 1) factor the local one omits): equal lists mean equal rankings up to ties, which a synthetic
    corpus of recombined sentences has many of."""
    def same(x: list[float], y: list[float]) -> bool:
        x, y = x[:K_TOP], y[:K_TOP]
        if len(x) != len(y) or not x:
            return len(x) == len(y)
        return bool(np.allclose(np.array(x) / x[0], np.array(y) / y[0], atol=tolerance))

    return round(float(np.mean([same(x, y) for x, y in zip(a, b, strict=True)])), 4) if a else 0.0


def _settings_for(name: str, cfg: Any, settings: Any) -> Any:
    from embeddings.milvus.connect import is_lite

    collection = f"wenda_bench_{name}"
    if is_lite(settings.milvus_uri):
        folder = cfg.out_dir / "indexes" / f"milvus-{name}"
        folder.mkdir(parents=True, exist_ok=True)
        return settings.with_overrides(milvus_uri=str(folder / "bench.db"), milvus_collection=collection)
    return settings.with_overrides(milvus_collection=collection)


def measure_milvus(name: str, built: Any, queries: list[str], shared: Any, cfg: Any, settings: Any, build: dict[str, Any]) -> dict[str, Any]:  # noqa: C901  (one phase: insert, then the three query modes in order)
    """Insert `built`'s chunks into Milvus and time its queries against the local index of the same chunks
    (`build`: phase A's cost per component, for the local insert rate)."""
    from embeddings.milvus import collections as mc
    from embeddings.milvus.connect import connect, describe, is_lite
    from embeddings.tokenize import tokenize
    from embeddings.vector_index import search_dense
    from qa.pipeline import MODEL_DENSE_WEIGHT
    from qa.retriever import rrf

    encoder = shared.encoder
    k = settings.candidates
    n = len(built.vectors)
    ms_settings = _settings_for(name, cfg, settings)
    client = connect(ms_settings)
    collection = ms_settings.milvus_collection
    try:
        mc.drop(client, collection)
        mc.create(client, collection, int(built.vectors.shape[1]), settings.bm25_k1, settings.bm25_b)
        rows = (
            {"chunk_id": str(i), "doc_id": str(i), "source": "", "title": "", "start": 0, "end": 0, "text": "",
             "tokens": mc.clip(" ".join(built.tokens[i])), "dense": built.vectors[i].tolist()}
            for i in range(n)
        )
        t0 = time.perf_counter()
        mc.insert_batches(client, collection, rows)
        insert_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        client.load_collection(collection)
        client.query(collection, filter='chunk_id != ""', output_fields=["chunk_id"], limit=1)
        ready_s = time.perf_counter() - t0
        vocab = built.bm25.vocab

        def terms(q: str) -> str:
            return " ".join(dict.fromkeys(t for t in tokenize(q) if t in vocab))

        def ids(result: Any) -> list[int]:
            return [int(h["id"]) for h in result[0]] if result else []

        scores: dict[str, dict[str, list[float]]] = {"milvus": {}, "local": {}}
        """Each query's BM25 scores, kept by the timed searches for the tie-aware agreement."""

        def m_bm25(q: str) -> list[int]:
            text = terms(q)
            if not text:
                return []
            hits = client.search(collection, data=[text], anns_field="sparse", limit=k, search_params={"metric_type": "BM25"}, output_fields=["chunk_id"])
            scores["milvus"][q] = [float(h["distance"]) for h in hits[0]] if hits else []
            return ids(hits)

        def m_dense(q: str) -> list[int]:
            vec = encoder.encode([q], query=True)[0].tolist()
            return ids(client.search(collection, data=[vec], anns_field="dense", limit=k, search_params={"metric_type": "IP"}, output_fields=["chunk_id"]))

        def m_hybrid(q: str) -> list[int]:
            fused = rrf([(m_bm25(q), settings.weight_bm25), (m_dense(q), settings.weight_dense or MODEL_DENSE_WEIGHT)], settings.rrf_k)
            return [i for i, _ in sorted(fused.items(), key=lambda x: (-x[1], x[0]))]

        def m_hybrid_server(q: str) -> list[int]:
            from pymilvus import AnnSearchRequest, RRFRanker

            vec = encoder.encode([q], query=True)[0].tolist()
            reqs = [AnnSearchRequest(data=[vec], anns_field="dense", param={"metric_type": "IP"}, limit=k)]
            text = terms(q)
            if text:
                reqs.insert(0, AnnSearchRequest(data=[text], anns_field="sparse", param={"metric_type": "BM25"}, limit=k))
            return ids(client.hybrid_search(collection, reqs, ranker=RRFRanker(settings.rrf_k), limit=k, output_fields=["chunk_id"]))

        flat = built.dense["flat"]

        def l_bm25(q: str) -> list[int]:
            hits = built.bm25.search(tokenize(q), k)
            scores["local"][q] = [float(v) for _, v in hits]
            return [i for i, _ in hits]

        def l_dense(q: str) -> list[int]:
            return [i for i, _ in search_dense(flat, encoder.encode([q], query=True)[0], k)]

        def l_hybrid(q: str) -> list[int]:
            fused = rrf([(l_bm25(q), settings.weight_bm25), (l_dense(q), settings.weight_dense or MODEL_DENSE_WEIGHT)], settings.rrf_k)
            return [i for i, _ in sorted(fused.items(), key=lambda x: (-x[1], x[0]))]

        found: dict[str, list[list[int]]] = {}
        latency: dict[str, dict[str, float]] = {}
        for key, fn in (
            ("local_bm25", l_bm25), ("local_dense", l_dense), ("local_hybrid", l_hybrid),
            ("milvus_bm25", m_bm25), ("milvus_dense", m_dense), ("milvus_hybrid", m_hybrid), ("milvus_hybrid_search", m_hybrid_server),
        ):
            found[key], ms = _timed(fn, queries)
            latency[key] = _stats(ms)
        local_insert_s = (build.get("bm25_matrix", {}).get("seconds") or 0) + (build.get("faiss", {}).get("flat", {}).get("seconds") or 0)
        return {
            "where": describe(ms_settings),
            "lite": is_lite(ms_settings.milvus_uri),
            "chunks": n,
            "insert": {"seconds": round(insert_s, 3), "chunks_per_s": round(n / insert_s, 1) if insert_s else None, "ready_s": round(ready_s, 3),
                       "what": "upsert of tokens + vectors in batches of 512 (BM25 function and FLAT index in Milvus)"},
            "local_insert": {"seconds": round(local_insert_s, 3), "chunks_per_s": round(n / local_insert_s, 1) if local_insert_s else None,
                             "what": "BM25Index.build + FAISS flat add (tokens and vectors given)"},
            "latency": latency,
            "agreement": {
                "bm25_same_top10": _same_top(found["milvus_bm25"], found["local_bm25"]),
                "bm25_top10_overlap": _overlap(found["milvus_bm25"], found["local_bm25"]),
                "bm25_same_top10_scores": _same_scores([scores["milvus"].get(q, []) for q in queries], [scores["local"][q] for q in queries]),
                "dense_same_top10": _same_top(found["milvus_dense"], found["local_dense"]),
                "dense_top10_overlap": _overlap(found["milvus_dense"], found["local_dense"]),
                "hybrid_same_top10": _same_top(found["milvus_hybrid"], found["local_hybrid"]),
                "hybrid_search_top10_overlap": _overlap(found["milvus_hybrid_search"], found["local_hybrid"]),
            },
        }
    finally:
        if not cfg.keep_indexes:
            mc.drop(client, collection)
        client.close()


def milvus_table(corpora: list[dict[str, Any]]) -> list[str]:
    """Console lines: local and Milvus side by side for every corpus measured with --milvus."""
    rows = []
    for c in corpora:
        m = c.get("milvus")
        if not isinstance(m, dict):
            continue
        if "error" in m:
            rows.append([c["name"], m["error"][:60], *["-"] * 7])
            continue
        lat, agree = m["latency"], m["agreement"]

        def pp(key: str, lat: dict[str, Any] = lat) -> str:
            return f"{lat[key]['p50']:.1f}/{lat[key]['p95']:.1f}"

        rows.append([
            c["name"], str(m["chunks"]),
            f"{m['local_insert']['chunks_per_s'] or 0:,.0f} / {m['insert']['chunks_per_s'] or 0:,.0f}",
            f"{pp('local_dense')} | {pp('milvus_dense')}",
            f"{pp('local_bm25')} | {pp('milvus_bm25')}",
            f"{pp('local_hybrid')} | {pp('milvus_hybrid')}",
            pp("milvus_hybrid_search"),
            f"{agree['dense_same_top10']:.2f}/{agree['bm25_same_top10']:.2f}/{agree['hybrid_same_top10']:.2f}",
            f"{agree.get('bm25_same_top10_scores', float('nan')):.2f}",
        ])
    if not rows:
        return []
    header = ["corpus", "chunks", "insert/s local / Milvus", "dense ms local | Milvus", "BM25 ms local | Milvus",
              "hybrid ms local | Milvus", "Milvus hybrid_search", "same top 10 dense/BM25/hybrid",
              "same BM25 top-10 scores"]
    return [
        "", "Local vs Milvus (p50/p95 ms, query text in, 50 candidates out; hybrid = both searches + weighted RRF here;",
        "hybrid_search = Milvus's own unweighted RRF)", format_table(header, rows),
    ]


def measure_milvus_safely(name: str, built: Any, queries: list[str], shared: Any, cfg: Any, settings: Any, build: dict[str, Any]) -> dict[str, Any]:
    """`measure_milvus`, with a failure recorded in the column instead of losing the local figures."""
    try:
        return measure_milvus(name, built, queries, shared, cfg, settings, build)
    except Exception as exc:  # noqa: BLE001 - the local measurements of this corpus still count
        return {"error": f"{type(exc).__name__}: {exc}"}
