"""Load sentence encoders strictly offline: the built-in `wenda-w2v-zh`, a local directory, or a cached Hub model."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from embeddings.encoders.builtin import BUILTIN_NAME, ensure_builtin_encoder, read_marker
from embeddings.encoders.e5 import E5_NAME, ensure_e5_model
from embeddings.errors import WendaError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)
BACKEND_ENV = "WENDA_ENCODER_BACKEND"
"""The environment variable of the `encoder_backend` setting, named in messages; this module never reads it
(the settings object does; callers pass `settings.encoder_backend`)."""
AUTO_BACKEND = "auto"
NUMPY_BACKEND = "numpy"
ST_BACKEND = "sentence-transformers"
ONNX_BACKEND = "onnx"
BACKENDS = (AUTO_BACKEND, NUMPY_BACKEND, ST_BACKEND, ONNX_BACKEND)

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


class EncoderBackendError(WendaError, ValueError):
    """An unknown encoder backend was asked for, or the NumPy backend for a model it cannot run."""


@dataclass
class EncoderInfo:
    """What was configured and what was actually loaded; `backend` is "numpy", "onnx" or "sentence-transformers"."""

    name: str
    resolved: str
    dimension: int
    normalize: bool
    builtin: bool
    backend: str = ST_BACKEND


class TextEncoder(Protocol):
    """What `load_encoder` returns: `Encoder` (sentence-transformers) or `NumpyWordEncoder`."""

    info: EncoderInfo

    @property
    def dimension(self) -> int:
        """Length of each embedding."""
        ...

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False, query: bool = False) -> np.ndarray:
        """(n, dimension) float32 array of unit (or all-zero) rows; `query` marks search queries (models with
        query/passage prompts, like e5, embed the two differently)."""
        ...


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

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False, query: bool = False) -> np.ndarray:
        """Embed `texts` as a (n, dimension) float32 array of unit rows (all-zero for a text with no known token).
        The model's "query" prompt is used for queries and its "passage" prompt (if it has one) for the rest."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.info.dimension), dtype=np.float32)
        prompts = getattr(self.model, "prompts", None) or {}
        prompt_name = "query" if query and "query" in prompts else "passage" if not query and "passage" in prompts else None
        with self._lock:
            vectors = self.model.encode(
                texts,
                batch_size=batch_size,
                show_progress_bar=progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
                prompt_name=prompt_name,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_ENCODERS: dict[tuple[str, str, str], TextEncoder] = {}
_ENCODERS_LOCK = threading.Lock()


def load_encoder(spec: str, cache_dir: Path, backend: str = AUTO_BACKEND) -> TextEncoder:
    """Load `spec` once per process: "wenda-w2v-zh" (built into `cache_dir` if missing), a local directory, or a
    Hub name already in the local Hugging Face cache. Raises EncoderUnavailableError, never downloads.

    `backend` ("auto", "numpy", "onnx" or "sentence-transformers"; `Settings.encoder_backend`) picks how a wenda
    build runs: "auto" and "numpy" use `NumpyWordEncoder` for the word-vector encoder, "auto" and "onnx" run
    wenda-e5-small on ONNX Runtime; neither imports torch ("auto" falls back to sentence-transformers for a model
    it cannot run that way; "numpy"/"onnx" raise EncoderBackendError instead).
    Other models always run on sentence-transformers. `info.backend` says which one was used.
    """
    backend = resolve_backend(backend)
    key = (spec, str(Path(cache_dir).expanduser().absolute()), backend)
    with _ENCODERS_LOCK:
        encoder = _ENCODERS.get(key)
        if encoder is None:
            encoder = _load(spec, Path(cache_dir).expanduser(), backend)
            _ENCODERS[key] = encoder
    return encoder


def resolve_backend(backend: str = AUTO_BACKEND) -> str:
    """`backend` when it is one of BACKENDS, else EncoderBackendError (the settings field `encoder_backend`,
    env WENDA_ENCODER_BACKEND, is where callers take it from)."""
    if backend not in BACKENDS:
        raise EncoderBackendError(f"unknown encoder backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    return backend


def resolve_encoder_spec(spec: str, cache_dir: Path, backend: str = AUTO_BACKEND) -> tuple[str, str | None]:
    """`(spec, None)` when `spec` loads offline, else `("wenda-w2v-zh", warning)`; the caller decides what to do."""
    if spec == BUILTIN_NAME:
        return spec, None
    try:
        load_encoder(spec, cache_dir, backend)
    except EncoderUnavailableError as exc:
        warning = (
            f"embedding model '{spec}' is not available offline ({exc.reason}); "
            f"using the built-in offline encoder {BUILTIN_NAME}"
        )
        return BUILTIN_NAME, warning
    return spec, None


def _load(spec: str, cache_dir: Path, backend: str) -> TextEncoder:
    """Dispatch on the kind of spec and the backend asked for."""
    if spec == E5_NAME:
        try:
            path = ensure_e5_model(cache_dir)
        except (ValueError, OSError) as exc:
            raise EncoderUnavailableError(spec, str(exc)) from exc
        fast = _open_onnx(path, cache_dir, spec, backend)
        if fast is not None:
            return fast
        model = _open(str(path), spec, trust_remote_code=False)
        return _wrap(model, spec, str(path.absolute()), builtin=True)
    if spec == BUILTIN_NAME:
        path = ensure_builtin_encoder(cache_dir)
        fast = _open_numpy(path, spec, backend)
        if fast is not None:
            return fast
        model = _open(str(path), spec, trust_remote_code=True)
        return _wrap(model, spec, str(path.absolute()), builtin=True)
    path = Path(spec).expanduser()
    if path.is_dir():
        wenda = _is_wenda_dir(path)
        fast = _open_numpy(path, spec, backend) if wenda else None
        if fast is not None:
            return fast
        model = _open(str(path), spec, trust_remote_code=wenda)
        return _wrap(model, spec, str(path.absolute()), builtin=wenda)
    if path.exists() or _looks_like_path(spec):
        raise EncoderUnavailableError(spec, f"{path.absolute()} is not a directory")
    model = _open(spec, spec, trust_remote_code=False)
    return _wrap(model, spec, _hub_snapshot(spec) or spec, builtin=False)


def _open_numpy(path: Path, spec: str, backend: str) -> TextEncoder | None:
    """The wenda build at `path` as a NumpyWordEncoder, or None when sentence-transformers should run it."""
    if backend == ST_BACKEND:
        return None
    from embeddings.encoders.fast import NumpyWordEncoder, UnsupportedModelError

    try:
        return NumpyWordEncoder.from_dir(path, name=spec, builtin=True)
    except (UnsupportedModelError, OSError) as exc:
        if backend == NUMPY_BACKEND:
            raise EncoderBackendError(
                f"the numpy encoder backend cannot run {path.absolute()} ({exc}); "
                f"set encoder_backend ({BACKEND_ENV}) to auto or {ST_BACKEND}"
            ) from exc
        return None


def _open_onnx(path: Path, cache_dir: Path, spec: str, backend: str) -> TextEncoder | None:
    """wenda-e5-small on ONNX Runtime ("auto" when onnxruntime is installed, or "onnx"), else None (the
    sentence-transformers model runs it); a failed export under "auto" is said once and falls back."""
    if backend not in (AUTO_BACKEND, ONNX_BACKEND):
        return None
    from embeddings import onnx_runtime

    if not onnx_runtime.available():
        if backend == ONNX_BACKEND:
            raise EncoderBackendError(f"the onnx encoder backend needs the onnxruntime package; set encoder_backend ({BACKEND_ENV}) to auto")
        return None
    from embeddings.encoders.onnx_encoder import load_onnx_e5

    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        info = EncoderInfo(spec, str(path.absolute()), int(config["hidden_size"]), True, True, ONNX_BACKEND)
        return load_onnx_e5(path, cache_dir, info)
    except Exception as exc:  # noqa: BLE001  (any export/load failure: sentence-transformers runs the model)
        if backend == ONNX_BACKEND:
            raise EncoderBackendError(f"the onnx encoder backend cannot run {spec} ({exc})") from exc
        log.warning("%s cannot run on ONNX Runtime (%s); using sentence-transformers", spec, exc)
        return None


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
        name=spec,
        resolved=resolved,
        dimension=_dimension(model),
        normalize=True,
        builtin=builtin,
        backend=ST_BACKEND,
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
    """Tell huggingface_hub and transformers never to reach the network (read when they are first imported), and
    keep their weight-loading bars and load reports off the terminal."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    quiet_transformers()


def quiet_transformers() -> None:
    """No progress bars or load reports from transformers (errors still show)."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover
        return
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


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
