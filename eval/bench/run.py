"""Measure index build and query cost from the seed corpus up to a million chunks, with baselines.

Every figure comes from the project's own code: `store.build_index` / `QAPipeline.build` for the real corpora,
`BM25Index.build`, `build_dense` / `search_dense`, the index writer and `load_index` for every corpus, and
`QAPipeline.retrieve` / `QAPipeline.ask` for the product's latency. Each corpus is measured in a forked child
process, so its memory figures are its own and it gives its memory back before the next one.

Phases per corpus, one module each:
  A. build (`eval.bench.build`): featurise (tokenise + encode), BM25 matrix, FAISS flat/HNSW/IVF, write the
     index (auto type); synthetic corpora come from `eval.bench.corpus`;
  B. compare (`eval.bench.retrieval`): per-query retrieval latency of every index and baseline, recall against
     exact search, efSearch/nprobe sweeps, the per-query BM25 rebuild baseline (on a sample of queries where it
     is slow);
  C. product (`eval.bench.product`): everything freed, the index loaded from disk with `load_index`, then
     `retrieve`/`ask` latency and a per-component breakdown of the query path.
This module runs them (memory measured around phase A, each corpus in its own processes) and assembles the
report (`eval.bench.results`), which `eval.bench.report` assesses and writes.
"""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from eval.bench.context import (
    ALL_CORPORA,
    QUICK_CORPORA,
    BenchConfig,
    Hints,
    Shared,
    corpus_settings,
    default_cmrc,
    parse_size,
    prepare,
    queries_for,
    say,
)
from eval.bench.measure import mb, mem_available_bytes, peak_rss_bytes, reset_peak_rss, rss_bytes
from eval.bench.results import (
    BenchMeta,
    BenchReport,
    BuildMemory,
    CorpusFailure,
    CorpusResult,
    ProductResult,
    QuerySet,
)

__all__ = ["ALL_CORPORA", "QUICK_CORPORA", "BenchConfig", "default_cmrc", "parse_size", "run_bench"]

SETTINGS_RECORDED = (
    "faiss_index", "faiss_auto_threshold", "hnsw_m", "hnsw_ef_search", "ivf_nprobe", "candidates", "top_k", "read_k",
    "weight_dense", "retrieval_mode", "chunk_size",
)
T = TypeVar("T")


def measure_build(name: str, shared: Shared, cfg: BenchConfig, hints: Hints) -> CorpusResult:
    """Phases A and B for one corpus: build (and write) its index, compare indexes and baselines."""
    from eval.bench.build import build_real, build_synthetic
    from eval.bench.retrieval import compare

    reset = reset_peak_rss()
    gc.collect()
    rss0 = rss_bytes()
    started = time.perf_counter()
    size = parse_size(name)
    settings = corpus_settings(name, shared, cfg)
    if settings.index_dir.exists():
        shutil.rmtree(settings.index_dir)
    queries, qsource = queries_for(name, shared, cfg)
    if size is None:
        if name == "cmrc":
            from eval.squad import convert_file

            convert_file(cfg.cmrc_path, cfg.out_dir / "cmrc-data")
        built_result, built = build_real(name, shared, cfg, settings)
    else:
        built_result, built = build_synthetic(name, size, shared, cfg, settings)
    memory = BuildMemory(
        rss_start_mb=mb(rss0),
        build_peak_rss_mb=mb(peak_rss_bytes()) if reset else None,
        build_rss_mb=mb(rss_bytes()),
    )
    say(cfg, name, f"built; RSS {mb(rss_bytes())} MB; measuring queries")
    milvus = None
    if cfg.milvus:
        from eval.bench.milvus import measure_milvus_safely

        milvus = measure_milvus_safely(name, built, queries, shared, cfg, settings, built_result.build)
    retrieval = compare(name, built, queries, shared, cfg, settings, hints)
    return CorpusResult(
        name=name,
        kind="synthetic" if size else "real",
        queries=QuerySet(len(queries), qsource),
        built=built_result,
        build_memory=memory,
        milvus=milvus,
        retrieval=retrieval,
        seconds_build_compare=round(time.perf_counter() - started, 1),
    )


def measure_product(name: str, shared: Shared, cfg: BenchConfig, hints: Hints, result: CorpusResult) -> CorpusResult:
    """Phase C for one corpus (in a fresh process): load the written index, time the product's query path."""
    from eval.bench.product import cold_start, product

    reset_peak_rss()
    started = time.perf_counter()
    settings = corpus_settings(name, shared, cfg)
    queries, _ = queries_for(name, shared, cfg)
    try:
        served: ProductResult = product(queries, shared, settings, hints, result.built.chunks)
        if name == "seed":
            served.cold_start = cold_start(settings.index_dir, queries[0], settings.model_cache_dir)
    finally:
        if not cfg.keep_indexes:
            shutil.rmtree(settings.index_dir, ignore_errors=True)
    served.seconds = round(time.perf_counter() - started, 1)
    result.product = served
    return result


def _run(fn: Callable[..., T], name: str, shared: Shared, cfg: BenchConfig, hints: Hints, *extra: Any) -> T | CorpusFailure:
    """fn(name, shared, cfg, hints, *extra) in a forked child (its own memory, given back afterwards) or here."""
    if not cfg.isolate:
        return fn(name, shared, cfg, hints, *extra)
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    parent_conn, child_conn = ctx.Pipe(duplex=False)

    def target() -> None:
        try:
            child_conn.send(("ok", fn(name, shared, cfg, hints, *extra), hints))
        except BaseException as exc:  # reported to the parent, never lost
            child_conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}", hints))
        finally:
            child_conn.close()

    proc = ctx.Process(target=target, name=f"bench-{name}")
    proc.start()
    child_conn.close()
    try:
        status, payload, new_hints = parent_conn.recv()
    except EOFError:
        proc.join()
        return CorpusFailure(name, f"the measuring process died (exit code {proc.exitcode}; killed for memory?)")
    proc.join()
    hints.absorb(new_hints)
    if status == "error":
        return CorpusFailure(name, payload)
    return payload


def measure_corpus(name: str, shared: Shared, cfg: BenchConfig, hints: Hints) -> CorpusResult | CorpusFailure:
    """Phases A–B in one process, phase C in a fresh one (so the serving memory is the product's own)."""
    result = _run(measure_build, name, shared, cfg, hints)
    if not isinstance(result, CorpusFailure):
        result = _run(measure_product, name, shared, cfg, hints, result)
    if isinstance(result, CorpusFailure):
        shutil.rmtree(cfg.out_dir / "indexes" / name, ignore_errors=True)
        return result
    say(cfg, name, f"done in {result.seconds:.0f}s")
    return result


# -- whole run ----------------------------------------------------------------------------------------------


def _runnable(cfg: BenchConfig) -> tuple[list[str], list[str]]:
    """The corpora to measure (each name checked) and notes on those skipped (cmrc without its file)."""
    corpora = []
    notes: list[str] = []
    for name in cfg.corpora:
        parse_size(name)
        if name == "cmrc" and not Path(cfg.cmrc_path).is_file():
            notes.append(f"cmrc skipped: {cfg.cmrc_path} not found")
            continue
        corpora.append(name)
    return corpora, notes


def _loadavg() -> tuple[float, float, float] | None:
    return os.getloadavg() if hasattr(os, "getloadavg") else None


def run_bench(cfg: BenchConfig, settings: Any, *, encoder: Any = None, codes: dict[str, str] | None = None) -> BenchReport:
    """Measure every corpus in `cfg.corpora`; write bench.json and bench.png into cfg.out_dir; return the report."""
    from eval.bench.report import assess, write_outputs

    if cfg.cmrc_path is None:
        cfg.cmrc_path = default_cmrc()
    corpora, notes = _runnable(cfg)
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    load_start = _loadavg()
    shared = prepare(cfg, settings, encoder, codes)
    meta = BenchMeta(
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        command=" ".join(sys.argv),
        quick=cfg.quick,
        corpora=corpora,
        queries=cfg.queries,
        seed=cfg.seed,
        host=host_info(),
        loadavg_start=load_start,
        encoder={
            "name": shared.encoder.info.name,
            "backend": getattr(shared.encoder.info, "backend", None),
            "dimension": int(shared.encoder.info.dimension),
        },
        settings={key: getattr(settings, key) for key in SETTINGS_RECORDED},
        notes=notes,
    )
    report = BenchReport(meta=meta, throughput_sample=shared.throughput)
    hints = Hints()
    for name in corpora:
        say(cfg, name, "start")
        res = measure_corpus(name, shared, cfg, hints)
        if isinstance(res, CorpusFailure):
            say(cfg, name, "FAILED: " + res.error.splitlines()[0])
        report.corpora.append(res)
        meta.seconds = round(time.perf_counter() - started, 1)
        _assess(report, assess)
        write_outputs(report, cfg.out_dir, png=False)
    meta.seconds = round(time.perf_counter() - started, 1)
    meta.loadavg_end = _loadavg()
    meta.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    _assess(report, assess)
    write_outputs(report, cfg.out_dir, png=True)
    return report


def _assess(report: BenchReport, assess: Callable[[BenchReport], dict[str, Any]]) -> None:
    verdict = assess(report)
    report.targets, report.recommendations = verdict["targets"], verdict["recommendations"]


def host_info() -> dict[str, Any]:
    import faiss
    import scipy

    available = mem_available_bytes()
    total = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpus": os.cpu_count(),
        "faiss_threads": faiss.omp_get_max_threads(),
        "memory_total_mb": mb(total),
        "memory_available_mb": mb(available),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "faiss": getattr(faiss, "__version__", "?"),
    }
