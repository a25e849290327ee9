from pathlib import Path

from embeddings.chunking import chunk_document
from embeddings.documents import Document
from embeddings.ingest import load_corpus
from embeddings.sentences import sentence_spans

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_chunk_offsets_match_article_text() -> None:
    for doc in load_corpus([SEEDS]).documents:
        chunks = chunk_document(doc, 300, 350, 1)
        assert chunks
        for chunk in chunks:
            assert doc.text[chunk.start : chunk.end] == chunk.text
            assert chunk.doc_id == doc.doc_id


def test_chunks_respect_size_and_sentence_boundaries() -> None:
    doc = load_corpus([SEEDS]).documents[1]
    bounds = {s for s, _ in sentence_spans(doc.text)} | {e for _, e in sentence_spans(doc.text)}
    for chunk in chunk_document(doc, 200, 250, 1):
        assert chunk.start in bounds and chunk.end in bounds
        assert len(chunk.text) <= 250 or len(sentence_spans(chunk.text)) == 1


def test_overlap_shares_one_sentence() -> None:
    text = "".join(f"这是第{i}句话，内容足够长一些用于测试。" for i in range(40))
    chunks = chunk_document(Document("d", "d.txt", "t", text), 100, 120, 1)
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.end  # shared sentence
        assert b.start > a.start


def test_one_overlong_sentence_is_cut() -> None:
    text = "长" * 1000 + "。"
    chunks = chunk_document(Document("d", "d.txt", "t", text), 300, 350, 1)
    assert all(len(c.text) <= 350 for c in chunks)
    assert "".join(c.text for c in chunks) == text


def test_sentence_splitter() -> None:
    text = "第一句。第二句！“第三句？”第四句……第五句\n第六句"
    assert [text[s:e] for s, e in sentence_spans(text)] == ["第一句。", "第二句！", "“第三句？”", "第四句……", "第五句", "第六句"]
