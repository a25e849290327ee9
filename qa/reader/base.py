"""The reader interface: pick an answer span from ranked passages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from embeddings.documents import Document
from qa.reader.question import QuestionAnalysis
from qa.types import Passage


@dataclass(frozen=True)
class ReaderResult:
    """A span `doc.text[start:end]` inside the sentence `[sentence_start, sentence_end)` of `passage`."""

    passage: Passage
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    score: float
    evidence: float | None = None
    """How well the evidence covers the question (the rule reader's score), when the reader's `score` is something
    else; the pipeline abstains when it is below the reader's `evidence_threshold` as well."""


class Reader(Protocol):
    """Anything that turns passages into a scored answer span (None when it finds nothing)."""

    name: str
    abstain_threshold: float
    """Answers scoring below this abstain unless the settings name another threshold."""
    evidence_threshold: float | None
    """Answers whose `ReaderResult.evidence` is below this abstain too (None: no such gate)."""

    def read(self, question: QuestionAnalysis, passages: list[Passage], documents: dict[str, Document]) -> ReaderResult | None: ...
