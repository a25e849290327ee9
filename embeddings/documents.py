"""Plain records shared by ingestion, chunking and the index."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One article (or one section of a file) with its normalised text."""

    doc_id: str
    source: str
    title: str
    text: str
    url: str | None = None
    date: str | None = None
    source_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    """A span of a document's normalised text: `doc.text[start:end] == text`."""

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    tokens: list[str] = field(default_factory=list, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestReport:
    """What ingestion read and what it had to skip (file name and reason)."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    """Source name -> content hash of every file read."""
