"""eval.bench.results: each phase's typed record serialises to bench.json's keys, in bench.json's order."""

from __future__ import annotations

from eval.bench.results import (
    BenchMeta,
    BenchReport,
    BuildMemory,
    BuildResult,
    CorpusFailure,
    CorpusResult,
    ProductResult,
    QuerySet,
    RetrievalResult,
    ServingMemory,
)


def _lat(p50: float) -> dict:
    return {"n": 4, "p50": p50, "p95": 2 * p50, "p99": 3 * p50, "mean": p50, "max": 3 * p50}


def _corpus(product: ProductResult | None) -> CorpusResult:
    retrieval = RetrievalResult(
        numpy_blas_threads=1,
        vector_geometry={"median_top1_score": 0.9},
        encode_query_ms=_lat(0.1),
        tokenize_query_ms=_lat(0.1),
        latency={"numpy_exact": _lat(4.0), "flat": _lat(2.0), "hnsw": _lat(1.0), "ivf": _lat(0.5), "bm25": _lat(0.2), "bm25_rebuild": _lat(20.0)},
        recall={"hnsw": {"recall@10": 1.0}},
        sweep={"hnsw": [], "ivf": []},
        checks={"flat_equals_numpy": 1.0},
        rebuild={"measured": True},
        bm25s={"build_s": 0.1},
    )
    built = BuildResult(chunks=10, documents=2, auto_index="flat", chars_per_chunk=200.0, build={"encode": {}}, disk={"total_bytes": 1})
    return CorpusResult("seed", "real", QuerySet(4, "seed gold questions"), built, BuildMemory(100.0, 120.0, 110.0), retrieval, 3.0, product=product)


def test_corpus_result_has_the_bench_json_layout() -> None:
    memory = ServingMemory(load_s=0.1, index_rss_mb=5.0, rss_serving_mb=115.0, bytes_per_chunk=512.0, what="w", breakdown_mb={}, peak_rss_mb=130.0)
    product = ProductResult(
        rss_before_load_mb=110.0, memory=memory, latency={"answer": _lat(8.0), "retrieve": _lat(1.0), "retrieve_dense": _lat(1.5)},
        components={"reader": _lat(6.0)}, product={"index_type": "flat"}, dominant={"answer": {}}, cold_start={"median_s": 1.0}, seconds=2.0,
    )
    out = _corpus(product).to_dict()
    assert list(out) == [
        "name", "kind", "queries", "chunks", "documents", "chars_per_chunk", "auto_index", "build", "disk", "memory",
        "numpy_blas_threads", "vector_geometry", "encode_query_ms", "tokenize_query_ms", "latency", "recall", "sweep",
        "checks", "rebuild", "bm25s", "seconds_build_compare", "components", "product", "dominant", "cold_start",
        "seconds_product", "ratios", "seconds",
    ]
    assert out["queries"] == {"n": 4, "source": "seed gold questions"}
    assert list(out["memory"]) == [
        "rss_start_mb", "build_peak_rss_mb", "build_rss_mb", "rss_before_load_mb", "load_s", "index_rss_mb",
        "rss_serving_mb", "bytes_per_chunk", "what", "breakdown_mb", "peak_rss_mb",
    ]
    assert list(out["latency"]) == ["numpy_exact", "flat", "hnsw", "ivf", "bm25", "bm25_rebuild", "answer", "retrieve", "retrieve_dense"]
    assert out["ratios"] == {
        "flat_speedup_vs_numpy_p50": 2.0, "hnsw_speedup_vs_numpy_p50": 4.0, "ivf_speedup_vs_numpy_p50": 8.0,
        "bm25_speedup_vs_rebuild_p50": 100.0, "bm25_speedup_vs_rebuild_p95": 100.0,
    }
    assert out["seconds"] == 5.0 and out["seconds_product"] == 2.0


def test_partial_results() -> None:
    skipped = _corpus(ProductResult(rss_before_load_mb=110.0, skipped="load_index skipped: ...", seconds=1.0)).to_dict()
    assert list(skipped["memory"])[-2:] == ["rss_before_load_mb", "note"]
    assert "components" not in skipped and "cold_start" not in skipped and skipped["seconds"] == 4.0
    build_only = _corpus(None).to_dict()  # what crosses from phase B's process to phase C's
    assert list(build_only)[-1] == "seconds_build_compare" and "ratios" not in build_only
    assert CorpusFailure("1m", "MemoryError").to_dict() == {"name": "1m", "error": "MemoryError"}


def test_report_meta_fills_in_as_the_run_goes() -> None:
    meta = BenchMeta("2024-01-01T00:00:00+00:00", "bench", False, ["seed"], 4, 2018, {}, None, {}, {}, [])
    report = BenchReport(meta, None, [_corpus(None), CorpusFailure("1m", "boom")])
    out = report.to_dict()
    assert list(out) == ["meta", "throughput_sample", "corpora", "targets", "recommendations"]
    assert out["throughput_sample"] == {} and [c.name for c in report.failed] == ["1m"]
    assert list(out["meta"])[-1] == "notes"  # no seconds before the first corpus, no end before the end
    meta.seconds = 1.0
    assert list(meta.to_dict())[-1] == "seconds"
    meta.finished_at, meta.loadavg_end = "2024-01-01T00:01:00+00:00", None
    assert list(meta.to_dict())[-3:] == ["seconds", "loadavg_end", "finished_at"]
