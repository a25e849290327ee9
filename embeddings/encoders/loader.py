"""Load sentence encoders strictly offline: the built-in `wenda-w2v-zh`, a local directory, or a cached Hub model."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embeddings.encoders.builtin import BUILTIN_NAME, ensure_builtin_encoder, read_marker
from embeddings.errors import WendaError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

_FIX = (
    "Hugging Face cannot be reached from here, so nothing is downloaded; point WENDA_EMBEDDING_MODEL "
    f"(or --model) at a local sentence-transformers directory, or use the built-in offline encoder '{BUILTIN_NAME}'"
)


class EncoderUnavailableError(WendaError):
    """The configured embedding model cannot be loaded offline; the message says where it was looked for."""

    def __init__(self, spec: str, reason: str) -> None:
        super().__init__(f"embedding model '{spec}' is not available offline: {reason}; {_FIX}")
        self.spec = spec
        self.reason = reason


@dataclass
class EncoderInfo:
    """What was configured and what was actually loaded."""

    name: str
    resolved: str
    dimension: int
    normalize: bool
    builtin: bool


class Encoder:
    """A loaded sentence-transformers model that returns float32, L2-normalised rows; safe to share across threads."""

    def __init__(self, model: SentenceTransformer, info: EncoderInfo) -> None:
        self.model = model
        self.info = info
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        """Length of each embedding."""
        return self.info.dimension

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Embed `texts` as a (n, dimension) float32 array of unit rows (all-zero for a text with no known token)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.info.dimension), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(
                texts,
                batch_size=batch_size,
                show_progress_bar=progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_ENCODERS: dict[tuple[str, str], Encoder] = {}
_ENCODERS_LOCK = threading.Lock()


def load_encoder(spec: str, cache_dir: Path) -> Encoder:
    """Load `spec` once per process: "wenda-w2v-zh" (built into `cache_dir` if missing), a local directory, or a
    Hub name already in the local Hugging Face cache. Raises EncoderUnavailableError, never downloads."""
    key = (spec, str(Path(cache_dir).expanduser().absolute()))
    with _ENCODERS_LOCK:
        encoder = _ENCODERS.get(key)
        if encoder is None:
            encoder = _load(spec, Path(cache_dir).expanduser())
            _ENCODERS[key] = encoder
    return encoder


def resolve_encoder_spec(spec: str, cache_dir: Path) -> tuple[str, str | None]:
    """`(spec, None)` when `spec` loads offline, else `("wenda-w2v-zh", warning)`; the caller decides what to do."""
    if spec == BUILTIN_NAME:
        return spec, None
    try:
        load_encoder(spec, cache_dir)
    except EncoderUnavailableError as exc:
        warning = (
            f"embedding model '{spec}' is not available offline ({exc.reason}); "
            f"using the built-in offline encoder {BUILTIN_NAME}"
        )
        return BUILTIN_NAME, warning
    return spec, None


def _load(spec: str, cache_dir: Path) -> Encoder:
    """Dispatch on the kind of spec."""
    if spec == BUILTIN_NAME:
        path = ensure_builtin_encoder(cache_dir)
        model = _open(str(path), spec, trust_remote_code=True)
        return _wrap(model, spec, str(path.absolute()), builtin=True)
    path = Path(spec).expanduser()
    if path.is_dir():
        model = _open(str(path), spec, trust_remote_code=_is_wenda_dir(path))
        return _wrap(model, spec, str(path.absolute()), builtin=_is_wenda_dir(path))
    if path.exists() or _looks_like_path(spec):
        raise EncoderUnavailableError(spec, f"{path.absolute()} is not a directory")
    model = _open(spec, spec, trust_remote_code=False)
    return _wrap(model, spec, _hub_snapshot(spec) or spec, builtin=False)


def _open(name_or_path: str, spec: str, trust_remote_code: bool) -> SentenceTransformer:
    """SentenceTransformer on CPU from local files only; any failure becomes EncoderUnavailableError."""
    _force_offline()
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(
            name_or_path, device="cpu", local_files_only=True, trust_remote_code=trust_remote_code
        )
    except Exception as exc:  # noqa: BLE001  (any load failure means: not usable offline)
        raise EncoderUnavailableError(spec, _failure_reason(name_or_path, exc)) from exc


def _wrap(model: SentenceTransformer, spec: str, resolved: str, builtin: bool) -> Encoder:
    """Encoder with the model's embedding dimension."""
    info = EncoderInfo(
        name=spec, resolved=resolved, dimension=_dimension(model), normalize=True, builtin=builtin
    )
    return Encoder(model, info)


def _dimension(model: SentenceTransformer) -> int:
    """Embedding dimension as declared by the model, or measured on one text."""
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dimension = getter()
    if not dimension:
        dimension = int(model.encode(["测试"], convert_to_numpy=True).shape[1])
    return int(dimension)


def _force_offline() -> None:
    """Tell huggingface_hub and transformers never to reach the network (read when they are first imported)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _is_wenda_dir(path: Path) -> bool:
    """True when `path` is a build of a wenda encoder (its custom tokenizer is this package's code)."""
    return read_marker(path) is not None


def _looks_like_path(spec: str) -> bool:
    """True for specs written as filesystem paths rather than Hub names."""
    return spec.startswith(("/", ".", "~", "\\")) or (len(spec) > 1 and spec[1] == ":") or spec.count("/") > 1


def _hf_cache_dir() -> str:
    """The Hugging Face hub cache directory this process would read."""
    try:
        from huggingface_hub import constants

        return str(constants.HF_HUB_CACHE)
    except ImportError:  # pragma: no cover
        return os.path.join(os.environ.get("HF_HOME", "~/.cache/huggingface"), "hub")


def _hub_snapshot(spec: str) -> str | None:
    """Local snapshot directory of a cached Hub model, if it can be found."""
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(spec, local_files_only=True)
    except Exception:  # noqa: BLE001  (only informative)
        return None


def _failure_reason(name_or_path: str, exc: Exception) -> str:
    """Why an offline load failed, in one line."""
    if Path(name_or_path).is_dir():
        lines = str(exc).strip().splitlines()
        detail = lines[0][:300] if lines else ""
        return f"loading the local directory {Path(name_or_path).absolute()} failed ({type(exc).__name__}: {detail})"
    return f"it is not a local directory and not in the local Hugging Face cache {_hf_cache_dir()}"
