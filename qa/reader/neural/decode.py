"""Start/end logits -> the best answer spans across windows, with the no-answer score of each window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.reader.neural.windows import Windows


@dataclass(frozen=True)
class SpanScore:
    """A candidate span in passage `passage` (characters [start, end)), from window `window`."""

    passage: int
    window: int
    start: int
    end: int
    score: float
    """start logit + end logit."""
    null: float
    """The window's no-answer score (logits at the first token, SQuAD 2.0 style)."""

    @property
    def margin(self) -> float:
        """How far the span beats answering nothing in its own window."""
        return self.score - self.null


def window_spans(
    start_logits: np.ndarray, end_logits: np.ndarray, windows: Windows, max_answer_tokens: int, per_window: int = 1
) -> list[SpanScore]:
    """The `per_window` best spans of every window (end >= start, at most `max_answer_tokens` long)."""
    out: list[SpanScore] = []
    selectable = windows.selectable()
    length = start_logits.shape[1]
    band = np.triu(np.ones((length, length), dtype=bool)) & ~np.triu(np.ones((length, length), dtype=bool), k=max_answer_tokens)
    for w in range(len(windows)):
        ok = selectable[w]
        if not ok.any():
            continue
        s = np.where(ok, start_logits[w], -np.inf)
        e = np.where(ok, end_logits[w], -np.inf)
        scores = np.where(band, s[:, None] + e[None, :], -np.inf)
        null = float(start_logits[w, 0] + end_logits[w, 0])
        flat = scores.ravel()
        k = min(per_window, int(np.isfinite(flat).sum()))
        if k <= 0:
            continue
        best = np.argpartition(-flat, k - 1)[:k] if k < flat.size else np.arange(flat.size)
        for idx in best[np.argsort(-flat[best])][:k]:
            i, j = divmod(int(idx), length)
            out.append(SpanScore(
                int(windows.passage[w]), w, int(windows.starts[w, i]), int(windows.ends[w, j]), float(flat[idx]), null,
            ))
    out.sort(key=lambda s: -s.score)
    return out


def passage_nulls(start_logits: np.ndarray, end_logits: np.ndarray, windows: Windows) -> dict[int, float]:
    """The lowest no-answer score over each passage's windows (a passage answers if any window of it does)."""
    nulls: dict[int, float] = {}
    for w in range(len(windows)):
        p = int(windows.passage[w])
        v = float(start_logits[w, 0] + end_logits[w, 0])
        nulls[p] = min(v, nulls.get(p, np.inf))
    return nulls
