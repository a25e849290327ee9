"""Reciprocal-rank fusion and passage merging (`qa.retriever`), on hand-made chunks of one or two articles."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from embeddings.documents import Chunk, Document
from qa.retriever import merge_passages, rrf
from qa.types import Passage

TEXT = "".join(chr(0x4E00 + i) for i in range(100))
OTHER = "".join(chr(0x5E00 + i) for i in range(40))


def _index(*chunks: tuple[str, str, int, int]) -> SimpleNamespace:
    """What `merge_passages` reads of a LoadedIndex: `chunks` by row and `doc_by_id`."""
    docs = {"a": Document("a", "a.txt", "甲", TEXT), "b": Document("b", "b.txt", "乙", OTHER)}
    rows = [Chunk(cid, doc, s, e, docs[doc].text[s:e]) for cid, doc, s, e in chunks]
    return SimpleNamespace(chunks=rows, doc_by_id=docs)


INDEX = _index(
    ("a#0", "a", 0, 30),
    ("a#1", "a", 25, 55),  # overlaps a#0
    ("a#2", "a", 60, 90),  # overlaps neither a#0 nor a#1
    ("a#3", "a", 28, 62),  # bridges a#0 and a#2
    ("b#0", "b", 0, 40),
)


def _spans(passages: list[Passage]) -> list[tuple[str, int, int]]:
    return [(p.doc_id, p.start, p.end) for p in passages]


def test_rrf_weights_each_ranking_and_skips_zero_weights() -> None:
    fused = rrf([([1, 2], 1.0), ([2, 3], 0.5), ([1], 0.0)], k=60)
    assert fused == pytest.approx({1: 1 / 61, 2: 1 / 62 + 0.5 / 61, 3: 0.5 / 62})
    assert rrf([([1, 2], 0.0)], k=60) == {}


def test_a_chunk_overlapping_a_taken_passage_joins_it() -> None:
    (passage,) = merge_passages(INDEX, [(0, 0.9), (1, 0.8)], top_k=3)
    assert (passage.start, passage.end, passage.chunk_id, passage.score) == (0, 55, "a#0", 0.9)
    assert passage.text == TEXT[0:55]


def test_chunks_after_the_kth_passage_never_grow_one() -> None:
    ranked = [(0, 0.9), (2, 0.8), (1, 0.7)]
    assert _spans(merge_passages(INDEX, ranked, top_k=2)) == [("a", 0, 30), ("a", 60, 90)]
    assert _spans(merge_passages(INDEX, ranked, top_k=3)) == [("a", 0, 55), ("a", 60, 90)]


def test_a_bridging_chunk_merges_two_passages_into_the_first() -> None:
    merged = merge_passages(INDEX, [(0, 0.9), (2, 0.8), (3, 0.7), (4, 0.6)], top_k=3)
    assert _spans(merged) == [("a", 0, 90), ("b", 0, 40)]
    assert merged[0].score == 0.9 and merged[0].text == TEXT[0:90]


def test_max_chars_skips_a_chunk_that_would_grow_a_passage_past_it() -> None:
    ranked = [(0, 0.9), (1, 0.8), (4, 0.7)]
    assert _spans(merge_passages(INDEX, ranked, top_k=3, max_chars=40)) == [("a", 0, 30), ("b", 0, 40)]
    assert _spans(merge_passages(INDEX, ranked, top_k=3, max_chars=55)) == [("a", 0, 55), ("b", 0, 40)]


def test_passages_keep_rank_order_and_rounded_scores() -> None:
    merged = merge_passages(INDEX, [(4, 0.12345678), (2, 0.1), (0, 0.05)], top_k=2)
    assert _spans(merged) == [("b", 0, 40), ("a", 60, 90)]
    assert [p.score for p in merged] == [0.123457, 0.1]
    assert merge_passages(INDEX, [], top_k=3) == []
