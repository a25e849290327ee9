"""Measure index build and query cost from the seed corpus up to a million chunks, with baselines.

Every figure comes from the project's own code: `store.build_index` / `QAPipeline.build` for the real corpora,
`BM25Index.build`, `build_dense` / `search_dense`, the index writer and `load_index` for every corpus, and
`QAPipeline.retrieve` / `QAPipeline.ask` for the product's latency. Each corpus is measured in a forked child
process, so its memory figures are its own and it gives its memory back before the next one.

Phases per corpus:
  A. build: featurise (tokenise + encode), BM25 matrix, FAISS flat/HNSW/IVF, write the index (auto type);
  B. compare: per-query retrieval latency of every index and baseline, recall against exact search,
     efSearch/nprobe sweeps, the per-query BM25 rebuild baseline (on a sample of queries where it is slow);
  C. product: everything freed, the index loaded from disk with `load_index`, then `retrieve`/`ask` latency
     and a per-component breakdown of the query path.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import json
import os
import platform
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_GOLD = REPO_ROOT / "eval" / "gold" / "seeds.jsonl"
CMRC_RELATIVE = Path("../shared/data/cmrc2018/cmrc2018_trial.json")
ALL_CORPORA = ["seed", "cmrc", "10k", "100k", "1m"]
QUICK_CORPORA = ["seed", "10k"]
DENSE_KINDS = ("flat", "hnsw", "ivf")
METHODS = ("numpy_exact", "flat", "hnsw", "ivf", "bm25", "bm25_rebuild")
PRODUCT_METHODS = ("retrieve", "retrieve_dense", "answer")
EF_SWEEP = (16, 32, 64, 128, 256, 512, 1024, 2048)
NPROBE_SWEEP = (1, 4, 8, 16, 32, 64, 128, 256, 512)
TIE_TOLERANCE = 1e-3
"""Score tolerance of the secondary, tie-tolerant recall (see `compare`)."""
RECALL_TARGET = 0.95


def default_cmrc() -> Path:
    """The CMRC 2018 trial file: ../shared/... from the working directory, else next to the repository."""
    here = CMRC_RELATIVE
    return here if here.is_file() else (REPO_ROOT / CMRC_RELATIVE).resolve()


def parse_size(name: str) -> int | None:
    """Chunks of a synthetic corpus name ("10k", "1m", "2500"); None for "seed" / "cmrc"."""
    text = name.strip().lower()
    if text in ("seed", "cmrc"):
        return None
    mult = 1
    if text.endswith("k"):
        mult, text = 1_000, text[:-1]
    elif text.endswith("m"):
        mult, text = 1_000_000, text[:-1]
    try:
        value = int(float(text) * mult)
    except ValueError:
        raise ValueError(f"unknown corpus {name!r}: use seed, cmrc or a size such as 10k, 100k, 1m") from None
    if value <= 0:
        raise ValueError(f"corpus size must be positive: {name!r}")
    return value


@dataclass
class BenchConfig:
    """What to measure and where to write it."""

    corpora: list[str] = field(default_factory=lambda: list(ALL_CORPORA))
    out_dir: Path = Path("runs/bench")
    queries: int = 256
    seed: int = 2018
    seeds_dir: Path = REPO_ROOT / "seeds"
    cmrc_path: Path | None = None
    real_max: int = 10_000
    """Synthetic corpora up to this many chunks are tokenised and encoded with the real code paths; larger ones
    are featurised by composition (exact for the built-in encoder) and the real cost extrapolated."""
    throughput_sample: int = 1000
    rebuild_budget_s: float = 30.0
    rebuild_max_queries: int = 50
    keep_indexes: bool = False
    isolate: bool = True
    progress: bool = True
    quick: bool = False
    milvus: bool = False
    """Also insert each corpus into Milvus and time it side by side (eval/bench/milvus.py)."""


# -- small measurement helpers ----------------------------------------------------------------------------


def stats(ms: Sequence[float]) -> dict[str, Any]:
    """n, p50, p95, p99, mean and max of latencies in milliseconds."""
    if not len(ms):
        return {"n": 0, "p50": None, "p95": None, "p99": None, "mean": None, "max": None}
    arr = np.asarray(ms, dtype=np.float64)
    p50, p95, p99 = np.percentile(arr, [50, 95, 99])
    return {
        "n": int(arr.size),
        "p50": round(float(p50), 4),
        "p95": round(float(p95), 4),
        "p99": round(float(p99), 4),
        "mean": round(float(arr.mean()), 4),
        "max": round(float(arr.max()), 4),
    }


def time_each(fn: Callable[[Any], Any], items: Sequence[Any], warmup: int = 1) -> tuple[list[Any], list[float]]:
    """Results and per-item wall-clock milliseconds of `fn(item)` (after `warmup` untimed calls)."""
    for item in items[:warmup]:
        fn(item)
    results: list[Any] = []
    ms: list[float] = []
    for item in items:
        t0 = time.perf_counter()
        results.append(fn(item))
        ms.append((time.perf_counter() - t0) * 1000)
    return results, ms


def _status(field_name: str) -> int | None:
    """A `kB` field of /proc/self/status in bytes (Linux); None elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def rss_bytes() -> int:
    """Resident set size of this process."""
    value = _status("VmRSS")
    if value is not None:
        return value
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def peak_rss_bytes() -> int | None:
    return _status("VmHWM")


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def mem_available_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def mb(value: float | None) -> float | None:
    return None if value is None else round(value / 2**20, 1)


def _say(cfg: BenchConfig, name: str, message: str) -> None:
    if cfg.progress:
        print(f"[bench {name}] {message}", file=sys.stderr, flush=True)


try:
    from threadpoolctl import threadpool_limits

    _HAVE_THREADPOOLCTL = True
except ImportError:  # optional: without it the NumPy baseline runs with BLAS's default thread count
    _HAVE_THREADPOOLCTL = False


@contextlib.contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Limit BLAS (NumPy's matrix product) to `n` threads when threadpoolctl is installed."""
    if not _HAVE_THREADPOOLCTL:
        yield
        return
    with threadpool_limits(limits=n, user_api="blas"):
        yield


def _same_ranking(a: Sequence[tuple[int, float]], b: Sequence[tuple[int, float]], k: int = 10, tol: float = 1e-4) -> bool:
    """The same top-k up to ties: equal length and equal scores position by position (relative tolerance)."""
    a, b = list(a[:k]), list(b[:k])
    return len(a) == len(b) and all(abs(sa - sb) <= tol * max(1.0, abs(sa)) for (_, sa), (_, sb) in zip(a, b, strict=True))


def _same_ids(a: Sequence[tuple[int, float]], b: Sequence[tuple[int, float]], k: int = 10) -> bool:
    return [i for i, _ in a[:k]] == [i for i, _ in b[:k]]


def _recall(exact_ids: np.ndarray, found: Sequence[Sequence[int]], k: int) -> float:
    hits = [len(set(e[:k].tolist()) & set(list(f)[:k])) / max(1, min(k, int((e[:k] >= 0).sum()))) for e, f in zip(exact_ids, found, strict=True)]
    return float(np.mean(hits)) if hits else float("nan")


# -- the context shared by every corpus -----------------------------------------------------------------


@dataclass
class Shared:
    """Loaded once in the parent (inherited by the forked children)."""

    settings: Any
    encoder: Any
    codes: dict[str, str]
    seed_questions: list[str]
    cmrc_questions: list[str]
    source: Any = None
    units: Any = None
    throughput: dict[str, Any] = field(default_factory=dict)


def _read_seed_questions() -> list[str]:
    if not SEED_GOLD.is_file():
        return []
    return [json.loads(line)["question"] for line in SEED_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def _read_cmrc_questions(path: Path | None) -> list[str]:
    if path is None or not Path(path).is_file():
        return []
    data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    return [
        str(qa["question"]).strip()
        for article in data.get("data", [])
        for para in article.get("paragraphs", [])
        for qa in para.get("qas", [])
        if str(qa.get("question") or "").strip()
    ]


def pick_queries(pool: Sequence[str], n: int, seed: int) -> list[str]:
    """A reproducible sample of up to n questions (all of them, shuffled, when the pool is smaller)."""
    order = np.random.default_rng(seed).permutation(len(pool))
    return [pool[i] for i in order[:n]]


def queries_for(name: str, shared: Shared, cfg: BenchConfig) -> tuple[list[str], str]:
    if name == "seed" and shared.seed_questions:
        return pick_queries(shared.seed_questions, cfg.queries, cfg.seed), "seed gold questions"
    if name == "cmrc" and shared.cmrc_questions:
        return pick_queries(shared.cmrc_questions, cfg.queries, cfg.seed), "CMRC 2018 trial questions"
    n_seed = min(len(shared.seed_questions), max(cfg.queries // 2, cfg.queries - len(shared.cmrc_questions)))
    seed_q = pick_queries(shared.seed_questions, n_seed, cfg.seed)
    cmrc_q = pick_queries(shared.cmrc_questions, cfg.queries - len(seed_q), cfg.seed)
    mixed = [q for pair in zip(seed_q, cmrc_q, strict=False) for q in pair]
    mixed += seed_q[len(cmrc_q) :] + cmrc_q[len(seed_q) :]
    return mixed[: cfg.queries], "seed gold + CMRC 2018 trial questions, alternating"


# -- phase A: build ---------------------------------------------------------------------------------------


def _dense_spec(settings: Any, n: int, kind: str) -> Any:
    from embeddings.vector_index import choose_spec

    return choose_spec(n, kind, settings.faiss_auto_threshold, settings.hnsw_m, settings.hnsw_ef_search, settings.ivf_nprobe)


def build_dense_all(settings: Any, vectors: np.ndarray) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """flat, HNSW and IVF over `vectors` (project's build_dense), their specs and build timings."""
    from embeddings.vector_index import build_dense

    indexes: dict[str, Any] = {}
    specs: dict[str, Any] = {}
    timing: dict[str, Any] = {}
    n = len(vectors)
    for kind in DENSE_KINDS:
        spec = _dense_spec(settings, n, kind)
        t0 = time.perf_counter()
        indexes[kind] = build_dense(vectors, spec)
        seconds = time.perf_counter() - t0
        specs[kind] = spec
        timing[kind] = {"seconds": round(seconds, 4), "chunks_per_s": round(n / seconds, 1) if seconds > 0 else None, "params": spec.params}
    return indexes, specs, timing


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
    from embeddings import store

    corpus = [f"synthetic:{description.get('chunks')}:seed={description.get('seed')}"]
    counts = {"documents": len(docs), "chunks": len(chunks)}
    manifest = {**store.index_manifest(settings, encoder.info, spec, corpus, {}, counts), "synthetic": description}
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with store.write_lock(settings.index_dir):
        store._commit(settings.index_dir, manifest, docs, chunks, vectors, dense, bm25)  # the product's writer


@dataclass
class Built:
    """What phase A leaves for phase B."""

    vectors: np.ndarray
    tokens: list[list[str]]
    bm25: Any
    dense: dict[str, Any]
    specs: dict[str, Any]
    auto_kind: str


def build_real(name: str, path: Path, shared: Shared, cfg: BenchConfig, settings: Any, result: dict[str, Any]) -> Built:
    """Seed / CMRC: the real incremental pipeline build, then each component timed on the same chunks."""
    from embeddings.bm25 import BM25Index
    from embeddings.store import build_index, load_index
    from embeddings.tokenize import tokenize
    from qa.pipeline import QAPipeline

    encoder = shared.encoder
    t0 = time.perf_counter()
    if getattr(shared, "injected_encoder", False):
        report = build_index(settings, encoder_factory=lambda: encoder, rebuild=True)
    else:
        report = QAPipeline.build(settings, rebuild=True, progress=False)
    pipeline_s = time.perf_counter() - t0
    index = load_index(settings.index_dir, encoder.info.name)
    titles = {d.doc_id: d.title for d in index.documents}
    n = len(index.chunks)
    result.update(
        chunks=n,
        documents=len(index.documents),
        chars_per_chunk=round(sum(len(c.text) for c in index.chunks) / max(1, n), 1),
        auto_index=index.dense_spec.kind,
    )
    texts_enc = [f"{titles[c.doc_id]}\n{c.text}" for c in index.chunks]
    texts_tok = [f"{titles[c.doc_id]} {c.text}" for c in index.chunks]
    del index
    _say(cfg, name, f"pipeline build {n} chunks in {pipeline_s:.1f}s; timing components")
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
    result["build"] = {
        "pipeline": {"seconds": round(pipeline_s, 3), "chunks_per_s": round(n / pipeline_s, 1), "what": "QAPipeline.build (ingest, chunk, tokenise, encode, FAISS, BM25, write)"},
        "encode": _rate(n, encode_s, "measured", encoder.info.name),
        "tokenize": _rate(n, tokenize_s, "measured", "jieba (embeddings.tokenize)"),
        "bm25_matrix": _rate(n, matrix_s, "measured", "BM25Index.build"),
        "bm25_total": _rate(n, tokenize_s + matrix_s, "measured", "tokenise + BM25Index.build"),
        "faiss": dense_timing,
        "encoded_by": "real encoder over every chunk",
        "reported_index_type": report.index_type,
    }
    files = _version_files(settings.index_dir)
    result["disk"] = {"files": files, "total_bytes": sum(files.values()), "dense_by_kind": _dense_sizes(dense, settings.index_dir / "scratch")}
    return Built(vectors, tokens, bm25, dense, specs, result["auto_index"])


def _rate(n: int, seconds: float, how: str, what: str) -> dict[str, Any]:
    return {"seconds": round(seconds, 4), "chunks_per_s": round(n / seconds, 1) if seconds > 0 else None, "method": how, "what": what}


def build_synthetic(name: str, n: int, shared: Shared, cfg: BenchConfig, settings: Any, result: dict[str, Any]) -> Built:
    """A synthetic corpus: generated, featurised (real code up to real_max, composition above), indexed, written."""
    from embeddings.bm25 import BM25Index
    from embeddings.tokenize import tokenize
    from eval.bench.corpus import composed_tokens, composed_vectors, generate, verify_composition

    encoder = shared.encoder
    t0 = time.perf_counter()
    corpus = generate(shared.source, n, seed=cfg.seed, chunk_size=settings.chunk_size)
    gen_s = time.perf_counter() - t0
    lengths = np.diff(corpus.chunk_indptr)
    result.update(chunks=n, documents=corpus.n_docs, fingerprint=corpus.fingerprint(), auto_index=_dense_spec(settings, n, settings.faiss_index).kind)
    _say(cfg, name, f"generated {n} chunks / {corpus.n_docs} documents in {gen_s:.1f}s")
    tp = shared.throughput
    build: dict[str, Any] = {"generate": {"seconds": round(gen_s, 3)}}
    if n <= cfg.real_max:
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
        build["encode"] = _rate(n, encode_s, "measured", encoder.info.name)
        build["tokenize"] = _rate(n, tokenize_s, "measured", "jieba (embeddings.tokenize)")
        build["encoded_by"] = "real encoder and tokenizer over every chunk"
        featurise_s = tokenize_s + encode_s
    else:
        t0 = time.perf_counter()
        tokens = composed_tokens(corpus, shared.units)
        vectors = composed_vectors(corpus, shared.units)
        featurise_s = time.perf_counter() - t0
        enc_rate, tok_rate = tp["encode_chunks_per_s"], tp["tokenize_chunks_per_s"]
        build["encode"] = {
            "seconds": round(n / enc_rate, 1), "chunks_per_s": enc_rate, "method": "extrapolated",
            "what": f"{encoder.info.name}: throughput measured on a {tp['sample']}-chunk sample, times {n} chunks",
        }
        build["tokenize"] = {
            "seconds": round(n / tok_rate, 1), "chunks_per_s": tok_rate, "method": "extrapolated",
            "what": f"jieba: throughput measured on a {tp['sample']}-chunk sample, times {n} chunks",
        }
        build["encoded_by"] = f"composition ({shared.units.method}); real cost extrapolated"
        build["composition_seconds"] = round(featurise_s, 3)
    build["composition_check"] = verify_composition(corpus, shared.units, tokens, vectors, encoder, sample=min(200, n))
    probe = range(0, n, max(1, n // 2000))
    result["chars_per_chunk"] = round(sum(len(corpus.chunk_text(i)) for i in probe) / len(probe), 1)
    result["tokens_per_chunk"] = round(float(np.mean([len(t) for t in tokens[: min(n, 20000)]])), 1)
    result["sentences_per_chunk"] = round(float(lengths.mean()), 2)
    _say(cfg, name, f"featurised in {featurise_s:.1f}s ({build['encoded_by'].split(';')[0]})")
    t0 = time.perf_counter()
    bm25 = BM25Index.build(tokens, settings.bm25_k1, settings.bm25_b)
    matrix_s = time.perf_counter() - t0
    build["bm25_matrix"] = _rate(n, matrix_s, "measured", "BM25Index.build")
    tok_s = build["tokenize"]["seconds"]
    build["bm25_total"] = _rate(n, tok_s + matrix_s, build["tokenize"]["method"], "tokenise + BM25Index.build")
    _say(cfg, name, f"BM25 matrix in {matrix_s:.1f}s ({bm25.weights.nnz} postings, {len(bm25.vocab)} terms); building FAISS")
    dense, specs, dense_timing = build_dense_all(settings, vectors)
    build["faiss"] = dense_timing
    _say(cfg, name, "FAISS " + ", ".join(f"{k} {v['seconds']:.1f}s" for k, v in dense_timing.items()) + "; writing the index")
    auto = result["auto_index"]
    t0 = time.perf_counter()
    docs, chunks = corpus.documents_and_chunks(tokens)
    description = {"chunks": n, "seed": cfg.seed, "generator": "eval.bench.corpus.generate", "fingerprint": result["fingerprint"]}
    write_synthetic_index(settings, encoder, docs, chunks, vectors, dense[auto], specs[auto], bm25, description)
    del docs, chunks
    build["write"] = {"seconds": round(time.perf_counter() - t0, 3), "what": "documents/chunks records + store writer (fsync'd)"}
    result["build"] = build
    files = _version_files(settings.index_dir)
    result["disk"] = {"files": files, "total_bytes": sum(files.values()), "dense_by_kind": _dense_sizes(dense, settings.index_dir / "scratch")}
    return Built(vectors, tokens, bm25, dense, specs, auto)


# -- phase B: compare indexes and baselines ---------------------------------------------------------------


def compare(
    name: str, built: Built, queries: list[str], shared: Shared, cfg: BenchConfig, settings: Any, hints: dict[str, Any], result: dict[str, Any]
) -> None:
    from embeddings.tokenize import tokenize
    from embeddings.vector_index import apply_search_params, search_dense
    from eval.bench.baselines import numpy_exact_search

    encoder = shared.encoder
    k = settings.candidates
    n = len(built.vectors)
    latency: dict[str, Any] = {}
    found: dict[str, list[list[tuple[int, float]]]] = {}

    def encode(q: str) -> np.ndarray:
        return encoder.encode([q], query=True)[0]

    with blas_threads(1):  # like search_dense (single-threaded), so the ratio compares algorithms, not pools
        found["numpy_exact"], ms = time_each(lambda q: numpy_exact_search(built.vectors, encode(q), k), queries)
    latency["numpy_exact"] = stats(ms)
    result["numpy_blas_threads"] = 1 if _HAVE_THREADPOOLCTL else "default"
    for kind in DENSE_KINDS:
        index = built.dense[kind]
        found[kind], ms = time_each(lambda q, index=index: search_dense(index, encode(q), k), queries)
        latency[kind] = stats(ms)
    found["bm25"], ms = time_each(lambda q: built.bm25.search(tokenize(q), k), queries)
    latency["bm25"] = stats(ms)
    latency["bm25s"], bm25s_info = bm25s_baseline(built, queries, found["bm25"], settings)
    _say(cfg, name, "latency: " + ", ".join(f"{m} p50 {latency[m]['p50']:.2f}ms" for m in latency))

    # Exact ground truth (flat, batched) and recall of the approximate indexes at the configured parameters.
    # Encoded as queries, as `encode` above does (an asymmetric model such as e5 gives other vectors without).
    qvecs = np.ascontiguousarray(encoder.encode(queries, query=True), dtype=np.float32)
    k10 = min(10, n)
    exact_scores, exact_ids100 = built.dense["flat"].search(qvecs, min(100, n))
    exact_ids, exact_ids50 = exact_ids100[:, :k10], exact_ids100[:, : min(k, n)]
    tenth = exact_scores[:, k10 - 1]

    def tolerant(hits: Sequence[Sequence[tuple[int, float]]]) -> float:
        """Share of the returned top 10 scoring within TIE_TOLERANCE of the exact 10th score."""
        return float(np.mean([sum(s >= t - TIE_TOLERANCE for _, s in h[:k10]) / k10 for h, t in zip(hits, tenth, strict=True)]))

    recall = {}
    for kind in ("hnsw", "ivf"):
        ids = [[i for i, _ in hits] for hits in found[kind]]
        recall[kind] = {
            "recall@10": round(_recall(exact_ids, ids, k10), 4),
            "recall@50": round(_recall(exact_ids50, ids, min(k, n)), 4),
            f"recall@10_within_{TIE_TOLERANCE}": round(tolerant(found[kind]), 4),
            "params": built.specs[kind].params,
            "k_searched": k,
        }
    # How separable the vectors are: near-ties make id-recall of any approximate index pessimistic.
    rng = np.random.default_rng(cfg.seed)
    a, b = rng.integers(0, n, size=(2, min(4000, n)))
    result["vector_geometry"] = {
        "median_score_1st_minus_10th": round(float(np.median(exact_scores[:, 0] - tenth)), 5),
        "median_chunks_within_0.001_of_10th": float(np.median((exact_scores >= tenth[:, None] - 0.001).sum(axis=1))),
        "mean_cosine_random_chunk_pairs": round(float(np.mean(np.sum(built.vectors[a] * built.vectors[b], axis=1))), 4),
        "median_top1_score": round(float(np.median(exact_scores[:, 0])), 4),
    }
    pairs = list(zip(found["flat"], found["numpy_exact"], strict=True))
    checks = {
        "flat_equals_numpy": round(float(np.mean([_same_ranking(a, b) for a, b in pairs])), 4),
        "flat_equals_numpy_ids": round(float(np.mean([_same_ids(a, b) for a, b in pairs])), 4),
    }

    # Sweeps: search-only latency (query vectors precomputed) against recall@10.
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
                "recall@10": round(_recall(exact_ids, [[i for i, _ in h] for h in res], k10), 4),
                f"recall@10_within_{TIE_TOLERANCE}": round(tolerant(res), 4),
                **timing,
            })
        apply_search_params(index, built.specs[kind])
    _, ms = time_each(encode, queries)
    result["encode_query_ms"] = stats(ms)
    _, ms = time_each(tokenize, queries)
    result["tokenize_query_ms"] = stats(ms)

    # Free the FAISS indexes and vectors before the memory-hungry rebuild baseline.
    built.dense.clear()
    built.vectors = np.zeros((0, 1), dtype=np.float32)
    gc.collect()
    latency["bm25_rebuild"], checks["bm25_equals_rebuild"], rebuild_info = rebuild_baseline(
        built, queries, found["bm25"], cfg, settings, hints
    )
    checks["bm25_equals_bm25s"] = bm25s_info.pop("same_scores")
    result.update(latency=latency, recall=recall, sweep=sweep, checks=checks, rebuild=rebuild_info, bm25s=bm25s_info)


def bm25s_baseline(
    built: Built, queries: list[str], bm25_found: list[list[tuple[int, float]]], settings: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
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
    built: Built, queries: list[str], bm25_found: list[list[tuple[int, float]]], cfg: BenchConfig, settings: Any, hints: dict[str, Any]
) -> tuple[dict[str, Any], float | None, dict[str, Any]]:
    """Per-query BM25 rebuild on as many queries as fit `rebuild_budget_s` (at least one when memory allows)."""
    from embeddings.tokenize import tokenize
    from eval.bench.baselines import RebuildBM25

    n = len(built.tokens)
    info: dict[str, Any] = {"budget_s": cfg.rebuild_budget_s}
    per_chunk_bytes = hints.get("rebuild_bytes_per_chunk")
    available = mem_available_bytes()
    if per_chunk_bytes and available and per_chunk_bytes * n > 0.6 * available:
        scale = n / hints["rebuild_chunks"]
        est = stats([v * scale for v in hints["rebuild_ms"]])
        info.update(
            measured=False,
            note=f"not run: it would need ~{mb(per_chunk_bytes * n)} MB with {mb(available)} MB available; "
            f"extrapolated linearly from {hints['rebuild_chunks']} chunks",
        )
        est["extrapolated"] = True
        return est, None, info
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
        agree.append(_same_ranking(hits, bm25_found[i]))
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
    hints["rebuild_bytes_per_chunk"] = max(peak_delta, 1) / max(n, 1)
    hints["rebuild_chunks"] = n
    hints["rebuild_ms"] = ms
    return out, round(float(np.mean(agree)), 4) if agree else None, info


# -- phase C: the product, loaded from disk -------------------------------------------------------------


def product(name: str, queries: list[str], shared: Shared, cfg: BenchConfig, settings: Any, hints: dict[str, Any], result: dict[str, Any]) -> None:
    from embeddings.store import load_index
    from embeddings.tokenize import tokenize
    from embeddings.vector_index import search_dense
    from qa.pipeline import QAPipeline

    encoder = shared.encoder
    gc.collect()
    rss_a = rss_bytes()
    n = result["chunks"]
    per_chunk = hints.get("load_bytes_per_chunk")
    available = mem_available_bytes()
    memory: dict[str, Any] = {"rss_before_load_mb": mb(rss_a)}
    if per_chunk and available and per_chunk * n > 0.7 * available:
        memory["note"] = (
            f"load_index skipped: projected {mb(per_chunk * n)} MB from the previous size, {mb(available)} MB available"
        )
        result["memory"] = {**result.get("memory", {}), **memory}
        return
    t0 = time.perf_counter()
    index = load_index(settings.index_dir, encoder.info.name)
    pipe = QAPipeline(settings, index, encoder, codes=shared.codes)
    load_s = time.perf_counter() - t0
    gc.collect()
    rss_b = rss_bytes()
    memory.update(
        load_s=round(load_s, 3),
        index_rss_mb=mb(rss_b - rss_a),
        rss_serving_mb=mb(rss_b),
        bytes_per_chunk=round((rss_b - rss_a) / max(n, 1), 1),
        what="load_index + QAPipeline (the product's query-serving state) as RSS growth",
    )
    hints["load_bytes_per_chunk"] = (rss_b - rss_a) / max(n, 1)
    memory["breakdown_mb"] = memory_breakdown(index)
    dense_pipe = QAPipeline(settings.with_overrides(weight_dense=1.0), index, encoder, codes=shared.codes)
    read_k = max(settings.top_k, settings.read_k)
    latency: dict[str, Any] = {}
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
    k = settings.candidates
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
    comp["fusion_merge"] = {
        "p50": round(max(0.0, latency["retrieve"]["p50"] - p50["tokenize"] - p50["bm25_search"] - dense_part), 4)
    }
    comp.update(reader_timing(pipe, queries, index))
    result["latency"].update(latency)
    result["components"] = comp
    result["product"] = {
        "dense_weight": pipe.weights.dense,
        "retrieval_mode": pipe.retrieval_mode,
        "index_type": index.dense_spec.kind,
        "index_params": index.dense_spec.params,
        "answered": round(sum(a.text is not None for a in answers) / max(1, len(answers)), 4),
    }
    result["dominant"] = dominant(comp, latency)
    peak = peak_rss_bytes()
    memory["peak_rss_mb"] = mb(peak)
    result["memory"] = {**result.get("memory", {}), **memory}


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


# -- one corpus -------------------------------------------------------------------------------------------


def corpus_settings(name: str, shared: Shared, cfg: BenchConfig) -> Any:
    """Settings of one corpus's index (under OUT/indexes/NAME; the CMRC paragraphs converted into OUT/cmrc-data)."""
    index_dir = cfg.out_dir / "indexes" / name
    if parse_size(name):
        return shared.settings.with_overrides(index_dir=index_dir)
    if name == "cmrc":
        return shared.settings.with_overrides(index_dir=index_dir, corpus=[cfg.out_dir / "cmrc-data" / "corpus"])
    return shared.settings.with_overrides(index_dir=index_dir, corpus=[cfg.seeds_dir])


def measure_build(name: str, shared: Shared, cfg: BenchConfig, hints: dict[str, Any]) -> dict[str, Any]:
    """Phases A and B for one corpus: build (and write) its index, compare indexes and baselines."""
    reset = reset_peak_rss()
    gc.collect()
    rss0 = rss_bytes()
    started = time.perf_counter()
    size = parse_size(name)
    settings = corpus_settings(name, shared, cfg)
    if settings.index_dir.exists():
        shutil.rmtree(settings.index_dir)
    result: dict[str, Any] = {"name": name, "kind": "synthetic" if size else "real"}
    queries, qsource = queries_for(name, shared, cfg)
    result["queries"] = {"n": len(queries), "source": qsource}
    if size is None:
        if name == "cmrc":
            from eval.squad import convert_file

            convert_file(cfg.cmrc_path, cfg.out_dir / "cmrc-data")
        built = build_real(name, settings.corpus[0], shared, cfg, settings, result)
    else:
        built = build_synthetic(name, size, shared, cfg, settings, result)
    result["memory"] = {
        "rss_start_mb": mb(rss0),
        "build_peak_rss_mb": mb(peak_rss_bytes()) if reset else None,
        "build_rss_mb": mb(rss_bytes()),
    }
    _say(cfg, name, f"built; RSS {mb(rss_bytes())} MB; measuring queries")
    if cfg.milvus:
        from eval.bench.milvus import measure_milvus_safely

        result["milvus"] = measure_milvus_safely(name, built, queries, shared, cfg, settings, result)
    compare(name, built, queries, shared, cfg, settings, hints, result)
    result["seconds_build_compare"] = round(time.perf_counter() - started, 1)
    return result


def measure_product(name: str, shared: Shared, cfg: BenchConfig, hints: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """Phase C for one corpus (in a fresh process): load the written index, time the product's query path."""
    reset_peak_rss()
    started = time.perf_counter()
    settings = corpus_settings(name, shared, cfg)
    queries, _ = queries_for(name, shared, cfg)
    try:
        product(name, queries, shared, cfg, settings, hints, result)
        if name == "seed":
            result["cold_start"] = cold_start(settings.index_dir, queries[0], settings.model_cache_dir)
    finally:
        if not cfg.keep_indexes:
            shutil.rmtree(settings.index_dir, ignore_errors=True)
    result["seconds_product"] = round(time.perf_counter() - started, 1)
    return result


def finish(result: dict[str, Any]) -> dict[str, Any]:
    """Ratios against the baselines."""
    ratios = {}
    lat = result.get("latency", {})
    for kind in ("flat", "hnsw", "ivf"):
        if _get_p50(lat, kind) and _get_p50(lat, "numpy_exact"):
            ratios[f"{kind}_speedup_vs_numpy_p50"] = round(lat["numpy_exact"]["p50"] / lat[kind]["p50"], 2)
    if _get_p50(lat, "bm25_rebuild") and _get_p50(lat, "bm25"):
        ratios["bm25_speedup_vs_rebuild_p50"] = round(lat["bm25_rebuild"]["p50"] / lat["bm25"]["p50"], 1)
        ratios["bm25_speedup_vs_rebuild_p95"] = round(lat["bm25_rebuild"]["p95"] / lat["bm25"]["p95"], 1)
    result["ratios"] = ratios
    result["seconds"] = round(result.get("seconds_build_compare", 0) + result.get("seconds_product", 0), 1)
    return result


def _get_p50(latency: dict[str, Any], method: str) -> float | None:
    return (latency.get(method) or {}).get("p50")


def _run(fn: Callable[..., dict[str, Any]], name: str, shared: Shared, cfg: BenchConfig, hints: dict[str, Any], *extra: Any) -> dict[str, Any]:
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
        return {"name": name, "error": f"the measuring process died (exit code {proc.exitcode}; killed for memory?)"}
    proc.join()
    hints.update(new_hints)
    if status == "error":
        return {"name": name, "error": payload}
    return payload


def measure_corpus(name: str, shared: Shared, cfg: BenchConfig, hints: dict[str, Any]) -> dict[str, Any]:
    """Phases A–B in one process, phase C in a fresh one (so the serving memory is the product's own)."""
    result = _run(measure_build, name, shared, cfg, hints)
    if "error" in result:
        shutil.rmtree(cfg.out_dir / "indexes" / name, ignore_errors=True)
        return result
    result = _run(measure_product, name, shared, cfg, hints, result)
    if "error" in result:
        shutil.rmtree(cfg.out_dir / "indexes" / name, ignore_errors=True)
        return result
    _say(cfg, name, f"done in {finish(result)['seconds']:.0f}s")
    return result


# -- whole run ----------------------------------------------------------------------------------------------


def prepare(cfg: BenchConfig, settings: Any, encoder: Any = None, codes: dict[str, str] | None = None) -> Shared:
    """Load the encoder, synonyms, questions and (for synthetic corpora) the sentence pool; measure throughput."""
    from embeddings.tokenize import tokenize

    injected = encoder is not None
    if encoder is None:
        from embeddings.encoders import load_encoder, resolve_encoder_spec

        spec, _warning = resolve_encoder_spec(settings.embedding_model, settings.model_cache_dir, settings.encoder_backend)
        encoder = load_encoder(spec, settings.model_cache_dir, settings.encoder_backend)
    if codes is None:
        from qa.synonyms import load_codes

        codes = load_codes(settings.model_cache_dir)
    tokenize("预热分词器")
    shared = Shared(settings, encoder, codes, _read_seed_questions(), _read_cmrc_questions(cfg.cmrc_path))
    shared.injected_encoder = injected  # type: ignore[attr-defined]
    if any(parse_size(c) for c in cfg.corpora):
        from eval.bench.corpus import generate, load_source_text, unit_features

        shared.source = load_source_text(cfg.seeds_dir, cfg.cmrc_path)
        shared.units = unit_features(shared.source, encoder)
        sample = generate(shared.source, cfg.throughput_sample, seed=cfg.seed + 7, chunk_size=settings.chunk_size)
        rows = range(sample.n_chunks)
        texts_enc, texts_tok = sample.titled(rows, "\n"), sample.titled(rows, " ")
        encoder.encode(texts_enc[:8])
        t0 = time.perf_counter()
        encoder.encode(texts_enc, batch_size=settings.encode_batch_size)
        enc_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for text in texts_tok:
            tokenize(text)
        tok_s = time.perf_counter() - t0
        shared.throughput = {
            "sample": sample.n_chunks,
            "chars_per_chunk": round(sum(map(len, texts_enc)) / max(1, len(texts_enc)), 1),
            "encode_chunks_per_s": round(sample.n_chunks / enc_s, 1),
            "tokenize_chunks_per_s": round(sample.n_chunks / tok_s, 1),
            "encoder": encoder.info.name,
            "backend": getattr(encoder.info, "backend", "?"),
            "units": {
                "sentences": len(shared.source.sentences),
                "titles": len(shared.source.titles),
                "articles": len(shared.source.articles),
                "from": shared.source.origin,
                "tokenise_s": round(shared.units.seconds_tokens, 3),
                "encode_s": round(shared.units.seconds_vectors, 3),
                "method": shared.units.method,
            },
        }
    return shared


def run_bench(cfg: BenchConfig, settings: Any, *, encoder: Any = None, codes: dict[str, str] | None = None) -> dict[str, Any]:
    """Measure every corpus in `cfg.corpora`; write bench.json and bench.png into cfg.out_dir; return the report."""
    from eval.bench.report import assess, write_outputs

    if cfg.cmrc_path is None:
        cfg.cmrc_path = default_cmrc()
    corpora = []
    notes: list[str] = []
    for name in cfg.corpora:
        parse_size(name)
        if name == "cmrc" and not Path(cfg.cmrc_path).is_file():
            notes.append(f"cmrc skipped: {cfg.cmrc_path} not found")
            continue
        corpora.append(name)
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    load_start = os.getloadavg() if hasattr(os, "getloadavg") else None
    shared = prepare(cfg, settings, encoder, codes)
    report: dict[str, Any] = {
        "meta": {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv),
            "quick": cfg.quick,
            "corpora": corpora,
            "queries": cfg.queries,
            "seed": cfg.seed,
            "host": host_info(),
            "loadavg_start": load_start,
            "encoder": {
                "name": shared.encoder.info.name,
                "backend": getattr(shared.encoder.info, "backend", None),
                "dimension": int(shared.encoder.info.dimension),
            },
            "settings": {
                key: getattr(settings, key)
                for key in ("faiss_index", "faiss_auto_threshold", "hnsw_m", "hnsw_ef_search", "ivf_nprobe", "candidates", "top_k", "read_k", "weight_dense", "retrieval_mode", "chunk_size")
            },
            "notes": notes,
        },
        "throughput_sample": shared.throughput,
        "corpora": [],
    }
    hints: dict[str, Any] = {}
    for name in corpora:
        _say(cfg, name, "start")
        res = measure_corpus(name, shared, cfg, hints)
        if "error" in res:
            _say(cfg, name, "FAILED: " + res["error"].splitlines()[0])
        report["corpora"].append(res)
        report["meta"]["seconds"] = round(time.perf_counter() - started, 1)
        report.update(assess(report))
        write_outputs(report, cfg.out_dir, png=False)
    report["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    report["meta"]["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    report["meta"]["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report.update(assess(report))
    write_outputs(report, cfg.out_dir, png=True)
    return report


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
