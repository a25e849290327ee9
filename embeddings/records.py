"""Documents and chunks of an index version, kept on disk and read lazily.

Files (in the version folder):
    doc_ids.strs, doc_meta.strs, doc_text.strs   one row per document: id, JSON of the other fields, text
    chunk_ids.strs, chunk_tokens.strs            one row per chunk: id, JSON list of its BM25 tokens
    chunk_spans.npy                              int64 (chunks, 3): document row, start, end
Loading maps the files and builds only the id → row table of the documents; a `Document` (and the text of a
chunk, a slice of its document's text) is made when a query reads it, with recent documents cached. At a
million chunks this replaces tens of millions of Python objects (the chunk records and their token lists).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from embeddings.columns import LazySequence, StringColumn, write_strings
from embeddings.documents import Chunk, Document

RECORD_FILES = ("doc_ids.strs", "doc_meta.strs", "doc_text.strs", "chunk_ids.strs", "chunk_tokens.strs", "chunk_spans.npy")
DOCUMENT_CACHE = 1024
"""Documents kept decoded (most recently read first): a query reads a few dozen chunks of a few documents."""


def write_records(folder: Path, documents: Sequence[Document], chunks: Sequence[Chunk]) -> None:
    """Write the record files of `documents` and `chunks` (each chunk's doc_id must be one of `documents`)."""
    row_of = {d.doc_id: i for i, d in enumerate(documents)}
    write_strings(folder / "doc_ids.strs", (d.doc_id for d in documents))
    write_strings(
        folder / "doc_meta.strs",
        (json.dumps({k: v for k, v in d.to_dict().items() if k not in ("doc_id", "text")}, ensure_ascii=False) for d in documents),
    )
    write_strings(folder / "doc_text.strs", (d.text for d in documents))
    write_strings(folder / "chunk_ids.strs", (c.chunk_id for c in chunks))
    write_strings(folder / "chunk_tokens.strs", (json.dumps(c.tokens, ensure_ascii=False) for c in chunks))
    spans = np.empty((len(chunks), 3), dtype=np.int64)
    for i, c in enumerate(chunks):
        spans[i] = (row_of[c.doc_id], c.start, c.end)
    np.save(folder / "chunk_spans.npy", spans)


class DocumentTable(LazySequence[Document]):
    """The documents of an index version, decoded on access (thread-safe)."""

    def __init__(self, folder: Path) -> None:
        self._ids = StringColumn(folder / "doc_ids.strs")
        self._meta = StringColumn(folder / "doc_meta.strs")
        self._text = StringColumn(folder / "doc_text.strs")
        if not len(self._ids) == len(self._meta) == len(self._text):
            raise ValueError(f"document files disagree: {len(self._ids)} ids, {len(self._meta)} records, {len(self._text)} texts")
        self.row_of: dict[str, int] = {doc_id: i for i, doc_id in enumerate(self._ids)}
        if len(self.row_of) != len(self._ids):
            raise ValueError("document ids are not unique")
        self._cache: OrderedDict[int, Document] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def _item(self, i: int) -> Document:
        with self._lock:
            doc = self._cache.get(i)
            if doc is not None:
                self._cache.move_to_end(i)
                return doc
        doc = Document(doc_id=self._ids[i], text=self._text[i], **json.loads(self._meta[i]))
        with self._lock:
            self._cache[i] = doc
            while len(self._cache) > DOCUMENT_CACHE:
                self._cache.popitem(last=False)
        return doc

    def doc_id(self, row: int) -> str:
        """The id of document `row`, without decoding the document."""
        return self._ids[row]

    def source(self, row: int) -> str:
        """The source file of document `row`, without decoding its text."""
        return str(json.loads(self._meta[row])["source"])


class DocumentsById(Mapping[str, Document]):
    """doc_id → Document over a `DocumentTable`."""

    def __init__(self, table: DocumentTable) -> None:
        self._table = table

    def __getitem__(self, doc_id: str) -> Document:
        return self._table[self._table.row_of[doc_id]]

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._table.row_of

    def __iter__(self) -> Iterator[str]:
        return iter(self._table.row_of)

    def __len__(self) -> int:
        return len(self._table.row_of)


class ChunkTable(LazySequence[Chunk]):
    """The chunks of an index version; a chunk's text is sliced from its document when it is read. Chunks read
    here carry no tokens (only an incremental build needs them: `tokens(i)`)."""

    def __init__(self, folder: Path, documents: DocumentTable) -> None:
        self._ids = StringColumn(folder / "chunk_ids.strs")
        self._tokens = StringColumn(folder / "chunk_tokens.strs")
        self._spans = np.load(folder / "chunk_spans.npy", mmap_mode="r")
        self._documents = documents
        n = len(self._ids)
        if self._spans.shape != (n, 3) or len(self._tokens) != n:
            raise ValueError(f"chunk files disagree: {n} ids, {len(self._tokens)} token lists, spans {self._spans.shape}")
        if n and (int(self._spans[:, 0].min()) < 0 or int(self._spans[:, 0].max()) >= len(documents)):
            raise ValueError("chunk spans name documents that are not in the index")

    def __len__(self) -> int:
        return len(self._ids)

    def _item(self, i: int) -> Chunk:
        row, start, end = (int(x) for x in self._spans[i])
        doc = self._documents[row]
        return Chunk(self._ids[i], doc.doc_id, start, end, doc.text[start:end])

    def document_row(self, i: int) -> int:
        """The row (in the `DocumentTable`) of chunk `i`'s document."""
        return int(self._spans[i, 0])

    def stored(self, i: int) -> Chunk:
        """Chunk `i` as stored: its id, document, offsets and BM25 tokens, without its text (nothing decoded
        but the chunk's own record), for an incremental build to reuse."""
        row, start, end = (int(x) for x in self._spans[i])
        return Chunk(self._ids[i], self._documents.doc_id(row), start, end, "", self.tokens(i))

    def tokens(self, i: int) -> list[str]:
        """The BM25 tokens of chunk `i` (title and text, as indexed)."""
        return list(json.loads(self._tokens[i]))


def read_records(folder: Path) -> tuple[DocumentTable, ChunkTable]:
    """Map the record files of a version folder; ValueError/OSError when they are missing or damaged."""
    documents = DocumentTable(folder)
    return documents, ChunkTable(folder, documents)
