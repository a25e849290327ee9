"""The types passed along the question → citation path: the passages retrieval returns, the reader's decided
span (`ReaderResult`) and the `Reader` seam, and the answer with its citations (CLI, server and evaluation all
use these). Every result is frozen and built in one step."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from embeddings.documents import Document
    from qa.reader.question import QuestionAnalysis


@dataclass(frozen=True)
class Citation:
    """Where an answer comes from: `document.text[start:end] == answer.text`."""

    doc_id: str
    source: str
    title: str
    chunk_id: str
    start: int
    end: int
    quote: str
    """The sentence the answer span was taken from."""
    quote_start: int
    """Offset of `quote` in the normalised article."""
    file_start: int | None = None
    """Offset of the span's first character in the original file's decoded text (None: not known, e.g. an index
    built before file positions were recorded)."""
    file_end: int | None = None
    """Offset just past the span's last character in the original file's decoded text."""
    line: int | None = None
    """1-based line of the span's first character in the original file."""
    column: int | None = None
    """1-based column (in characters) of the span's first character on that line."""

    def located(self, document: Any) -> Citation:
        """A copy with the span's position in the original file, when `document` records one (else this one)."""
        locate = getattr(document, "locate", None)
        where = locate(self.start, self.end) if locate is not None else None
        if where is None:
            return self
        file_start, file_end, line, column = where
        return dataclasses.replace(self, file_start=file_start, file_end=file_end, line=line, column=column)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused retrieval score."""

    doc_id: str
    source: str
    title: str
    chunk_id: str
    start: int
    end: int
    text: str
    score: float


def abstains(score: float, evidence: float | None, threshold: float, evidence_threshold: float | None) -> bool:
    """The abstention decision: the score is below `threshold`, or the evidence, when the reader scores it
    separately, is below `evidence_threshold` (None: no such gate)."""
    weak = evidence is not None and evidence_threshold is not None and evidence < evidence_threshold
    return score < threshold or weak


@dataclass(frozen=True)
class ReaderResult:
    """The reader's answer: the span `doc.text[start:end]` inside the sentence `[sentence_start, sentence_end)` of
    `passage` (the citation's offsets), its score and the reader's decision whether to give it."""

    passage: Passage
    start: int
    end: int
    sentence_start: int
    sentence_end: int
    score: float
    evidence: float | None = None
    """How well the evidence covers the question (the rule reader's score), when the reader's `score` is something
    else; the reader abstains when it is below its `evidence_threshold` as well."""
    abstained: bool = False
    """True when the reader abstains (`abstains`): the span is then only the candidate it would have given."""
    missing_years: tuple[str, ...] = ()
    """Years the question names that the span's passage does not mention; the reader then abstains (the year gate,
    `qa.reader.constraints`) and the bot says so instead of a bare not-found."""

    def text(self, document: Document) -> str:
        """The span's text in its article."""
        return document.text[self.start : self.end]

    def citation(self, document: Document) -> Citation:
        """The citation of the span: its sentence as the quote, its position in the original file when known."""
        return Citation(
            document.doc_id, document.source, document.title, self.passage.chunk_id, self.start, self.end,
            document.text[self.sentence_start : self.sentence_end], self.sentence_start,
        ).located(document)


class Reader(Protocol):
    """Anything that turns passages into a scored, decided answer span (None when it finds nothing); the pipeline
    consumes it."""

    name: str
    abstain_threshold: float
    """Answers scoring below this abstain (the settings' threshold, else the reader's own)."""
    evidence_threshold: float | None
    """Answers whose `ReaderResult.evidence` is below this abstain too (None: no such gate)."""

    def read(
        self, question: QuestionAnalysis, passages: Sequence[Passage], documents: Mapping[str, Document]
    ) -> ReaderResult | None: ...


@dataclass(frozen=True)
class Answer:
    """An extractive answer, or `text=None` with a `message` when the articles do not say."""

    question: str
    text: str | None
    score: float
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    message: str | None = None
    encoder: str = ""
    reader: str = ""
    retrieval: str = ""
    query: str = ""
    """The query actually searched (differs from `question` when a follow-up was expanded)."""
    understood_as: str | None = None
    """The standalone question a follow-up was understood as (what retrieval and the reader read); None when the
    turn was taken as it stands."""
    latency_ms: float = 0.0
    candidate: str | None = None
    """When abstaining: the span the reader would have given (for calibration curves; not shown to users)."""

    @property
    def abstained(self) -> bool:
        return self.text is None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of an answer, the same for `qa ask --json` and the HTTP API (`abstained` included)."""
        return {**asdict(self), "abstained": self.abstained}


@dataclass(frozen=True)
class IndexInfo:
    """What a pipeline answers over (`QAPipeline.info()`); `to_dict()` is the JSON of eval reports."""

    index_dir: str
    version: str
    """The index version folder in use."""
    built_at: str | None
    documents: int
    files: int
    chunks: int
    encoder: str
    encoder_dimension: int
    index_type: str
    """The FAISS index type (flat, hnsw, ivf)."""
    retrieval: str
    fusion: dict[str, float]
    """The reciprocal-rank-fusion constant and weights (`FusionWeights`)."""
    reader: str
    abstain_threshold: float
    evidence_threshold: float | None
    corpus: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

