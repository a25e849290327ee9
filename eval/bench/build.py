"""Phase A of the benchmark: build one corpus's index with the project's own code and time each component.

Real corpora (seed, CMRC) go through the product's incremental build (`QAPipeline.build` / `store.build_index`),
then each component is timed again on the same chunks. Synthetic corpora are generated (eval.bench.corpus),
featurised with the real tokenizer and encoder up to `real_max` chunks and by exact composition above it (the
real cost extrapolated from the measured throughput), and written with the product's writer. Either way FAISS
flat, HNSW and IVF are built over the same vectors for phase B.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench.context import BenchConfig, Shared, say
from eval.bench.results import BuildResult

DENSE_KINDS = ("flat", "hnsw", "ivf")


@dataclass
class Built:
    """What phase A leaves for phase B (in memory, not in bench.json)."""

    vectors: np.ndarray
    tokens: list[list[str]]
    bm25: Any
    dense: dict[str, Any]
    specs: dict[str, Any]
    auto_kind: str


def dense_spec(settings: Any, n: int, kind: str) -> Any:
    """The product's choice of dense index parameters for `n` chunks and index `kind` ("auto" chooses the kind)."""
    from embeddings.vector_index import choose_spec

    return choose_spec(n, kind, settings.faiss_auto_threshold, settings.hnsw_m, settings.hnsw_ef_search, settings.ivf_nprobe)


def rate(n: int, seconds: float, how: str, what: str) -> dict[str, Any]:
    """One component's cost: seconds, chunks per second, how it was obtained and what was timed."""
    return {"seconds": round(seconds, 4), "chunks_per_s": round(n / seconds, 1) if seconds > 0 else None, "method": how, "what": what}


def build_dense_all(settings: Any, vectors: np.ndarray) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """flat, HNSW and IVF over `vectors` (project's build_dense), their specs and build timings."""
    from embeddings.vector_index import build_dense

    indexes: dict[str, Any] = {}
    specs: dict[str, Any] = {}
    timing: dict[str, Any] = {}
    n = len(vectors)
    for kind in DENSE_KINDS:
        spec = dense_spec(settings, n, kind)
        t0 = time.perf_counter()
        indexes[kind] = build_dense(vectors, spec)
        seconds = time.perf_counter() - t0
        specs[kind] = spec
        timing[kind] = {"seconds": round(seconds, 4), "chunks_per_s": round(n / seconds, 1) if seconds > 0 else None, "params": spec.params}
    return indexes, specs, timing


def disk_usage(index_dir: Path, dense: dict[str, Any]) -> dict[str, Any]:
    """Bytes of each file of the written version, their total, and of each FAISS index saved alone."""
    files = _version_files(index_dir)
    return {"files": files, "total_bytes": sum(files.values()), "dense_by_kind": _dense_sizes(dense, index_dir / "scratch")}


def _version_files(index_dir: Path) -> dict[str, int]:
    from embeddings.store import current_version

    version = current_version(index_dir)
    if version is None:
        return {}
    return {p.name: p.stat().st_size for p in sorted(version.iterdir()) if p.is_file()}


def _dense_sizes(indexes: dict[str, Any], scratch: Path) -> dict[str, int]:
    from embeddings.vector_index import save_dense

    scratch.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for kind, index in indexes.items():
        path = scratch / f"{kind}.faiss"
        save_dense(index, path)
        sizes[kind] = path.stat().st_size
        path.unlink()
    return sizes


def write_synthetic_index(
    settings: Any, encoder: Any, docs: list[Any], chunks: list[Any], vectors: np.ndarray, dense: Any, spec: Any, bm25: Any, description: dict[str, Any]
) -> None:
    """Write an index version exactly as `store.build_index` does (same writer, same manifest fields)."""
    from embeddings import manifest as index_manifests
    from embeddings import versions

    corpus = [f"synthetic:{description.get('chunks')}:seed={description.get('seed')}"]
    counts = {"documents": len(docs), "chunks": len(chunks)}
    manifest = {**index_manifests.index_manifest(settings, encoder.info, spec, corpus, {}, counts), "synthetic": description}
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with versions.write_lock(settings.index_dir):
        versions.commit_version(settings.index_dir, manifest, docs, chunks, vectors, dense, bm25)  # the product's writer


# -- real corpora -----------------------------------------------------------------------------------------


def build_real(name: str, shared: Shared, cfg: BenchConfig, settings: Any) -> tuple[BuildResult, Built]:
    """Seed / CMRC: the real incremental pipeline build, then each component timed on the same chunks."""
    from embeddings.bm25 import BM25Index
    from embeddings.store import build_index, load_index
    from embeddings.tokenize import tokenize
    from qa.pipeline import QAPipeline

    encoder = shared.encoder
    t0 = time.perf_counter()
    if shared.injected_encoder:
        report = build_index(settings, encoder_factory=lambda: encoder, rebuild=True)
    else:
        report = QAPipeline.build(settings, rebuild=True, progress=False)
    pipeline_s = time.perf_counter() - t0
    index = load_index(settings.index_dir, encoder.info.name)
    titles = {d.doc_id: d.title for d in index.documents}
    n = len(index.chunks)
    chars_per_chunk = round(sum(len(c.text) for c in index.chunks) / max(1, n), 1)
    auto_index = index.dense_spec.kind
    texts_enc = [f"{titles[c.doc_id]}\n{c.text}" for c in index.chunks]
    texts_tok = [f"{titles[c.doc_id]} {c.text}" for c in index.chunks]
    result = BuildResult(chunks=n, documents=len(index.documents), auto_index=auto_index, chars_per_chunk=chars_per_chunk)
    del index
    say(cfg, name, f"pipeline build {n} chunks in {pipeline_s:.1f}s; timing components")
    t0 = time.perf_counter()
    vectors = encoder.encode(texts_enc, batch_size=settings.encode_batch_size)
    encode_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tokens = [tokenize(t) for t in texts_tok]
    tokenize_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    bm25 = BM25Index.build(tokens, settings.bm25_k1, settings.bm25_b)
    matrix_s = time.perf_counter() - t0
    dense, specs, dense_timing = build_dense_all(settings, vectors)
    result.build = {
        "pipeline": {"seconds": round(pipeline_s, 3), "chunks_per_s": round(n / pipeline_s, 1), "what": "QAPipeline.build (ingest, chunk, tokenise, encode, FAISS, BM25, write)"},
        "encode": rate(n, encode_s, "measured", encoder.info.name),
        "tokenize": rate(n, tokenize_s, "measured", "jieba (embeddings.tokenize)"),
        "bm25_matrix": rate(n, matrix_s, "measured", "BM25Index.build"),
        "bm25_total": rate(n, tokenize_s + matrix_s, "measured", "tokenise + BM25Index.build"),
        "faiss": dense_timing,
        "encoded_by": "real encoder over every chunk",
        "reported_index_type": report.index_type,
    }
    result.disk = disk_usage(settings.index_dir, dense)
    return result, Built(vectors, tokens, bm25, dense, specs, auto_index)


# -- synthetic corpora ------------------------------------------------------------------------------------


def build_synthetic(name: str, n: int, shared: Shared, cfg: BenchConfig, settings: Any) -> tuple[BuildResult, Built]:
    """A synthetic corpus: generated, featurised (real code up to real_max, composition above), indexed, written."""
    from eval.bench.corpus import generate, verify_composition

    t0 = time.perf_counter()
    corpus = generate(shared.source, n, seed=cfg.seed, chunk_size=settings.chunk_size)
    gen_s = time.perf_counter() - t0
    auto = dense_spec(settings, n, settings.faiss_index).kind
    say(cfg, name, f"generated {n} chunks / {corpus.n_docs} documents in {gen_s:.1f}s")
    build: dict[str, Any] = {"generate": {"seconds": round(gen_s, 3)}}
    if n <= cfg.real_max:
        tokens, vectors, featurise_s = _featurise_real(corpus, n, shared.encoder, settings, build)
    else:
        tokens, vectors, featurise_s = _featurise_composed(corpus, n, shared, build)
    build["composition_check"] = verify_composition(corpus, shared.units, tokens, vectors, shared.encoder, sample=min(200, n))
    probe = range(0, n, max(1, n // 2000))
    result = BuildResult(
        chunks=n,
        documents=corpus.n_docs,
        auto_index=auto,
        fingerprint=corpus.fingerprint(),
        chars_per_chunk=round(sum(len(corpus.chunk_text(i)) for i in probe) / len(probe), 1),
        tokens_per_chunk=round(float(np.mean([len(t) for t in tokens[: min(n, 20000)]])), 1),
        sentences_per_chunk=round(float(np.diff(corpus.chunk_indptr).mean()), 2),
    )
    say(cfg, name, f"featurised in {featurise_s:.1f}s ({build['encoded_by'].split(';')[0]})")
    built = _index_and_write(name, corpus, tokens, vectors, shared, cfg, settings, build, result)
    result.build = build
    result.disk = disk_usage(settings.index_dir, built.dense)
    return result, built


def _featurise_real(corpus: Any, n: int, encoder: Any, settings: Any, build: dict[str, Any]) -> tuple[list[list[str]], np.ndarray, float]:
    """Tokens and vectors of every chunk from the real tokenizer and encoder (their cost measured into `build`)."""
    from embeddings.tokenize import tokenize

    texts_tok = corpus.titled(range(n), " ")
    t0 = time.perf_counter()
    tokens = [tokenize(t) for t in texts_tok]
    tokenize_s = time.perf_counter() - t0
    del texts_tok
    texts_enc = corpus.titled(range(n), "\n")
    t0 = time.perf_counter()
    vectors = encoder.encode(texts_enc, batch_size=settings.encode_batch_size)
    encode_s = time.perf_counter() - t0
    del texts_enc
    build["encode"] = rate(n, encode_s, "measured", encoder.info.name)
    build["tokenize"] = rate(n, tokenize_s, "measured", "jieba (embeddings.tokenize)")
    build["encoded_by"] = "real encoder and tokenizer over every chunk"
    return tokens, vectors, tokenize_s + encode_s


def _featurise_composed(corpus: Any, n: int, shared: Shared, build: dict[str, Any]) -> tuple[list[list[str]], np.ndarray, float]:
    """Tokens and vectors composed from the sentence pool's features (the real cost extrapolated into `build`)."""
    from eval.bench.corpus import composed_tokens, composed_vectors

    encoder, tp = shared.encoder, shared.throughput
    t0 = time.perf_counter()
    tokens = composed_tokens(corpus, shared.units)
    vectors = composed_vectors(corpus, shared.units)
    featurise_s = time.perf_counter() - t0
    enc_rate, tok_rate = tp.encode_chunks_per_s, tp.tokenize_chunks_per_s
    build["encode"] = {
        "seconds": round(n / enc_rate, 1), "chunks_per_s": enc_rate, "method": "extrapolated",
        "what": f"{encoder.info.name}: throughput measured on a {tp.sample}-chunk sample, times {n} chunks",
    }
    build["tokenize"] = {
        "seconds": round(n / tok_rate, 1), "chunks_per_s": tok_rate, "method": "extrapolated",
        "what": f"jieba: throughput measured on a {tp.sample}-chunk sample, times {n} chunks",
    }
    build["encoded_by"] = f"composition ({shared.units.method}); real cost extrapolated"
    build["composition_seconds"] = round(featurise_s, 3)
    return tokens, vectors, featurise_s


def _index_and_write(
    name: str, corpus: Any, tokens: list[list[str]], vectors: np.ndarray, shared: Shared, cfg: BenchConfig, settings: Any,
    build: dict[str, Any], result: BuildResult,
) -> Built:
    """BM25 and the three FAISS indexes over the features (timed into `build`), the auto one written to disk."""
    from embeddings.bm25 import BM25Index

    n = len(tokens)
    t0 = time.perf_counter()
    bm25 = BM25Index.build(tokens, settings.bm25_k1, settings.bm25_b)
    matrix_s = time.perf_counter() - t0
    build["bm25_matrix"] = rate(n, matrix_s, "measured", "BM25Index.build")
    build["bm25_total"] = rate(n, build["tokenize"]["seconds"] + matrix_s, build["tokenize"]["method"], "tokenise + BM25Index.build")
    say(cfg, name, f"BM25 matrix in {matrix_s:.1f}s ({bm25.weights.nnz} postings, {len(bm25.vocab)} terms); building FAISS")
    dense, specs, dense_timing = build_dense_all(settings, vectors)
    build["faiss"] = dense_timing
    say(cfg, name, "FAISS " + ", ".join(f"{k} {v['seconds']:.1f}s" for k, v in dense_timing.items()) + "; writing the index")
    auto = result.auto_index
    t0 = time.perf_counter()
    docs, chunks = corpus.documents_and_chunks(tokens)
    description = {"chunks": n, "seed": cfg.seed, "generator": "eval.bench.corpus.generate", "fingerprint": result.fingerprint}
    write_synthetic_index(settings, shared.encoder, docs, chunks, vectors, dense[auto], specs[auto], bm25, description)
    del docs, chunks
    build["write"] = {"seconds": round(time.perf_counter() - t0, 3), "what": "documents/chunks records + store writer (fsync'd)"}
    return Built(vectors, tokens, bm25, dense, specs, auto)

