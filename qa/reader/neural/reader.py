"""The transformer reader: the question against the top passages in one batch, the best span across them.

Each passage becomes one or more windows (`windows.py`); the model's start/end logits give every window's best
span and its no-answer score (`decode.py`). The answer is the best span over all passages; its confidence is
sigmoid(span score - no-answer score of its window), and the reader abstains below the threshold fitted on
held-out validation data (recorded in the artefact's manifest), when the best span's passage lacks a year the
question names (`qa.reader.constraints`), or when its evidence gate is set and the rule reader's evidence score is
below it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from embeddings.documents import Document
from embeddings.sentences import sentence_spans
from embeddings.tokenize import words
from qa.reader.answer_shape import complete_unit, unfit
from qa.reader.constraints import missing_years, named_years
from qa.reader.neural.decode import SpanScore, window_spans
from qa.reader.neural.model import QAModel
from qa.reader.neural.windows import make_windows
from qa.reader.question import QuestionAnalysis
from qa.types import Passage, Reader, ReaderResult, abstains

DEFAULT_THRESHOLD = 0.5
"""Confidence threshold when the model's manifest records none (a model from elsewhere)."""
_EDGE = set(" \t\n，。、；：？！,.;:?!·…—")
_CLOSER = {"“": "”", "‘": "’", "《": "》", "「": "」", "『": "』", "（": "）", "【": "】", "〈": "〉"}
_OPENER = {close: open_ for open_, close in _CLOSER.items()}
_FULL_WIDTH = str.maketrans("()", "（）")
"""Brackets are matched whatever their width: articles mix them (（James M. Buchanan))."""


@dataclass(frozen=True)
class DecodeOptions:
    max_length: int = 384
    stride: int = 128
    max_answer_tokens: int = 48
    batch_size: int = 16
    max_windows: int | None = None
    """Read at most this many windows, in passage rank order (the reader's cost is linear in windows)."""
    per_window: int = 1
    """Candidate spans kept per window (more than one only matters with `AnswerPolicy.type_penalty`)."""


def confidence(margin: float) -> float:
    """sigmoid(margin): 0.5 when the span and answering nothing score the same."""
    if margin >= 0:
        return 1.0 / (1.0 + math.exp(-margin))
    e = math.exp(margin)
    return e / (1.0 + e)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without whitespace and punctuation at its edges, nor a trailing 的 that jieba cuts off as a
    word of its own (400余人的 → 400余人; 目的 stays); kept as it is if nothing else is left."""
    s, e = _strip_edges(text, start, end)
    if e - s > 1 and text[e - 1] == "的" and words(text[s:e])[-1] == "的":
        s, e = _strip_edges(text, s, e - 1)
    s, e = balance_quotes(text, s, e)
    return (s, e) if e > s else (start, end)


def balance_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) with a quote mark or bracket left open at an edge closed by the character next to it
    (《三国演义 → 《三国演义》), or else dropped (“实名制 → 实名制); a closer first or an opener last is dropped."""
    s, e = start, end
    if e > s and _opens(text[s]) and _left_open(text[s:e], _fold(text[s]), _CLOSER[_fold(text[s])]):
        if e < len(text) and _fold(text[e]) == _CLOSER[_fold(text[s])]:
            e += 1
        else:
            s, e = _strip_edges(text, s + 1, e)
    if e > s and _closes(text[e - 1]) and _left_open(text[s:e][::-1], _fold(text[e - 1]), _OPENER[_fold(text[e - 1])]):
        if s > 0 and _fold(text[s - 1]) == _OPENER[_fold(text[e - 1])]:
            s -= 1
        else:
            s, e = _strip_edges(text, s, e - 1)
    while e > s and (_closes(text[s]) or _opens(text[e - 1])):
        s, e = _strip_edges(text, s + _closes(text[s]), e - _opens(text[e - 1]))
    return s, e


def _fold(ch: str) -> str:
    return ch.translate(_FULL_WIDTH)


def _opens(ch: str) -> bool:
    return _fold(ch) in _CLOSER


def _closes(ch: str) -> bool:
    return _fold(ch) in _OPENER


def _left_open(span: str, mark: str, partner: str) -> bool:
    """Whether the `mark` that begins `span` is never matched by a `partner` within it."""
    depth = 0
    for ch in _fold(span):
        depth += (ch == mark) - (ch == partner)
        if depth == 0:
            return False
    return True


def _strip_edges(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in _EDGE:
        s += 1
    while e > s and text[e - 1] in _EDGE:
        e -= 1
    return s, e


def answer_bounds(question: QuestionAnalysis, text: str, start: int, end: int) -> tuple[int, int]:
    """The [start, end) an answer shows for the model's span `text[start:end]`: trimmed, and completed with the unit
    the question asks in (what the answer-type check, `eval.tune` and the training report judge)."""
    start, end = trim(text, start, end)
    return start, complete_unit(question, text, start, end)


def locate(
    span: SpanScore, passages: Sequence[Passage], documents: Mapping[str, Document], question: QuestionAnalysis,
) -> tuple[str, int, int]:
    """The article of `span` and the span's `answer_bounds` in it."""
    passage = passages[span.passage]
    text = documents[passage.doc_id].text
    return text, *answer_bounds(question, text, passage.start + span.start, passage.start + span.end)


def predict_spans(
    qa: QAModel, question: str, texts: Sequence[str], options: DecodeOptions,
    enough: Callable[[list[SpanScore]], bool] | None = None,
) -> list[SpanScore]:
    """The best span of every window of every text, best first (offsets into each text). With `enough`, the first
    window is read alone and the rest only when `enough` of its spans is false."""
    if not texts:
        return []
    windows = make_windows(qa.tokenizer, question, texts, options.max_length, options.stride)
    if len(windows) == 0:
        return []
    if options.max_windows is not None and len(windows) > options.max_windows:
        windows = _rows(windows, 0, options.max_windows)
    spans: list[SpanScore] = []
    bounds = [0, 1] if enough is not None and len(windows) > 1 else [0]
    bounds += list(range(bounds[-1] + options.batch_size, len(windows), options.batch_size)) + [len(windows)]
    for lo, hi in pairwise(bounds):
        part = _rows(windows, lo, hi)
        start, end = qa.logits(part.input_ids, part.attention_mask)
        for s in window_spans(start, end, part, options.max_answer_tokens, options.per_window):
            spans.append(SpanScore(s.passage, s.window + lo, s.start, s.end, s.score, s.null))
        if lo == 0 and hi < len(windows) and enough is not None and enough(spans):
            break
    spans.sort(key=lambda s: -s.score)
    return spans


def _rows(windows, lo: int, hi: int):  # noqa: ANN001, ANN202  (Windows slice; internal)
    import dataclasses

    part = dataclasses.replace(
        windows, input_ids=windows.input_ids[lo:hi], attention_mask=windows.attention_mask[lo:hi],
        starts=windows.starts[lo:hi], ends=windows.ends[lo:hi], passage=windows.passage[lo:hi],
    )
    width = int(part.attention_mask.sum(axis=1).max())
    return dataclasses.replace(
        part, input_ids=part.input_ids[:, :width], attention_mask=part.attention_mask[:, :width],
        starts=part.starts[:, :width], ends=part.ends[:, :width],
    )


@dataclass(frozen=True)
class AnswerPolicy:
    """When the reader answers: confidence threshold, retrieval-rank weight, optional evidence gate."""

    threshold: float = DEFAULT_THRESHOLD
    rank_weight: float = 0.0
    """A span's score is lowered by rank_weight * ln(1 + its passage's retrieval rank)."""
    evidence_threshold: float | None = None
    """Also abstain when the rule reader's evidence score (keyword coverage of its best sentence) is below this."""
    max_windows: int | None = None
    """Read at most this many windows (see `DecodeOptions.max_windows`)."""
    type_penalty: float = 0.0
    """Subtracted from the score of a span that does not have the shape the question asks for
    (`qa.reader.answer_shape.unfit`: 莲前派出所的面积 should not be answered 大、人口多)."""
    misfit_gate: bool = False
    """Also abstain when the best span, after the penalty, still does not have that shape (几所学校 -> 辖区学校)."""
    stop_margin: float | None = None
    """Stop after the first window when its best span beats that window's no-answer score by this much and has the
    asked-for shape (None: read every window); `eval.tune` chooses the smallest that costs no F1."""


TYPED_SPANS_PER_WINDOW = 5
"""Spans kept per window when a type penalty is set, so that a span of the asked-for shape can win."""


def policy_of(manifest: dict[str, Any]) -> AnswerPolicy:
    """The artefact's policy: its `policy` (fitted by `python -m eval.tune --write`) over its validation
    `calibration` threshold, over the defaults (a model from elsewhere)."""
    policy = manifest.get("policy") or {}
    calibrated = (manifest.get("calibration") or {}).get("threshold")
    threshold = policy.get("threshold", calibrated if calibrated is not None else DEFAULT_THRESHOLD)
    gate, windows = policy.get("evidence_threshold"), policy.get("max_windows")
    return AnswerPolicy(
        float(threshold), float(policy.get("rank_weight", 0.0)), _optional_float(gate),
        None if windows is None else int(windows), float(policy.get("type_penalty", 0.0)),
        bool(policy.get("misfit_gate", False)), _optional_float(policy.get("stop_margin")),
    )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


class NeuralReader:
    """Reader over an extractive-QA transformer (`wenda-e5-small-qa` or any Hugging Face QA model)."""

    def __init__(
        self, qa: QAModel, options: DecodeOptions | None = None, policy: AnswerPolicy | None = None,
        evidence: Reader | None = None,
    ) -> None:
        self.qa = qa
        self.options = options or DecodeOptions()
        self.policy = policy or policy_of(qa.manifest)
        self.rank_weight = self.policy.rank_weight
        self.abstain_threshold = self.policy.threshold
        self.evidence_threshold = self.policy.evidence_threshold
        self.evidence = evidence
        """Scores the evidence (`ReaderResult.evidence`) when given; the reader gates on it."""
        self.name = "neural" if qa.name == "wenda-e5-small-qa" else f"neural:{qa.name}"

    def read(
        self, question: QuestionAnalysis, passages: Sequence[Passage], documents: Mapping[str, Document]
    ) -> ReaderResult | None:
        penalty, stop = self.policy.type_penalty, self.policy.stop_margin
        years = named_years(question.text)
        located: dict[int, tuple[str, int, int]] = {}
        checked: dict[int, bool] = {}

        def place(s: SpanScore) -> tuple[str, int, int]:
            if id(s) not in located:
                located[id(s)] = locate(s, passages, documents, question)
            return located[id(s)]

        def misshapen(s: SpanScore) -> bool:
            if id(s) not in checked:
                checked[id(s)] = unfit(question, *place(s))
            return checked[id(s)]

        def ranked(s: SpanScore) -> float:
            value = s.score - self.rank_weight * math.log1p(s.passage)
            return value - penalty if penalty and misshapen(s) else value

        def sure(first: list[SpanScore]) -> bool:
            if not first:
                return False
            top = max(first, key=ranked)
            return top.margin >= stop and not misshapen(top)

        spans = predict_spans(self.qa, question.text, [p.text for p in passages], self.options,
                              enough=sure if stop is not None else None)
        if not spans:
            return None
        best = max(spans, key=ranked)
        passage = passages[best.passage]
        text, start, end = place(best)
        s_start, s_end = sentence_bounds(text, start, end, passage.start, passage.end)
        evidence = None
        if self.evidence is not None:
            scored = self.evidence.read(question, passages, documents)
            evidence = scored.score if scored is not None else 0.0
        score = round(confidence(best.margin), 4)
        may_abstain = self.abstain_threshold > 0  # 0: always answer, neither the year nor the misfit gate applies
        missing = missing_years(years, passage.text) if may_abstain else ()
        abstained = (abstains(score, evidence, self.abstain_threshold, self.evidence_threshold) or bool(missing)
                     or (may_abstain and self.policy.misfit_gate and misshapen(best)))
        return ReaderResult(passage, start, end, s_start, s_end, score, evidence, abstained, missing)


def sentence_bounds(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The sentences of `text[lo:hi]` that the span [start, end) touches (their union)."""
    touched = [(s, e) for s, e in sentence_spans(text, lo, hi) if s < end and start < e]
    if not touched:
        return start, end
    return min(start, touched[0][0]), max(end, touched[-1][1])
