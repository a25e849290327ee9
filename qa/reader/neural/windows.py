"""Question + passage -> model windows with character offsets (shared by answering and training).

Any Hugging Face fast tokenizer works: the pair is encoded with `truncation="only_second"` and overflowing
windows (`stride` tokens shared between neighbours), and `sequence_ids` tells which tokens are the passage's.
Each passage token keeps its (start, end) character offsets into the passage text, so a predicted token span
maps back to exact characters.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_QUESTION_TOKENS = 64
"""Questions are cut to this many tokens (and to a quarter of the window); the passage gets the rest."""
_MARKERS = frozenset({"▁", "Ġ", ""})
"""Word-start markers that are tokens of their own: never the first or last token of an answer."""


@dataclass(frozen=True)
class Windows:
    """A batch of windows: ids and mask (n, length), and per token the passage offsets (-1 outside it)."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    starts: np.ndarray
    """Character start of each token in its passage, -1 for question, special and padding tokens."""
    ends: np.ndarray
    passage: np.ndarray
    """Index of the passage each window reads."""

    def __len__(self) -> int:
        return int(self.input_ids.shape[0])

    def selectable(self) -> np.ndarray:
        """(n, length) bool: tokens an answer may start or end on (passage tokens with at least one character)."""
        return (self.starts >= 0) & (self.ends > self.starts)


def backend(tokenizer: Any) -> Any:
    """The `tokenizers.Tokenizer` under a Hugging Face fast tokenizer (or `tokenizer` itself when it is one)."""
    return getattr(tokenizer, "backend_tokenizer", tokenizer)


def pad_id(tokenizer: Any) -> int:
    """The padding token id: the Hugging Face tokenizer's, else the backend's padding, else `<pad>`/`[PAD]`."""
    value = getattr(tokenizer, "pad_token_id", None)
    if value is not None:
        return int(value)
    raw = backend(tokenizer)
    padding = getattr(raw, "padding", None)
    if padding and padding.get("pad_id") is not None:
        return int(padding["pad_id"])
    for token in ("<pad>", "[PAD]"):
        found = raw.token_to_id(token)
        if found is not None:
            return int(found)
    return 0


def cut_question(tokenizer: Any, question: str, max_tokens: int = MAX_QUESTION_TOKENS) -> str:
    """`question` shortened to its first `max_tokens` tokens (whole characters)."""
    offsets = backend(tokenizer).encode(question, add_special_tokens=False).offsets
    if len(offsets) <= max_tokens:
        return question
    return question[: offsets[max_tokens - 1][1]]


_TRUNCATION_LOCK = threading.Lock()
"""Truncation is state of the tokenizer: set, used and cleared under the tokenizer's own `lock` (the shared ONNX
Runtime tokenizer, which the encoder also uses) or this one."""


def make_windows(
    tokenizer: Any, question: str, passages: Sequence[str], max_length: int = 384, stride: int = 128,
    *, pad_to: int | None = None,
) -> Windows:
    """Encode `question` against every passage; long passages become several overlapping windows.

    `tokenizer` is a Hugging Face fast tokenizer or a bare `tokenizers.Tokenizer` (the ONNX Runtime path, which
    never imports transformers); both give the same windows as the fast tokenizer's own
    `truncation="only_second"` with overflowing tokens."""
    raw = backend(tokenizer)
    question = cut_question(raw, question, min(MAX_QUESTION_TOKENS, max(1, max_length // 4)))
    n_question = len(raw.encode(question, add_special_tokens=False).ids)
    room = max_length - n_question - raw.num_special_tokens_to_add(True)
    stride = max(0, min(stride, room // 2))
    if not passages:
        empty = np.zeros((0, 0), dtype=np.int64)
        return Windows(empty, empty, empty, empty, np.zeros(0, dtype=np.int64))
    with getattr(tokenizer, "lock", None) or _TRUNCATION_LOCK:
        saved_truncation, saved_padding = raw.truncation, raw.padding
        raw.no_padding()
        raw.enable_truncation(max_length, stride=stride, strategy="only_second")
        try:
            encodings = raw.encode_batch([(question, p) for p in passages])
        finally:
            raw.no_truncation()
            if saved_truncation:
                raw.enable_truncation(**{k: v for k, v in saved_truncation.items() if v is not None})
            if saved_padding:
                raw.enable_padding(**{k: v for k, v in saved_padding.items() if v is not None})
    rows = [(i, e) for i, top in enumerate(encodings) for e in (top, *top.overflowing)]
    length = max(len(e.ids) for _, e in rows)
    if pad_to is not None:
        length = max(length, pad_to)
    n = len(rows)
    ids = np.full((n, length), pad_id(tokenizer), dtype=np.int64)
    mask = np.zeros((n, length), dtype=np.int64)
    starts = np.full((n, length), -1, dtype=np.int64)
    ends = np.full((n, length), -1, dtype=np.int64)
    for r, (_, e) in enumerate(rows):
        ids[r, : len(e.ids)] = e.ids
        mask[r, : len(e.ids)] = e.attention_mask
        for t, (sid, (a, b), piece) in enumerate(zip(e.sequence_ids, e.offsets, e.tokens, strict=True)):
            if sid == 1 and piece not in _MARKERS:
                starts[r, t], ends[r, t] = a, b
    passage = np.asarray([i for i, _ in rows], dtype=np.int64)
    return Windows(ids, mask, starts, ends, passage)


def token_span(windows: Windows, row: int, start_char: int, end_char: int) -> tuple[int, int] | None:
    """Token indices (first, last) in window `row` that cover passage characters [start_char, end_char), or None
    when the window does not hold the whole span."""
    s, e = windows.starts[row], windows.ends[row]
    ok = (s >= 0) & (e > s)
    if not ok.any():
        return None
    covered = np.flatnonzero(ok)
    if s[covered[0]] > start_char or e[covered[-1]] < end_char:
        return None
    first = covered[(e[covered] > start_char)]
    last = covered[(s[covered] < end_char)]
    if first.size == 0 or last.size == 0:
        return None
    i, j = int(first[0]), int(last[-1])
    return (i, j) if i <= j else None
