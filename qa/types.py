"""Result types returned by the QA pipeline (CLI, server and evaluation all use these)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
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
        """This citation with the span's position in the original file, when `document` records one."""
        locate = getattr(document, "locate", None)
        where = locate(self.start, self.end) if locate is not None else None
        if where is not None:
            self.file_start, self.file_end, self.line, self.column = where
        return self


@dataclass
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


@dataclass
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

