"""eval.bench.run: a miniature benchmark run end to end, and the forked child's result and failure paths.

Fast: the tiny encoder of conftest.py, a 400-chunk synthetic corpus and 12 questions per method.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def test_mini_bench_writes_json_and_png(tmp_path: Path, tiny_encoder) -> None:  # noqa: ANN001
    from eval.bench.report import console_summary
    from eval.bench.run import BenchConfig, run_bench
    from qa import Settings

    settings = Settings(index_dir=tmp_path / "unused", corpus=[SEEDS], model_cache_dir=tmp_path / "models")
    cfg = BenchConfig(
        corpora=["seed", "400"],
        out_dir=tmp_path / "bench",
        queries=12,
        seeds_dir=SEEDS,
        cmrc_path=tmp_path / "no-cmrc.json",
        real_max=0,
        throughput_sample=40,
        rebuild_budget_s=2.0,
        isolate=False,
        progress=False,
    )
    report = run_bench(cfg, settings, encoder=tiny_encoder, codes={})

    saved = json.loads((cfg.out_dir / "bench.json").read_text(encoding="utf-8"))
    png = (cfg.out_dir / "bench.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert [c["name"] for c in saved["corpora"]] == ["seed", "400"]
    assert not [c for c in saved["corpora"] if "error" in c]
    for corpus in saved["corpora"]:
        for kind in ("hnsw", "ivf"):
            assert 0.0 <= corpus["recall"][kind]["recall@10"] <= 1.0
            assert all(0.0 <= row["recall@10"] <= 1.0 for row in corpus["sweep"][kind])
        assert corpus["checks"]["flat_equals_numpy"] == 1.0
        assert corpus["checks"]["bm25_equals_rebuild"] == 1.0
        assert corpus["checks"]["bm25_equals_bm25s"] == 1.0 and corpus["bm25s"]["build_s"] > 0
        for method in ("numpy_exact", "flat", "hnsw", "ivf", "bm25", "bm25s", "retrieve", "retrieve_dense", "answer"):
            lat = corpus["latency"][method]
            assert lat["n"] == 12, method
            assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"], method
        assert corpus["latency"]["bm25_rebuild"]["n"] >= 1
        assert corpus["disk"]["total_bytes"] > 0 and corpus["memory"]["load_s"] >= 0
    synthetic = saved["corpora"][1]
    assert synthetic["chunks"] == 400
    assert synthetic["build"]["encode"]["method"] == "extrapolated"
    assert synthetic["build"]["composition_check"]["tokens_identical"] == synthetic["build"]["composition_check"]["sample"]
    targets = {t["target"]: t for t in saved["targets"]}
    assert len(targets) == 4  # 1M, seed retrieval p50, seed answer p95, 10k rebuild (no cold start in this run)
    assert targets["seed corpus: retrieval p50 <= 20 ms"]["met"] in (True, False)
    assert targets["seed corpus: qa ask end to end p95 <= 300 ms (models loaded)"]["met"] in (True, False)
    assert not report.failed and [c.name for c in report.corpora] == ["seed", "400"]
    assert saved == json.loads(json.dumps(report.to_dict(), ensure_ascii=False, default=str))  # bench.json is the typed report
    assert saved["meta"]["finished_at"] and saved["meta"]["seconds"] >= 0 and saved["throughput_sample"]["sample"] == 40
    text = console_summary(report)
    assert "Targets" in text and "seed" in text and "400" in text and "bm25s" in text


def _ok(name, shared, cfg, hints):  # noqa: ANN001, ANN202
    hints.load_bytes_per_chunk = 123.0
    return {"name": name, "pid": os.getpid()}


def _boom(name, shared, cfg, hints):  # noqa: ANN001, ANN202
    hints.rebuild_chunks = 7
    raise RuntimeError("broken corpus")


def test_forked_child_returns_its_result_and_hints(tmp_path: Path) -> None:
    from eval.bench.context import BenchConfig, Hints
    from eval.bench.results import CorpusFailure
    from eval.bench.run import _run

    cfg, hints = BenchConfig(out_dir=tmp_path, progress=False), Hints()
    result = _run(_ok, "seed", None, cfg, hints)
    assert result["name"] == "seed" and result["pid"] != os.getpid()  # measured in its own process
    assert hints.load_bytes_per_chunk == 123.0  # the child's hints come back
    failed = _run(_boom, "10k", None, cfg, hints)
    assert isinstance(failed, CorpusFailure) and failed.name == "10k"
    assert failed.error.startswith("RuntimeError: broken corpus") and "Traceback" in failed.error
    assert failed.to_dict() == {"name": "10k", "error": failed.error}
    assert hints.rebuild_chunks == 7 and hints.load_bytes_per_chunk == 123.0
    in_process = _run(_ok, "seed", None, BenchConfig(out_dir=tmp_path, isolate=False), Hints())
    assert in_process["pid"] == os.getpid()
