"""eval.bench.context: corpus names, the questions asked of each corpus, the hints carried between corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.bench.context import (
    BenchConfig,
    Hints,
    Shared,
    corpus_settings,
    parse_size,
    pick_queries,
    queries_for,
)


def test_parse_size() -> None:
    assert parse_size("seed") is None and parse_size("CMRC") is None
    assert parse_size("10k") == 10_000 and parse_size("1m") == 1_000_000 and parse_size("2.5k") == 2500 and parse_size("400") == 400
    for bad in ("tiny", "0", "-3k"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_queries_per_corpus() -> None:
    shared = Shared(None, None, {}, [f"s{i}" for i in range(10)], [f"c{i}" for i in range(10)])
    cfg = BenchConfig(queries=6)
    seed, source = queries_for("seed", shared, cfg)
    assert len(seed) == 6 and set(seed) <= set(shared.seed_questions) and source == "seed gold questions"
    assert queries_for("seed", shared, cfg) == (seed, source)  # reproducible
    assert set(queries_for("cmrc", shared, cfg)[0]) <= set(shared.cmrc_questions)
    mixed, source = queries_for("10k", shared, cfg)
    assert [q[0] for q in mixed] == ["s", "c"] * 3 and "alternating" in source
    assert sorted(pick_queries(["a", "b"], 5, 1)) == ["a", "b"]


def test_hints_absorb_a_childs_copy() -> None:
    hints, child = Hints(), Hints(rebuild_bytes_per_chunk=2.0, rebuild_chunks=10, rebuild_ms=[1.0])
    hints.absorb(child)
    assert hints == child and hints is not child


def test_corpus_settings(tmp_path: Path) -> None:
    from qa import Settings

    shared = Shared(Settings(index_dir=tmp_path / "x"), None, {}, [], [])
    cfg = BenchConfig(out_dir=tmp_path / "out", seeds_dir=tmp_path / "seeds")
    assert corpus_settings("10k", shared, cfg).index_dir == tmp_path / "out" / "indexes" / "10k"
    assert corpus_settings("seed", shared, cfg).corpus == [tmp_path / "seeds"]
    assert corpus_settings("cmrc", shared, cfg).corpus == [tmp_path / "out" / "cmrc-data" / "corpus"]
