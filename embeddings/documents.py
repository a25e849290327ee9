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
    source_map: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    """Where the text's characters stand in the original file (`embeddings.offsets.SourceMap.to_json()`);
    None when unknown (JSON records, indexes built before positions were recorded)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def locate(self, start: int, end: int) -> tuple[int, int, int, int] | None:
        """(file_start, file_end, line, column) of `text[start:end]` in the original file, or None."""
        if not self.source_map:
            return None
        from embeddings.offsets import SourceMap

        return SourceMap.from_json(self.source_map).locate(start, end)


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
