"""eval.bench.report: a typed report and the bench.json written from it render and assess the same."""

from __future__ import annotations

import json
from pathlib import Path

from eval.bench.report import as_json, assess, console_summary, load_report, write_outputs
from eval.bench.results import BenchMeta, BenchReport, CorpusFailure


def test_saved_report_reads_back_and_renders_the_same(tmp_path: Path) -> None:
    meta = BenchMeta("2024-01-01T00:00:00+00:00", "bench", True, ["seed"], 4, 2018, {"cpus": 2}, None, {"name": "e"}, {}, [], seconds=1.0)
    report = BenchReport(meta, None, [CorpusFailure("seed", "RuntimeError: boom\ntraceback")])
    verdict = assess(report)
    report.targets, report.recommendations = verdict["targets"], verdict["recommendations"]
    assert all(t["met"] is None for t in report.targets)
    write_outputs(report, tmp_path, png=False)
    saved = load_report(tmp_path / "bench.json")
    assert saved == json.loads(json.dumps(as_json(report)))
    assert assess(saved) == verdict
    text = console_summary(report)
    assert text == console_summary(saved) and "seed: FAILED — RuntimeError: boom" in text
    assert not (tmp_path / "bench.png").exists()
