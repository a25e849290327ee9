"""Document and chunk records: what is written is what is read, lazily."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from embeddings.columns import write_strings
from embeddings.documents import Chunk, Document
from embeddings.records import DocumentsById, read_records, write_records

DOCS = [
    Document("a", "a.txt", "甲", "莲前派出所辖区16平方公里。", url="http://x", date="2020-01-01", source_hash="h1",
             source_map={"kind": "identity"}),
    Document("b#2", "b.md", "乙", "沱沱河站派出所海拔4500米。"),
]
CHUNKS = [
    Chunk("a:0", "a", 0, 6, "莲前派出所辖", ["莲前", "派出所"]),
    Chunk("a:1", "a", 5, 14, "辖区16平方公里。", ["辖区", "16", "平方公里"]),
    Chunk("b#2:0", "b#2", 0, 14, DOCS[1].text, []),
]


def written(tmp_path: Path) -> tuple:
    write_records(tmp_path, DOCS, CHUNKS)
    return read_records(tmp_path)


def test_round_trip(tmp_path: Path) -> None:
    documents, chunks = written(tmp_path)
    assert list(documents) == DOCS and documents[0].source_map == DOCS[0].source_map
    assert [(c.chunk_id, c.doc_id, c.start, c.end) for c in chunks] == [(c.chunk_id, c.doc_id, c.start, c.end) for c in CHUNKS]
    for chunk in chunks:
        assert chunk.text == documents[documents.row_of[chunk.doc_id]].text[chunk.start : chunk.end]
        assert chunk.tokens == []  # served chunks carry no token lists
    assert [chunks.tokens(i) for i in range(len(chunks))] == [c.tokens for c in CHUNKS]
    assert [documents.source(chunks.document_row(i)) for i in range(len(chunks))] == ["a.txt", "a.txt", "b.md"]
    stored = [chunks.stored(i) for i in range(len(chunks))]
    assert [(c.chunk_id, c.doc_id, c.start, c.end, c.text, c.tokens) for c in stored] == [
        (c.chunk_id, c.doc_id, c.start, c.end, "", c.tokens) for c in CHUNKS
    ]
    by_id = DocumentsById(documents)
    assert by_id["b#2"] == DOCS[1] and "a" in by_id and "zz" not in by_id and sorted(by_id) == ["a", "b#2"]
    with pytest.raises(KeyError):
        by_id["zz"]


def test_documents_are_cached_and_thread_safe(tmp_path: Path) -> None:
    documents, chunks = written(tmp_path)
    assert documents[0] is documents[0]  # decoded once, then served from the cache
    seen: list[str] = []

    def read() -> None:
        seen.extend(chunks[i % len(chunks)].text for i in range(300))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(seen)) == sorted({c.text for c in chunks})


def test_spans_naming_a_missing_document_are_refused(tmp_path: Path) -> None:
    write_records(tmp_path, DOCS, CHUNKS)
    np.save(tmp_path / "chunk_spans.npy", np.array([[0, 0, 1], [5, 0, 1], [1, 0, 1]], dtype=np.int64))
    with pytest.raises(ValueError, match="not in the index"):
        read_records(tmp_path)


@pytest.mark.parametrize("column", ["chunk_ids.strs", "doc_text.strs"])
def test_files_that_disagree_are_refused(tmp_path: Path, column: str) -> None:
    write_records(tmp_path, DOCS, CHUNKS)
    write_strings(tmp_path / column, ["only one"])
    with pytest.raises(ValueError, match="disagree"):
        read_records(tmp_path)
