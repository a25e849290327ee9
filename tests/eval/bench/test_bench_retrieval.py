"""eval.bench.retrieval's measures: rankings up to ties, recall against exact ids, the rebuild baseline's
extrapolation when it would not fit in memory."""

from __future__ import annotations

import numpy as np

from eval.bench.context import BenchConfig, Hints
from eval.bench.retrieval import rebuild_baseline, recall_at, same_ids, same_ranking


def test_same_ranking_allows_ties_not_other_scores() -> None:
    a = [(1, 2.0), (2, 1.0), (3, 1.0)]
    assert same_ranking(a, [(1, 2.0), (3, 1.0), (2, 1.00001)])
    assert not same_ids(a, [(1, 2.0), (3, 1.0), (2, 1.0)])
    assert not same_ranking(a, [(1, 2.0), (2, 0.9), (3, 1.0)])
    assert not same_ranking(a, a[:2])


def test_recall_counts_exact_ids_found() -> None:
    exact = np.array([[1, 2, 3, 4], [5, 6, -1, -1]])
    assert recall_at(exact, [[4, 3, 2, 1], [6, 5]], 4) == 1.0  # -1 = fewer exact hits than k
    assert recall_at(exact, [[1, 9, 9, 9], [5]], 4) == (0.25 + 0.5) / 2
    assert np.isnan(recall_at(exact[:0], [], 4))


def test_rebuild_baseline_extrapolates_when_it_would_not_fit() -> None:
    class Built:
        tokens = [["词"]] * 1000

    hints = Hints(rebuild_bytes_per_chunk=1e15, rebuild_chunks=100, rebuild_ms=[1.0, 2.0, 3.0])
    lat, same, info = rebuild_baseline(Built(), ["问"], [[]], BenchConfig(), None, hints)
    assert same is None and info["measured"] is False and "extrapolated linearly from 100 chunks" in info["note"]
    assert lat["extrapolated"] is True and lat["n"] == 3 and lat["p50"] == 20.0  # 10x the chunks, 10x the time
