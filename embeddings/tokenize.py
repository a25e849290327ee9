"""jieba, initialised once and quietly: words, index terms (BM25 indexing and querying), POS tags and the
dictionary's word counts. Every other module reaches jieba through these functions."""

from __future__ import annotations

import logging
import re
import threading
import warnings
from functools import lru_cache
from importlib import resources

_INIT_LOCK = threading.Lock()
_POSSEG_LOCK = threading.Lock()
"""jieba.posseg's tagger is not safe to share between threads: every caller goes through `posseg`."""
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


def posseg(text: str) -> list[tuple[str, str]]:
    """(word, POS flag) pairs of jieba.posseg, which cover `text` exactly (case kept), under one lock."""
    import jieba.posseg as pseg

    _jieba()  # make sure jieba is initialised quietly
    with _POSSEG_LOCK:
        return [(p.word, p.flag) for p in pseg.lcut(text)]


@lru_cache(maxsize=65536)
def word_freq(word: str) -> int:
    """jieba's dictionary count of `word` (0 for words it does not list)."""
    return int(_jieba().dt.FREQ.get(word) or 0)
