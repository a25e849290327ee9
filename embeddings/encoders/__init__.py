"""Sentence encoders for dense retrieval, loaded strictly offline.

Importing this package is cheap: torch, sentence-transformers and jieba are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from embeddings.encoders.builtin import BUILTIN_NAME, build_builtin_encoder
from embeddings.encoders.loader import (
    Encoder,
    EncoderInfo,
    EncoderUnavailableError,
    load_encoder,
    resolve_encoder_spec,
)

if TYPE_CHECKING:
    from embeddings.encoders.jieba_tokenizer import JiebaWordTokenizer

__all__ = [
    "BUILTIN_NAME",
    "Encoder",
    "EncoderInfo",
    "EncoderUnavailableError",
    "JiebaWordTokenizer",
    "build_builtin_encoder",
    "load_encoder",
    "resolve_encoder_spec",
]


def __getattr__(name: str) -> Any:
    """Import `JiebaWordTokenizer` (which pulls in sentence-transformers and jieba) only when asked for."""
    if name == "JiebaWordTokenizer":
        from embeddings.encoders.jieba_tokenizer import JiebaWordTokenizer

        return JiebaWordTokenizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
