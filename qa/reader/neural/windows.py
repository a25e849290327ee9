"""Question + passage -> model windows with character offsets (shared by answering and training).

Any Hugging Face fast tokenizer works: the pair is encoded with `truncation="only_second"` and overflowing
windows (`stride` tokens shared between neighbours), and `sequence_ids` tells which tokens are the passage's.
Each passage token keeps its (start, end) character offsets into the passage text, so a predicted token span
maps back to exact characters.
"""

from __future__ import annotations

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


def cut_question(tokenizer: Any, question: str, max_tokens: int = MAX_QUESTION_TOKENS) -> str:
    """`question` shortened to its first `max_tokens` tokens (whole characters)."""
    enc = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    if len(offsets) <= max_tokens:
        return question
    return question[: offsets[max_tokens - 1][1]]


def make_windows(
    tokenizer: Any, question: str, passages: Sequence[str], max_length: int = 384, stride: int = 128,
    *, pad_to: int | None = None,
) -> Windows:
    """Encode `question` against every passage; long passages become several overlapping windows."""
    question = cut_question(tokenizer, question, min(MAX_QUESTION_TOKENS, max(1, max_length // 4)))
    n_question = len(tokenizer(question, add_special_tokens=False)["input_ids"])
    room = max_length - n_question - tokenizer.num_special_tokens_to_add(pair=True)
    stride = max(0, min(stride, room // 2))
    n = len(passages)
    if n == 0:
        empty = np.zeros((0, 0), dtype=np.int64)
        return Windows(empty, empty, empty, empty, np.zeros(0, dtype=np.int64))
    enc = tokenizer(
        [question] * n, list(passages), truncation="only_second", max_length=max_length, stride=stride,
        return_overflowing_tokens=True, return_offsets_mapping=True, padding="longest",
        return_token_type_ids=False,
    )
    ids = np.asarray(enc["input_ids"], dtype=np.int64)
    mask = np.asarray(enc["attention_mask"], dtype=np.int64)
    rows, length = ids.shape
    starts = np.full((rows, length), -1, dtype=np.int64)
    ends = np.full((rows, length), -1, dtype=np.int64)
    tokens = tokenizer.convert_ids_to_tokens
    for r in range(rows):
        seq = enc.sequence_ids(r)
        pieces = tokens(enc["input_ids"][r])
        for t, (sid, (a, b)) in enumerate(zip(seq, enc["offset_mapping"][r], strict=True)):
            if sid == 1 and pieces[t] not in _MARKERS:
                starts[r, t], ends[r, t] = a, b
    passage = np.asarray(enc["overflow_to_sample_mapping"], dtype=np.int64)
    if pad_to is not None and length < pad_to:
        extra = pad_to - length
        ids = np.pad(ids, ((0, 0), (0, extra)), constant_values=tokenizer.pad_token_id or 0)
        mask = np.pad(mask, ((0, 0), (0, extra)))
        starts = np.pad(starts, ((0, 0), (0, extra)), constant_values=-1)
        ends = np.pad(ends, ((0, 0), (0, extra)), constant_values=-1)
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
