"""Evaluation with a user's own labels, and a report that says what it measured over how many questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_report import ScriptedPipe

from embeddings.documents import Document
from embeddings.normalize import normalize_text
from eval.chart import chart_figure
from eval.report import bottom_line, console_summary, identical_groups, render_markdown
from eval.runner import SYSTEMS, run_eval

PRODUCT = list(SYSTEMS)[0]


class Pipe(ScriptedPipe):
    """The scripted pipeline, taking whatever extra options the runner passes."""

    def with_options(self, *, retrieval_mode: str | None = None, reader: str | None = None) -> Pipe:
        return Pipe(self.docs, self.answers, retrieval_mode or self.mode, reader or self.reader)

    def ask(self, question: str, *, top_k: int | None = None, **_: Any) -> Any:
        return super().ask(question, top_k=top_k)


def run(tmp_path: Path, records: list[dict[str, Any]], articles: dict[str, str], answers: dict[str, str | None]) -> Any:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    docs = [Document(Path(n).stem, n, n, normalize_text(t)) for n, t in articles.items()]
    return run_eval(gold, None, out_dir=tmp_path / "out", progress=False, pipe=Pipe(docs, answers), systems=list(SYSTEMS))


def test_own_type_and_style_labels_are_their_own_groups(tmp_path: Path, tiny_articles: dict[str, str], tiny_gold_records: list[dict[str, Any]]) -> None:
    records = tiny_gold_records
    records[0]["type"], records[0]["style"] = "multi-hop", "my-style"
    answers = {r["question"]: (r["answers"][0] if r["answers"] else None) for r in records}
    report = run(tmp_path, records, tiny_articles, answers)
    product = report.systems[0]
    assert product.by_type["multi-hop"].n == 1 and product.by_style["my-style"].n == 1
    assert "multi-hop" in console_summary(report) and "my-style" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


def test_report_opens_with_a_bottom_line_and_counts_each_metric(tmp_path: Path, tiny_articles: dict[str, str], tiny_gold_records: list[dict[str, Any]]) -> None:
    answers = {r["question"]: (r["answers"][0] if r["answers"] else None) for r in tiny_gold_records}
    answers["杭州图书馆的馆长是谁？"] = "杭州图书馆"  # a wrong span: person becomes the weakest type
    report = run(tmp_path, tiny_gold_records, tiny_articles, answers)
    line = bottom_line(report)
    assert line.startswith(f"Bottom line: {PRODUCT}") and "6 answerable" in line and "2 unanswerable" in line
    assert "EM " in line and "F1 " in line and "Weakest types: person" in line
    md = render_markdown(report)
    assert md.index("Bottom line:") < md.index("## Systems")
    header = next(row for row in md.splitlines() if row.startswith("| system |"))
    assert "| ans | unans |" in header
    row = next(r for r in md.splitlines() if r.startswith(f"| {PRODUCT} |"))
    assert row.split("|")[2:5] == [" 8 ", " 6 ", " 2 "]


def test_identical_systems_are_named_and_drawn_once(tmp_path: Path, tiny_articles: dict[str, str], tiny_gold_records: list[dict[str, Any]]) -> None:
    answers = {r["question"]: (r["answers"][0] if r["answers"] else None) for r in tiny_gold_records}
    report = run(tmp_path, tiny_gold_records, tiny_articles, answers)
    groups = identical_groups(report)
    assert sorted(n for g in groups for n in g) == sorted(SYSTEMS) and any(len(g) > 1 for g in groups)
    same = next(g for g in groups if len(g) > 1)
    assert " = ".join(same) in console_summary(report) and "Identical results" in render_markdown(report)
    fig = chart_figure(report)
    bar_axes, curve_axes = fig.axes
    assert bar_axes.get_legend() is None  # the systems' legend sits below the plots, never over the bars
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert labels == [" = ".join(g) for g in groups]
    styles = [t.get_text() for t in curve_axes.get_legend().get_texts()]
    assert any("accuracy" in s for s in styles) and any("F1" in s for s in styles)
