"""What every phase of the benchmark shares: its configuration, the context loaded once in the parent (encoder,
synonyms, questions, the synthetic sentence pool and its throughput), the questions asked of each corpus and the
settings of each corpus's index."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench.results import Throughput

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_GOLD = REPO_ROOT / "eval" / "gold" / "seeds.jsonl"
CMRC_RELATIVE = Path("../shared/data/cmrc2018/cmrc2018_trial.json")
ALL_CORPORA = ["seed", "cmrc", "10k", "100k", "1m"]
QUICK_CORPORA = ["seed", "10k"]


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


def say(cfg: BenchConfig, name: str, message: str) -> None:
    """A progress line on stderr (unless cfg.progress is off)."""
    if cfg.progress:
        print(f"[bench {name}] {message}", file=sys.stderr, flush=True)


@dataclass
class Shared:
    """Loaded once in the parent (inherited by the forked children)."""

    settings: Any
    encoder: Any
    codes: dict[str, str]
    seed_questions: list[str]
    cmrc_questions: list[str]
    source: Any = None
    """The synthetic corpora's sentence pool (`eval.bench.corpus.SourceText`); None without synthetic corpora."""
    units: Any = None
    """Its tokens and vectors (`eval.bench.corpus.unit_features`)."""
    throughput: Throughput | None = None
    injected_encoder: bool = False
    """The caller gave the encoder: real corpora are built with it instead of the configured model."""


@dataclass
class Hints:
    """What one corpus's measurement tells the next ones (carried back from each forked child): the memory
    the BM25-rebuild baseline and a loaded index took per chunk, to skip what would not fit."""

    rebuild_bytes_per_chunk: float | None = None
    rebuild_chunks: int | None = None
    rebuild_ms: list[float] = field(default_factory=list)
    load_bytes_per_chunk: float | None = None

    def absorb(self, other: Hints) -> None:
        """Take every hint of `other` (a child's copy of these, updated)."""
        self.__dict__.update(vars(other))


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
    """The questions asked of corpus `name` and where they come from."""
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


def corpus_settings(name: str, shared: Shared, cfg: BenchConfig) -> Any:
    """Settings of one corpus's index (under OUT/indexes/NAME; the CMRC paragraphs converted into OUT/cmrc-data)."""
    index_dir = cfg.out_dir / "indexes" / name
    if parse_size(name):
        return shared.settings.with_overrides(index_dir=index_dir)
    if name == "cmrc":
        return shared.settings.with_overrides(index_dir=index_dir, corpus=[cfg.out_dir / "cmrc-data" / "corpus"])
    return shared.settings.with_overrides(index_dir=index_dir, corpus=[cfg.seeds_dir])


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
    shared = Shared(settings, encoder, codes, _read_seed_questions(), _read_cmrc_questions(cfg.cmrc_path), injected_encoder=injected)
    if any(parse_size(c) for c in cfg.corpora):
        from eval.bench.corpus import load_source_text, unit_features

        shared.source = load_source_text(cfg.seeds_dir, cfg.cmrc_path)
        shared.units = unit_features(shared.source, encoder)
        shared.throughput = measure_throughput(shared, cfg, settings)
    return shared


def measure_throughput(shared: Shared, cfg: BenchConfig, settings: Any) -> Throughput:
    """Encoder and tokenizer chunks per second on a generated sample (what larger corpora extrapolate from)."""
    from embeddings.tokenize import tokenize
    from eval.bench.corpus import generate

    encoder, source, units = shared.encoder, shared.source, shared.units
    sample = generate(source, cfg.throughput_sample, seed=cfg.seed + 7, chunk_size=settings.chunk_size)
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
    return Throughput(
        sample=sample.n_chunks,
        chars_per_chunk=round(sum(map(len, texts_enc)) / max(1, len(texts_enc)), 1),
        encode_chunks_per_s=round(sample.n_chunks / enc_s, 1),
        tokenize_chunks_per_s=round(sample.n_chunks / tok_s, 1),
        encoder=encoder.info.name,
        backend=getattr(encoder.info, "backend", "?"),
        units={
            "sentences": len(source.sentences),
            "titles": len(source.titles),
            "articles": len(source.articles),
            "from": source.origin,
            "tokenise_s": round(units.seconds_tokens, 3),
            "encode_s": round(units.seconds_vectors, 3),
            "method": units.method,
        },
    )
