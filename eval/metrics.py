"""Answer, retrieval, abstention and latency metrics.

Answers are compared CMRC 2018 style: NFKC, lower case, whitespace and punctuation dropped; F1 counts
Chinese characters one by one and each run of ASCII letters/digits as one token (so "2021" vs "2022"
scores 0, as in the CMRC evaluation script).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

from eval.gold import GoldItem
from eval.results import CurvePoint, ItemResult, Metrics
from qa.answer_match import normalize_answer

CORRECT_F1 = 0.5
"""An answer counts as correct in the coverage/accuracy curve from this F1 on."""


class PassageLike(Protocol):
    doc_id: str
    source: str
    text: str


def same_document(item: GoldItem, doc_id: str, source: str) -> bool | None:
    """Whether a hit comes from the gold document (doc_id when known, else source file); None if unknown.

    A file split into sections gives documents `<id>#<n>`; they all count as the gold document.
    """
    if item.doc_id is not None:
        return doc_id == item.doc_id or doc_id.startswith(item.doc_id + "#")  # sections: "<id>#<n>"
    if item.source is not None:
        return source == item.source or Path(source).name == Path(item.source).name
    return None


def contains_answer(text: str, answers: Iterable[str]) -> bool:
    """A gold answer occurs in `text`, verbatim or after answer normalisation."""
    norm_text: str | None = None
    for answer in answers:
        if answer in text:
            return True
        norm_answer = normalize_answer(answer)
        if norm_answer:
            norm_text = normalize_answer(text) if norm_text is None else norm_text
            if norm_answer in norm_text:
                return True
    return False


def passage_hit(passage: PassageLike, item: GoldItem) -> bool:
    """A passage holds the answer: it contains the evidence, or a gold answer, and is from the gold document."""
    if not item.answerable:
        return False
    same = same_document(item, passage.doc_id, passage.source)
    if same is False:
        return False
    if item.evidence is not None and item.evidence in passage.text:
        return True
    return same is True and contains_answer(passage.text, item.answers)


def first_hit_rank(passages: Sequence[PassageLike], item: GoldItem, k: int = 10) -> int | None:
    """1-based rank of the first hit among the top `k` passages."""
    for rank, passage in enumerate(passages[:k], start=1):
        if passage_hit(passage, item):
            return rank
    return None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (0..100); None for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def compute_metrics(results: Sequence[ItemResult]) -> Metrics:
    """Aggregate item results into one row of metrics."""
    ans = [r for r in results if r.answerable]
    unans = [r for r in results if not r.answerable]
    ranks = [r.hit_rank for r in ans]

    def recall(k: int) -> float | None:
        return _mean([float(r is not None and r <= k) for r in ranks])

    latencies = [r.latency_ms for r in results if r.error is None]
    return Metrics(
        n=len(results),
        answerable=len(ans),
        unanswerable=len(unans),
        em=_mean([r.em for r in ans]),
        f1=_mean([r.f1 for r in ans]),
        f1_all=_mean([r.f1 for r in results]),
        recall_at_1=recall(1),
        recall_at_5=recall(5),
        recall_at_10=recall(10),
        mrr_at_10=_mean([1.0 / r if r is not None and r <= 10 else 0.0 for r in ranks]),
        source_at_1=_mean([float(bool(r.source_ok)) for r in ans]),
        abstention_accuracy=_mean([float(r.abstained) for r in unans]),
        false_abstention_rate=_mean([float(r.abstained) for r in ans]),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
    )


def breakdown(results: Sequence[ItemResult], key: Callable[[ItemResult], str]) -> dict[str, Metrics]:
    """Metrics per group (e.g. per question type), groups sorted by name."""
    groups: dict[str, list[ItemResult]] = {}
    for r in results:
        groups.setdefault(key(r), []).append(r)
    return {name: compute_metrics(groups[name]) for name in sorted(groups)}


def _curve_point(results: Sequence[ItemResult], threshold: float) -> CurvePoint:
    """What the system would do if it abstained below `threshold` (withheld candidates included)."""
    answered = [r for r in results if r.has_answer and r.score >= threshold]
    f1s = [r.answer_f1 for r in answered]
    correct = sum(1 for f in f1s if f >= CORRECT_F1)
    correct += sum(1 for r in results if not r.answerable and not (r.has_answer and r.score >= threshold))
    n = len(results) or 1
    return CurvePoint(
        threshold=threshold,
        coverage=len(answered) / n,
        answered_f1=_mean(f1s),
        accuracy=correct / n,
    )


def coverage_curve(results: Sequence[ItemResult], max_points: int = 60) -> list[CurvePoint]:
    """Coverage and accuracy as the abstention threshold moves over every answer score.

    Questions the system abstained on still carry the candidate it withheld, so the curve covers
    thresholds below the configured one too; `best_threshold` picks the most accurate point.
    """
    if not results:
        return []
    scores = sorted({r.score for r in results if r.has_answer})
    if not scores:
        return [_curve_point(results, 0.0)]
    if len(scores) > max_points:
        step = (len(scores) - 1) / (max_points - 1)
        scores = sorted({scores[round(i * step)] for i in range(max_points)})
    thresholds = [*scores, math.nextafter(scores[-1], math.inf)]
    return [_curve_point(results, t) for t in thresholds]


def best_threshold(curve: Sequence[CurvePoint]) -> CurvePoint | None:
    """The curve point with the highest accuracy (answered with F1 >= 0.5, or rightly abstained)."""
    return max(curve, key=lambda p: (p.accuracy, -p.threshold), default=None)
