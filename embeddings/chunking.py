"""Sentence-aware chunking: pack whole sentences into chunks of about `size` characters."""

from __future__ import annotations

from embeddings.documents import Chunk, Document
from embeddings.sentences import sentence_spans


def _split_long(start: int, end: int, limit: int) -> list[tuple[int, int]]:
    return [(s, min(s + limit, end)) for s in range(start, end, limit)]


def chunk_document(doc: Document, size: int = 300, max_size: int = 350, overlap: int = 1) -> list[Chunk]:
    """Chunks of `doc` with `doc.text[start:end] == chunk.text`.

    Sentences are packed until adding the next would pass `size` (or `max_size` for the first one);
    neighbouring chunks share `overlap` sentences. A sentence longer than `max_size` alone is cut.
    """
    max_size = max(max_size, size)
    spans: list[tuple[int, int]] = []
    for s, e in sentence_spans(doc.text):
        spans.extend(_split_long(s, e, max_size) if e - s > max_size else [(s, e)])
    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        j = i + 1
        while j < len(spans) and spans[j][1] - spans[i][0] <= size:
            j += 1
        start, end = spans[i][0], spans[j - 1][1]
        chunks.append(Chunk(f"{doc.doc_id}::{len(chunks)}", doc.doc_id, start, end, doc.text[start:end]))
        if j >= len(spans):
            break
        i = max(i + 1, j - overlap)
    return chunks
