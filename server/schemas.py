"""Pydantic models of every request and response body of the HTTP API."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from qa.errors import unicode_problem

SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def _valid_unicode(value: str) -> str:
    problem = unicode_problem(value)
    if problem:
        raise ValueError(problem)
    return value


UnicodeText = Annotated[str, AfterValidator(_valid_unicode)]
"""A request string that is valid Unicode text: JSON's lone "\\ud800" is refused (422) wherever it is sent, so
it never reaches the tokenizer or a UTF-8 encoder (it used to break a streamed reply mid-way)."""


def _non_blank(value: str) -> str:
    _valid_unicode(value)
    if not value.strip():
        raise ValueError("must not be empty")
    return value


class AskRequest(BaseModel):
    """A single question, answered without conversation memory."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"question": "全国地方公安机关共设置了多少个公安派出所？"}]},
    )

    question: str = Field(
        description="The question, in Chinese: at least one non-blank character, at most `max_question_chars` "
        "(500 by default) characters."
    )
    top_k: int | None = Field(
        default=None, ge=1, le=50, description="Passages to return (default: settings.top_k)."
    )

    @field_validator("question")
    @classmethod
    def _question_not_blank(cls, value: str) -> str:
        return _non_blank(value)

    @field_validator("top_k", mode="before")
    @classmethod
    def _top_k_not_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):  # JSON true is not an integer (pydantic's lax mode would take it as 1)
            raise ValueError("must be an integer, not a boolean")
        return value


class ChatRequest(BaseModel):
    """One chat turn; follow-ups reuse the `session_id` returned by the previous turn."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"message": "配备了多少民警？", "session_id": None}]}
    )

    message: str = Field(
        description="The user's message (a question or a follow-up): at least one non-blank character, at most "
        "`max_question_chars` (500 by default) characters."
    )
    session_id: str | None = Field(
        default=None, pattern=SESSION_ID_PATTERN, description="Omit to start a new session."
    )

    @field_validator("message")
    @classmethod
    def _message_not_blank(cls, value: str) -> str:
        return _non_blank(value)


class CitationOut(BaseModel):
    """Where the answer comes from: `document.text[start:end] == answer.text`."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str
    source: str
    title: str
    chunk_id: str
    start: int
    end: int
    quote: str = Field(description="The sentence holding the answer.")
    quote_start: int = Field(
        description="Offset of `quote` in the document text; the span is quote[start - quote_start:end - quote_start]."
    )
    file_start: int | None = Field(
        default=None, description="The span's first character in the original file's decoded text (null: unknown)."
    )
    file_end: int | None = Field(default=None, description="Just past the span's last character in the original file.")
    line: int | None = Field(default=None, description="1-based line of the span in the original file.")
    column: int | None = Field(default=None, description="1-based column (characters) of the span on that line.")


class PassageOut(BaseModel):
    """A retrieved chunk (best first)."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str
    source: str
    title: str
    chunk_id: str
    start: int
    end: int
    text: str
    score: float


class AnswerOut(BaseModel):
    """An extractive answer; `text` is null (and `message` says why) when the articles do not say.

    The same shape as `qa ask --json` (`qa.types.Answer.to_dict()`); unknown fields are refused, so the two
    cannot drift apart."""

    model_config = ConfigDict(extra="forbid")

    question: str
    text: str | None
    abstained: bool
    score: float
    citations: list[CitationOut]
    passages: list[PassageOut]
    message: str | None = None
    encoder: str = ""
    reader: str = ""
    retrieval: str = ""
    query: str = ""
    understood_as: str | None = Field(
        default=None,
        description="How a follow-up was understood: the standalone question that was searched and read "
        "(e.g. 莲前派出所的面积是多少？ for 那它的面积呢？); null when the message was taken as it stands.",
    )
    latency_ms: float = 0.0
    candidate: str | None = Field(
        default=None,
        description="When abstaining: the span the reader found but withheld (low confidence); not an answer.",
    )

    @classmethod
    def from_answer(cls, answer: Any) -> AnswerOut:
        """Convert a `qa.types.Answer`."""
        return cls.model_validate(answer.to_dict())


class ChatResponse(AnswerOut):
    """A chat turn's answer and the session to continue."""

    session_id: str
    new_session: bool = Field(
        description="True when this turn started a new session (none given, or it expired)."
    )


class DocumentSummary(BaseModel):
    """One indexed article, without its text."""

    doc_id: str
    title: str
    source: str
    length: int = Field(description="Characters of normalised text.")
    url: str | None = None
    date: str | None = None


class DocumentList(BaseModel):
    """Every indexed article."""

    count: int
    documents: list[DocumentSummary]


class DocumentOut(DocumentSummary):
    """One article with its normalised text (citation offsets index into `text`)."""

    text: str


class Health(BaseModel):
    """Liveness: the process answers."""

    status: str = "ok"
    version: str


class Ready(BaseModel):
    """Readiness: the index and encoder are loaded."""

    status: str = "ready"
    encoder: str
    documents: int
    chunks: int
    index_type: str = ""
    reader: str = ""
    retrieval: str = ""


class ErrorOut(BaseModel):
    """Every error response."""

    detail: str
