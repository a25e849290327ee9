"""Sentence encoders for dense retrieval, loaded strictly offline.

Importing this package is cheap: torch, sentence-transformers and jieba are imported on first use. The built-in
encoder runs on NumPy by default (`NumpyWordEncoder`), so answering a query never imports torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from embeddings.encoders.builtin import BUILTIN_NAME, build_builtin_encoder
from embeddings.encoders.loader import (
    BACKEND_ENV,
    BACKENDS,
    Encoder,
    EncoderBackendError,
    EncoderInfo,
    EncoderUnavailableError,
    TextEncoder,
    load_encoder,
    resolve_backend,
    resolve_encoder_spec,
)

if TYPE_CHECKING:
    from embeddings.encoders.fast import NumpyWordEncoder
    from embeddings.encoders.jieba_tokenizer import JiebaWordTokenizer

__all__ = [
    "BACKENDS",
    "BACKEND_ENV",
    "BUILTIN_NAME",
    "Encoder",
    "EncoderBackendError",
    "EncoderInfo",
    "EncoderUnavailableError",
    "JiebaWordTokenizer",
    "NumpyWordEncoder",
    "TextEncoder",
    "build_builtin_encoder",
    "load_encoder",
    "resolve_backend",
    "resolve_encoder_spec",
]


def __getattr__(name: str) -> Any:
    """Import `JiebaWordTokenizer` (sentence-transformers and jieba) or `NumpyWordEncoder` (jieba) only when asked."""
    if name == "JiebaWordTokenizer":
        from embeddings.encoders.jieba_tokenizer import JiebaWordTokenizer

        return JiebaWordTokenizer
    if name == "NumpyWordEncoder":
        from embeddings.encoders.fast import NumpyWordEncoder

        return NumpyWordEncoder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
