"""Plain result records of a benchmark run, one per phase (JSON-ready through `to_dict`).

A corpus's record in bench.json is the union of its phases, in this order: what it is (`CorpusResult`), its build
(`BuildResult`, phase A, with `BuildMemory`), the index and baseline comparison (`RetrievalResult`, phase B), the
product loaded from disk (`ProductResult`, phase C) and the ratios against the baselines. `latency` and `memory`
are shared keys: phase B and C each fill part of them. The per-method figures inside (latency summaries, build
rates, recall rows) stay JSON-shaped dicts, as `eval.results` keeps an index's info.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Stats = dict[str, Any]
"""A latency summary in ms: n, p50, p95, p99, mean, max (`eval.bench.measure.stats`)."""


@dataclass
class QuerySet:
    """The questions asked of a corpus."""

    n: int
    source: str


@dataclass
class BuildResult:
    """Phase A of one corpus: what was built and what it cost."""

    chunks: int
    documents: int
    auto_index: str
    """The dense index type the settings choose at this size (what the product loads)."""
    chars_per_chunk: float
    build: dict[str, Any] = field(default_factory=dict)
    """Cost per component (encode, tokenize, bm25_matrix, bm25_total, faiss by kind, ...): seconds, chunks_per_s,
    method (measured / extrapolated) and what was timed."""
    disk: dict[str, Any] = field(default_factory=dict)
    """files (name: bytes) of the written version, total_bytes, dense_by_kind (bytes of each FAISS file)."""
    fingerprint: str | None = None
    tokens_per_chunk: float | None = None
    sentences_per_chunk: float | None = None
    """fingerprint, tokens and sentences per chunk: synthetic corpora only."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"chunks": self.chunks, "documents": self.documents}
        if self.fingerprint is None:  # a real corpus, in bench.json's order
            out.update(chars_per_chunk=self.chars_per_chunk, auto_index=self.auto_index)
        else:
            out.update(fingerprint=self.fingerprint, auto_index=self.auto_index, chars_per_chunk=self.chars_per_chunk)
        for key in ("tokens_per_chunk", "sentences_per_chunk"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out.update(build=self.build, disk=self.disk)
        return out


@dataclass
class BuildMemory:
    """Resident memory around phase A, in MB."""

    rss_start_mb: float | None
    build_peak_rss_mb: float | None
    """None where the kernel's peak mark cannot be reset."""
    build_rss_mb: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RetrievalResult:
    """Phase B of one corpus: every index and baseline on the same queries."""

    numpy_blas_threads: int | str
    vector_geometry: dict[str, float]
    encode_query_ms: Stats
    tokenize_query_ms: Stats
    latency: dict[str, Stats]
    """By method: numpy_exact, flat, hnsw, ivf, bm25, bm25s, bm25_rebuild (query text in, candidates out)."""
    recall: dict[str, dict[str, Any]]
    """hnsw and ivf against exact search at the configured parameters."""
    sweep: dict[str, list[dict[str, Any]]]
    """hnsw efSearch and ivf nprobe rows: param, recall@10, search-only p50/p95/p99."""
    checks: dict[str, float | None]
    rebuild: dict[str, Any]
    bm25s: dict[str, Any]

    def ratios(self) -> dict[str, float]:
        """Speed-ups at p50 (and p95 for the BM25 rebuild) against the baselines, where both were measured."""
        lat = self.latency
        out = {}
        for kind in ("flat", "hnsw", "ivf"):
            if _p50(lat, kind) and _p50(lat, "numpy_exact"):
                out[f"{kind}_speedup_vs_numpy_p50"] = round(lat["numpy_exact"]["p50"] / lat[kind]["p50"], 2)
        if _p50(lat, "bm25_rebuild") and _p50(lat, "bm25"):
            out["bm25_speedup_vs_rebuild_p50"] = round(lat["bm25_rebuild"]["p50"] / lat["bm25"]["p50"], 1)
            out["bm25_speedup_vs_rebuild_p95"] = round(lat["bm25_rebuild"]["p95"] / lat["bm25"]["p95"], 1)
        return out


def _p50(latency: dict[str, Stats], method: str) -> float | None:
    return (latency.get(method) or {}).get("p50")


@dataclass
class ServingMemory:
    """The product's query-serving state (load_index + QAPipeline) as RSS growth."""

    load_s: float
    index_rss_mb: float | None
    rss_serving_mb: float | None
    bytes_per_chunk: float
    what: str
    breakdown_mb: dict[str, Any]
    peak_rss_mb: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ProductResult:
    """Phase C of one corpus: the written index loaded from disk, the product's query path timed."""

    rss_before_load_mb: float | None
    skipped: str | None = None
    """Why the index was not loaded (projected memory); nothing else is measured then."""
    memory: ServingMemory | None = None
    latency: dict[str, Stats] = field(default_factory=dict)
    """answer, retrieve, retrieve_dense and (for an approximate auto index) retrieve_dense_flat."""
    components: dict[str, Any] | None = None
    product: dict[str, Any] | None = None
    dominant: dict[str, Any] | None = None
    cold_start: dict[str, Any] | None = None
    """Seed corpus only: a fresh `qa ask` process to its answer."""
    seconds: float = 0.0

    def memory_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rss_before_load_mb": self.rss_before_load_mb}
        if self.skipped is not None:
            out["note"] = self.skipped
        if self.memory is not None:
            out.update(self.memory.to_dict())
        return out


@dataclass
class CorpusResult:
    """Everything measured on one corpus (phases A and B in one process, C in another)."""

    name: str
    kind: str
    """real (seed, cmrc) or synthetic."""
    queries: QuerySet
    built: BuildResult
    build_memory: BuildMemory
    retrieval: RetrievalResult
    seconds_build_compare: float
    milvus: dict[str, Any] | None = None
    """With --milvus: eval.bench.milvus's column (or {"error": ...})."""
    product: ProductResult | None = None

    @property
    def seconds(self) -> float:
        return round(self.seconds_build_compare + (self.product.seconds if self.product else 0), 1)

    def to_dict(self) -> dict[str, Any]:
        product = self.product
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "queries": asdict(self.queries), **self.built.to_dict()}
        out["memory"] = {**self.build_memory.to_dict(), **(product.memory_dict() if product else {})}
        if self.milvus is not None:
            out["milvus"] = self.milvus
        r = self.retrieval
        out.update(
            numpy_blas_threads=r.numpy_blas_threads,
            vector_geometry=r.vector_geometry,
            encode_query_ms=r.encode_query_ms,
            tokenize_query_ms=r.tokenize_query_ms,
            latency={**r.latency, **(product.latency if product else {})},
            recall=r.recall,
            sweep=r.sweep,
            checks=r.checks,
            rebuild=r.rebuild,
            bm25s=r.bm25s,
            seconds_build_compare=self.seconds_build_compare,
        )
        if product is None:
            return out
        for key in ("components", "product", "dominant", "cold_start"):
            if getattr(product, key) is not None:
                out[key] = getattr(product, key)
        out.update(seconds_product=product.seconds, ratios=r.ratios(), seconds=self.seconds)
        return out


@dataclass
class CorpusFailure:
    """A corpus whose measurement failed (the error and its traceback); the run goes on."""

    name: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "error": self.error}


@dataclass
class Throughput:
    """Encoder and tokenizer throughput on a sample of synthetic chunks (what extrapolated costs scale)."""

    sample: int
    chars_per_chunk: float
    encode_chunks_per_s: float
    tokenize_chunks_per_s: float
    encoder: str
    backend: str
    units: dict[str, Any]
    """The sentence pool the synthetic corpora recombine and the cost of featurising it."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BenchMeta:
    """How, where and when the run was made."""

    started_at: str
    command: str
    quick: bool
    corpora: list[str]
    queries: int
    seed: int
    host: dict[str, Any]
    loadavg_start: tuple[float, float, float] | None
    encoder: dict[str, Any]
    settings: dict[str, Any]
    notes: list[str]
    seconds: float | None = None
    """Set after each corpus; None until the first one is done."""
    loadavg_end: tuple[float, float, float] | None = None
    finished_at: str | None = None
    """Set (with loadavg_end) when the run is over."""

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("seconds", "loadavg_end", "finished_at"):
            del out[key]
        if self.seconds is not None:
            out["seconds"] = self.seconds
        if self.finished_at is not None:
            out.update(loadavg_end=self.loadavg_end, finished_at=self.finished_at)
        return out


@dataclass
class BenchReport:
    """Everything one `qa bench` run measured (bench.json is its `to_dict`)."""

    meta: BenchMeta
    throughput_sample: Throughput | None
    """None when no synthetic corpus was measured (`{}` in bench.json)."""
    corpora: list[CorpusResult | CorpusFailure] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    recommendations: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[CorpusFailure]:
        return [c for c in self.corpora if isinstance(c, CorpusFailure)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "meta": self.meta.to_dict(),
            "throughput_sample": self.throughput_sample.to_dict() if self.throughput_sample else {},
            "corpora": [c.to_dict() for c in self.corpora],
            "targets": self.targets,
            "recommendations": self.recommendations,
        }
