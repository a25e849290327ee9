"""End to end: a tiny corpus and gold file through the real pipeline, every system, every output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from embeddings.normalize import normalize_text
from eval.report import console_summary
from eval.runner import SYSTEMS, run_eval
from qa import Settings

pytestmark = pytest.mark.slow


def test_tiny_gold_is_consistent(tiny_articles: dict[str, str], tiny_gold_records: list[dict[str, Any]]) -> None:
    for record in tiny_gold_records:
        if record["evidence"] is not None:
            assert record["evidence"] in normalize_text(tiny_articles[record["source"]])
            assert any(a in record["evidence"] for a in record["answers"])


def test_run_eval_end_to_end(
    tmp_path: Path,
    tiny_corpus: Path,
    tiny_gold: Path,
    tiny_gold_records: list[dict[str, Any]],
    make_settings: Callable[..., Settings],
) -> None:
    gold = tiny_gold_records
    settings = make_settings(tmp_path / "index", [tiny_corpus])
    out = tmp_path / "out"
    report = run_eval(tiny_gold, settings, top_k=10, out_dir=out, progress=False)

    # every system ran every question, the product first
    assert [s.name for s in report.systems] == list(SYSTEMS)
    assert all(len(s.items) == len(gold) for s in report.systems)
    assert report.top_k == 10 and report.questions == len(gold)
    assert not report.gold_warnings
    assert not [r.error for s in report.systems for r in s.items if r.error]

    product = report.systems[0]
    assert set(product.by_type) == {r["type"] for r in gold}
    assert set(product.by_style) == {r["style"] for r in gold}
    assert product.overall.answerable == 6 and product.overall.unanswerable == 2
    for s in report.systems:
        m = s.overall
        for value in (m.f1, m.em, m.recall_at_1, m.recall_at_5, m.recall_at_10, m.mrr_at_10, m.source_at_1,
                      m.abstention_accuracy, m.false_abstention_rate):
            assert value is not None and 0.0 <= value <= 1.0
        assert m.recall_at_1 <= m.recall_at_5 <= m.recall_at_10  # type: ignore[operator]
        assert m.latency_p50_ms is not None and m.latency_p50_ms > 0
        assert s.curve and s.curve[0].coverage >= s.curve[-1].coverage
    # three tiny articles: the retrievers find the evidence for nearly everything
    assert product.overall.recall_at_10 is not None and product.overall.recall_at_10 >= 0.8
    for r in product.items:
        if r.predicted is not None and r.cited is not None:
            assert r.cited["end"] - r.cited["start"] == len(r.predicted)

    # all four outputs
    for name in ("report.json", "report.md", "report.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in data["systems"]] == list(SYSTEMS)
    for s in data["systems"]:
        assert {"overall", "by_type", "by_style", "curve", "items"} <= set(s)
        assert set(s["by_type"]) == {r["type"] for r in gold}
    assert len(data["worst"]) <= 20
    md = (out / "report.md").read_text(encoding="utf-8")
    for name in SYSTEMS:
        assert f"| {name} |" in md
    assert "by type" in md and "by style" in md and "worst misses" in md
    table = console_summary(report)
    for name in SYSTEMS:
        assert name in table
    assert "unanswerable" in table and "paraphrase" in table
