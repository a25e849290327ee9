"""Phase C of the benchmark: the product as it serves, the written index loaded from disk with `load_index`.

`QAPipeline.retrieve` / `QAPipeline.ask` latency (with the product settings, with dense weight 1 and, for an
approximate auto index, with exact flat search), the memory the serving state takes, a per-component breakdown
of the query path (tokenise, BM25, encode, dense search, fusion, reader) and a fresh process's cold start.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench.context import Hints, Shared
from eval.bench.measure import mb, mem_available_bytes, peak_rss_bytes, rss_bytes, stats, time_each
from eval.bench.results import ProductResult, ServingMemory, Stats

MIN_PROJECTION_CHUNKS = 1_000
"""Only an index at least this large sets the per-chunk load cost the next corpus is projected from: a smaller
one's RSS growth is mostly fixed costs (the pipeline, allocator arenas), and projecting the seed corpus's
(96 chunks) per chunk skipped the 10k product phase of an in-process run."""


def product(queries: list[str], shared: Shared, settings: Any, hints: Hints, chunks: int) -> ProductResult:
    """Load the index of `chunks` chunks from settings.index_dir and time the product's query path on `queries`
    (skipped, with a note, when the previous corpus's size projects more memory than is available)."""
    from embeddings.store import load_index
    from qa.pipeline import QAPipeline

    encoder = shared.encoder
    gc.collect()
    rss_a = rss_bytes()
    result = ProductResult(rss_before_load_mb=mb(rss_a))
    per_chunk = hints.load_bytes_per_chunk
    available = mem_available_bytes()
    if per_chunk and available and per_chunk * chunks > 0.7 * available:
        result.skipped = f"load_index skipped: projected {mb(per_chunk * chunks)} MB from the previous size, {mb(available)} MB available"
        return result
    t0 = time.perf_counter()
    index = load_index(settings.index_dir, encoder.info.name)
    pipe = QAPipeline(settings, index, encoder, codes=shared.codes)
    load_s = time.perf_counter() - t0
    gc.collect()
    rss_b = rss_bytes()
    memory = ServingMemory(
        load_s=round(load_s, 3),
        index_rss_mb=mb(rss_b - rss_a),
        rss_serving_mb=mb(rss_b),
        bytes_per_chunk=round((rss_b - rss_a) / max(chunks, 1), 1),
        what="load_index + QAPipeline (the product's query-serving state) as RSS growth",
        breakdown_mb={},
    )
    if chunks >= MIN_PROJECTION_CHUNKS:
        hints.load_bytes_per_chunk = (rss_b - rss_a) / chunks
    memory.breakdown_mb = memory_breakdown(index)
    latency, answers = _product_latency(pipe, index, queries, shared, settings)
    comp = components(pipe, index, queries, encoder, settings.candidates, latency["retrieve"]["p50"])
    result.latency = latency
    result.components = comp
    result.product = {
        "dense_weight": pipe.weights.dense,
        "retrieval_mode": pipe.retrieval_mode,
        "index_type": index.dense_spec.kind,
        "index_params": index.dense_spec.params,
        "answered": round(sum(a.text is not None for a in answers) / max(1, len(answers)), 4),
    }
    result.dominant = dominant(comp, latency)
    memory.peak_rss_mb = mb(peak_rss_bytes())
    result.memory = memory
    return result


def _product_latency(pipe: Any, index: Any, queries: list[str], shared: Shared, settings: Any) -> tuple[dict[str, Stats], list[Any]]:
    """ask, retrieve, retrieve with dense weight 1 and (approximate auto index) the same over exact flat search."""
    from qa.pipeline import QAPipeline

    encoder = shared.encoder
    dense_pipe = QAPipeline(settings.with_overrides(weight_dense=1.0), index, encoder, codes=shared.codes)
    read_k = max(settings.top_k, settings.read_k)
    latency: dict[str, Stats] = {}
    answers, ms = time_each(lambda q: pipe.ask(q), queries)
    latency["answer"] = stats(ms)
    _, ms = time_each(lambda q: pipe.retrieve(q, read_k), queries)
    latency["retrieve"] = stats(ms)
    _, ms = time_each(lambda q: dense_pipe.retrieve(q, read_k), queries)
    latency["retrieve_dense"] = stats(ms)
    if index.dense_spec.kind != "flat":
        # The same query path with exact search over the same vectors (what a higher auto threshold would give).
        from embeddings.vector_index import DenseIndexSpec, build_dense

        flat_spec = DenseIndexSpec("flat", {})
        flat = build_dense(np.load(index.path / "vectors.npy"), flat_spec)
        flat_pipe = QAPipeline(settings.with_overrides(weight_dense=1.0), dataclasses.replace(index, dense=flat, dense_spec=flat_spec), encoder, codes=shared.codes)
        _, ms = time_each(lambda q: flat_pipe.retrieve(q, read_k), queries)
        latency["retrieve_dense_flat"] = stats(ms)
        del flat_pipe, flat
        gc.collect()
    return latency, answers


def components(pipe: Any, index: Any, queries: list[str], encoder: Any, k: int, retrieve_p50: float) -> dict[str, Any]:
    """Each part of the query path timed alone; fusion_merge is what `retrieve` takes beyond its searches."""
    from embeddings.tokenize import tokenize
    from embeddings.vector_index import search_dense

    comp: dict[str, Any] = {}
    toks, ms = time_each(tokenize, queries)
    comp["tokenize"] = stats(ms)
    _, ms = time_each(lambda t: index.bm25.search(t, k), toks)
    comp["bm25_search"] = stats(ms)
    vecs, ms = time_each(lambda q: encoder.encode([q], query=True)[0], queries)
    comp["encode"] = stats(ms)
    _, ms = time_each(lambda v: search_dense(index.dense, v, k), vecs)
    comp[f"dense_search_{index.dense_spec.kind}"] = stats(ms)
    p50 = {key: v["p50"] for key, v in comp.items()}
    dense_part = p50["encode"] + p50[f"dense_search_{index.dense_spec.kind}"] if pipe.weights.dense > 0 else 0.0
    comp["fusion_merge"] = {"p50": round(max(0.0, retrieve_p50 - p50["tokenize"] - p50["bm25_search"] - dense_part), 4)}
    comp.update(reader_timing(pipe, queries, index))
    return comp


def reader_timing(pipe: Any, queries: Sequence[str], index: Any) -> dict[str, Any]:
    """The reader alone on the passages the product retrieves: per question and per passage read."""
    from qa.reader.question import analyse

    read_k = pipe.settings.read_k
    work = [(analyse(q), pipe.retrieve(q, max(pipe.settings.top_k, read_k))[:read_k]) for q in queries]
    _, ms = time_each(lambda item: pipe.reader.read(item[0], item[1], index.doc_by_id), work)
    per_question = stats(ms)
    passages = sum(len(p) for _, p in work) / max(1, len(work))
    per_passage = {k: (round(v / passages, 4) if isinstance(v, float) else v) for k, v in per_question.items()}
    return {"reader": per_question, "reader_per_passage": {**per_passage, "passages_per_question": round(passages, 2)},
            "reader_name": {"name": pipe.reader_name}}


def cold_start(index_dir: Path, question: str, cache_dir: Path) -> dict[str, Any]:
    """Wall seconds of a fresh `qa ask` process (index built, models cached) until it prints the answer."""
    import subprocess

    cmd = [sys.executable, "-m", "qa.cli", "ask", "--index-dir", str(index_dir), "--json", question]
    env = {**os.environ, "WENDA_MODEL_CACHE_DIR": str(cache_dir), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
        runs.append(round(time.perf_counter() - t0, 3))
        if done.returncode != 0:
            return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return {"seconds": runs, "median_s": sorted(runs)[1], "command": " ".join(cmd[1:])}


def memory_breakdown(index: Any) -> dict[str, Any]:
    """Where a loaded index's memory goes, in MB: the record and BM25 files and the vectors of a flat or HNSW
    index are memory-mapped (resident only as far as queries have read them); the document id table and an
    HNSW graph are in memory."""
    from embeddings.records import RECORD_FILES

    records = sum((index.path / name).stat().st_size for name in RECORD_FILES)
    row_of = getattr(index.documents, "row_of", {})
    id_table = sys.getsizeof(row_of) + sum(sys.getsizeof(k) for k in row_of)
    bm25 = index.bm25.nbytes()
    dense_file = index.path / "dense.faiss"
    return {
        "records_mapped": mb(records),
        "document_id_table": mb(id_table),
        "bm25_postings_mapped": mb(bm25),
        "dense_index": mb(dense_file.stat().st_size if dense_file.exists() else 0),
        "method": "record and posting file sizes (memory-mapped); sys.getsizeof of the id table; FAISS file size",
    }


def dominant(comp: dict[str, Any], latency: dict[str, Any]) -> dict[str, Any]:
    """The largest p50 component of a full answer (product settings) and of dense-enabled retrieval."""
    answer_parts = {k: comp[k]["p50"] for k in ("tokenize", "bm25_search", "fusion_merge", "reader") if k in comp}
    dense_key = next((k for k in comp if k.startswith("dense_search_")), None)
    dense_parts = {k: comp[k]["p50"] for k in ("tokenize", "bm25_search", "encode") if k in comp}
    if dense_key:
        dense_parts[dense_key] = comp[dense_key]["p50"]
    top_a = max(answer_parts, key=answer_parts.get) if answer_parts else None
    top_d = max(dense_parts, key=dense_parts.get) if dense_parts else None
    return {
        "answer": {"component": top_a, "p50_ms": answer_parts.get(top_a), "of_p50_ms": latency["answer"]["p50"], "parts": answer_parts},
        "retrieve_dense": {"component": top_d, "p50_ms": dense_parts.get(top_d), "of_p50_ms": latency["retrieve_dense"]["p50"], "parts": dense_parts},
    }
