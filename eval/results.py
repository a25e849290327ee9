"""Plain result records of an evaluation run (JSON-ready through `to_dict`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ItemResult:
    """One system's outcome on one gold question."""

    id: str
    question: str
    type: str
    style: str
    answers: list[str]
    source: str | None
    doc_id: str | None
    evidence: str | None
    predicted: str | None
    """The answer text; None when the system abstained."""
    score: float
    em: float
    f1: float
    """For unanswerable questions EM = F1 = 1 when the system abstained, else 0."""
    hit_rank: int | None
    """1-based rank of the first retrieved passage that holds the evidence; None when none does."""
    source_ok: bool | None
    """First citation from the gold document; None for unanswerable questions."""
    latency_ms: float
    message: str | None = None
    error: str | None = None
    cited: dict[str, Any] | None = None
    """First citation: doc_id, source, start, end, quote."""
    passage: dict[str, Any] | None = None
    """The passage holding the first citation (else the top passage): doc_id, source, chunk_id, text."""
    retrieved: list[str] = field(default_factory=list)
    """doc_id of each retrieved passage, best first."""
    candidate: str | None = None
    """When abstained: the span the reader would have given (scored by `score`)."""
    candidate_f1: float = 0.0
    """F1 of `candidate` against the gold answers (0 for unanswerable questions)."""

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    @property
    def abstained(self) -> bool:
        return self.predicted is None

    @property
    def has_answer(self) -> bool:
        """An answer exists at some threshold: given, or withheld as a candidate."""
        return self.predicted is not None or self.candidate is not None

    @property
    def answer_f1(self) -> float:
        """F1 of the answer it gives at a low enough threshold (0 for unanswerable questions)."""
        if not self.answerable:
            return 0.0
        return self.f1 if self.predicted is not None else self.candidate_f1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Metrics:
    """Aggregate scores over a set of questions; None where a metric has no question to measure."""

    n: int
    answerable: int
    unanswerable: int
    em: float | None
    f1: float | None
    """Mean EM/F1 over answerable questions (an abstention scores 0)."""
    f1_all: float | None
    """Mean F1 over all questions, SQuAD 2.0 style (a correct abstention scores 1)."""
    recall_at_1: float | None
    recall_at_5: float | None
    recall_at_10: float | None
    mrr_at_10: float | None
    source_at_1: float | None
    abstention_accuracy: float | None
    """Share of unanswerable questions the system abstained on."""
    false_abstention_rate: float | None
    """Share of answerable questions the system abstained on."""
    latency_p50_ms: float | None
    latency_p95_ms: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CurvePoint:
    """Outcome if answers scoring below `threshold` were abstained on too."""

    threshold: float
    coverage: float
    """Share of all questions answered."""
    answered_f1: float | None
    """Mean F1 of the answered questions (an answered unanswerable question scores 0)."""
    accuracy: float
    """Share of all questions handled correctly: answered with F1 >= 0.5, or rightly abstained."""


@dataclass
class SystemResult:
    """One retrieval/reader combination evaluated on every gold question."""

    name: str
    retrieval: str
    reader: str
    overall: Metrics
    by_type: dict[str, Metrics]
    by_style: dict[str, Metrics]
    curve: list[CurvePoint]
    items: list[ItemResult]
    seconds: float

    def to_dict(self, with_items: bool = True) -> dict[str, Any]:
        out = {
            "name": self.name,
            "retrieval": self.retrieval,
            "reader": self.reader,
            "seconds": self.seconds,
            "overall": self.overall.to_dict(),
            "by_type": {k: v.to_dict() for k, v in self.by_type.items()},
            "by_style": {k: v.to_dict() for k, v in self.by_style.items()},
            "curve": [asdict(p) for p in self.curve],
        }
        if with_items:
            out["items"] = [i.to_dict() for i in self.items]
        return out


@dataclass
class Report:
    """Everything one `qa eval` run measured."""

    gold: str
    questions: int
    top_k: int
    index: dict[str, Any]
    """`pipe.info().to_dict()` of the evaluated index."""
    abstain_threshold: float | None
    systems: list[SystemResult]
    worst: list[ItemResult]
    """The product system's worst misses, worst first."""
    gold_warnings: list[str] = field(default_factory=list)
    created: str = ""
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    """Written files by kind (json, md, png)."""

    def system(self, name: str) -> SystemResult:
        for s in self.systems:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "gold": self.gold,
            "questions": self.questions,
            "top_k": self.top_k,
            "index": self.index,
            "abstain_threshold": self.abstain_threshold,
            "created": self.created,
            "seconds": self.seconds,
            "gold_warnings": self.gold_warnings,
            "systems": [s.to_dict() for s in self.systems],
            "worst": [i.to_dict() for i in self.worst],
        }
