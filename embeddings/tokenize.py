"""jieba tokenisation shared by BM25 indexing and querying."""

from __future__ import annotations

import logging
import re
import threading
import warnings
from functools import lru_cache
from importlib import resources

_INIT_LOCK = threading.Lock()
_READY = False
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff%.]+")


def _jieba():  # noqa: ANN202 - jieba has no type hints
    global _READY
    with warnings.catch_warnings():  # jieba imports pkg_resources when setuptools has it (< 81, for Milvus Lite)
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        import jieba

    if not _READY:
        with _INIT_LOCK:
            if not _READY:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _READY = True
    return jieba


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The Chinese stop-word list shipped with the package."""
    text = resources.files("embeddings").joinpath("data/stopwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip())


def words(text: str) -> list[str]:
    """jieba precise-mode tokens (no filtering), ASCII lower-cased."""
    return [w.lower() for w in _jieba().lcut(text)]


def tokenize(text: str) -> list[str]:
    """Index terms: jieba precise mode, stop words and punctuation removed, numbers kept."""
    stop = stopwords()
    return [w for w in words(text) if w.strip() and w not in stop and _WORDLIKE.fullmatch(w)]
