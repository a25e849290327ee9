"""eval.bench.build, retrieval and product: the three phases of one corpus run one after another on the seed
corpus and a 300-chunk synthetic corpus (tiny encoder), each phase's typed result checked."""

from __future__ import annotations

import pytest

from eval.bench.context import Hints, corpus_settings, queries_for

LATENCY_B = ["numpy_exact", "flat", "hnsw", "ivf", "bm25", "bm25s", "bm25_rebuild"]


@pytest.fixture(scope="module")
def phases(bench):  # noqa: ANN001, ANN201
    """name -> (BuildResult, RetrievalResult, ProductResult) and the hints they left."""
    from eval.bench.build import build_real, build_synthetic
    from eval.bench.product import product
    from eval.bench.retrieval import compare

    cfg, _settings, shared = bench
    hints, out = Hints(), {}
    for name in ("seed", "300"):
        settings = corpus_settings(name, shared, cfg)
        queries, _ = queries_for(name, shared, cfg)
        built_result, built = build_real(name, shared, cfg, settings) if name == "seed" else build_synthetic(name, 300, shared, cfg, settings)
        assert built.vectors.shape == (built_result.chunks, 16) and len(built.tokens) == built_result.chunks
        assert set(built.dense) == {"flat", "hnsw", "ivf"} and built.auto_kind == built_result.auto_index
        retrieval = compare(name, built, queries, shared, cfg, settings, hints)
        assert not built.dense  # freed before the rebuild baseline
        out[name] = (built_result, retrieval, product(queries, shared, settings, hints, built_result.chunks))
    return out, hints


def test_build_results(phases) -> None:  # noqa: ANN001
    (seed, _, _), (synthetic, _, _) = phases[0]["seed"], phases[0]["300"]
    assert seed.chunks > 0 and seed.documents > 0 and seed.fingerprint is None and seed.tokens_per_chunk is None
    assert seed.build["encode"]["method"] == "measured" and seed.build["reported_index_type"] == seed.auto_index
    assert {"pipeline", "encode", "tokenize", "bm25_matrix", "bm25_total", "faiss"} <= set(seed.build)
    assert synthetic.chunks == 300 and synthetic.fingerprint and synthetic.tokens_per_chunk > 0
    assert synthetic.build["encode"]["method"] == "extrapolated"  # real_max 0: composed
    check = synthetic.build["composition_check"]
    assert check["tokens_identical"] == check["sample"]
    for result in (seed, synthetic):
        assert result.disk["total_bytes"] == sum(result.disk["files"].values()) > 0
        assert set(result.disk["dense_by_kind"]) == {"flat", "hnsw", "ivf"}
        assert set(result.build["faiss"]) == {"flat", "hnsw", "ivf"}
    assert list(seed.to_dict()) == ["chunks", "documents", "chars_per_chunk", "auto_index", "build", "disk"]
    assert list(synthetic.to_dict()) == [
        "chunks", "documents", "fingerprint", "auto_index", "chars_per_chunk", "tokens_per_chunk", "sentences_per_chunk", "build", "disk",
    ]


def test_retrieval_results(phases) -> None:  # noqa: ANN001
    out, hints = phases
    for _, retrieval, _ in out.values():
        assert list(retrieval.latency) == LATENCY_B
        assert all(retrieval.latency[m]["n"] == 8 for m in LATENCY_B[:-1]) and retrieval.latency["bm25_rebuild"]["n"] >= 1
        assert retrieval.checks["flat_equals_numpy"] == 1.0
        assert retrieval.checks["bm25_equals_rebuild"] == 1.0 and retrieval.checks["bm25_equals_bm25s"] == 1.0
        assert "same_scores" not in retrieval.bm25s and retrieval.bm25s["build_s"] > 0
        for kind in ("hnsw", "ivf"):
            assert 0.0 <= retrieval.recall[kind]["recall@10"] <= 1.0
            assert "recall@10_within_0.001" in retrieval.recall[kind]
            assert retrieval.sweep[kind] and all(0.0 <= r["recall@10"] <= 1.0 for r in retrieval.sweep[kind])
        assert retrieval.rebuild["measured"] is True
        assert set(retrieval.ratios()) == {
            "flat_speedup_vs_numpy_p50", "hnsw_speedup_vs_numpy_p50", "ivf_speedup_vs_numpy_p50",
            "bm25_speedup_vs_rebuild_p50", "bm25_speedup_vs_rebuild_p95",
        }
    assert hints.rebuild_chunks == 300 and hints.rebuild_bytes_per_chunk > 0 and hints.rebuild_ms


def test_product_results(phases) -> None:  # noqa: ANN001
    out, hints = phases
    for built, _, served in out.values():
        assert served.skipped is None and served.memory is not None and served.memory.load_s >= 0
        assert {"answer", "retrieve", "retrieve_dense"} <= set(served.latency)
        assert all(served.latency[m]["n"] == 8 for m in served.latency)
        assert {"tokenize", "bm25_search", "encode", "fusion_merge", "reader", "reader_per_passage"} <= set(served.components)
        assert served.product["index_type"] == built.auto_index
        assert set(served.dominant) == {"answer", "retrieve_dense"}
        assert list(served.memory_dict())[:2] == ["rss_before_load_mb", "load_s"]
    # 96 and 300 chunks: too few for their load growth to project the next corpus's (mostly fixed costs)
    from eval.bench.product import MIN_PROJECTION_CHUNKS

    assert max(b.chunks for b, _, _ in out.values()) < MIN_PROJECTION_CHUNKS and hints.load_bytes_per_chunk is None


def test_product_skips_loading_what_would_not_fit(bench, phases) -> None:  # noqa: ANN001
    from eval.bench.product import product

    cfg, _, shared = bench
    settings = corpus_settings("300", shared, cfg)
    served = product(["问题"], shared, settings, Hints(load_bytes_per_chunk=1e15), 300)
    assert served.skipped.startswith("load_index skipped: projected") and served.memory is None
    assert list(served.memory_dict()) == ["rss_before_load_mb", "note"] and served.latency == {}


def test_dominant_component() -> None:
    from eval.bench.product import dominant

    comp = {"tokenize": {"p50": 0.1}, "bm25_search": {"p50": 0.2}, "fusion_merge": {"p50": 0.05}, "reader": {"p50": 3.0},
            "encode": {"p50": 0.5}, "dense_search_flat": {"p50": 0.7}}
    out = dominant(comp, {"answer": {"p50": 4.0}, "retrieve_dense": {"p50": 1.5}})
    assert out["answer"] == {"component": "reader", "p50_ms": 3.0, "of_p50_ms": 4.0, "parts": {"tokenize": 0.1, "bm25_search": 0.2, "fusion_merge": 0.05, "reader": 3.0}}
    assert out["retrieve_dense"]["component"] == "dense_search_flat" and out["retrieve_dense"]["of_p50_ms"] == 1.5
