import math
from pathlib import Path

import numpy as np
import pytest

from embeddings.bm25 import BM25Index
from embeddings.tokenize import tokenize


def test_tokenize_drops_stopwords_keeps_numbers() -> None:
    tokens = tokenize("全国共设置公安派出所4万余个，建成率达99.3%。")
    assert "派出所" in tokens and "99.3%" in tokens and "4" in tokens
    assert "，" not in tokens and "的" not in tokens


def test_bm25_ranks_and_persists(tmp_path: Path) -> None:
    docs = [tokenize(t) for t in ["派出所民警在街上巡逻", "今天股市上涨", "民警调解邻里纠纷", "派出所"]]
    index = BM25Index.build(docs)
    hits = index.search(tokenize("民警巡逻"), 10)
    assert hits[0][0] == 0
    assert {i for i, _ in hits} == {0, 2}
    index.save(tmp_path)
    again = BM25Index.load(tmp_path)
    assert np.allclose(again.scores(tokenize("民警巡逻")), index.scores(tokenize("民警巡逻")))
    assert again.search(["没有这个词"], 5) == []


def test_idf_is_lucenes_over_chunks() -> None:
    index = BM25Index.build([["派出所", "民警"], ["民警"], ["股市"]])
    n = 3
    # numpy's vectorised log1p may differ from math.log1p in the last bit, depending on the CPU's SIMD path
    assert index.idf("民警") == pytest.approx(math.log1p((n - 2 + 0.5) / (2 + 0.5)), rel=1e-12)
    assert index.idf("股市") == pytest.approx(math.log1p((n - 1 + 0.5) / (1 + 0.5)), rel=1e-12)
    assert index.idf("没有这个词") == pytest.approx(math.log1p((n + 0.5) / 0.5), rel=1e-12)  # as if in no chunk
    assert index.idf_table().dtype == np.float64 and index.idf_table() is index.idf_table()
