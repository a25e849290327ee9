"""Report rendering (console, JSON, Markdown, PNG) and the runner's scoring, over a scripted pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from embeddings.documents import Document
from embeddings.normalize import normalize_text
from eval.report import console_summary, display_width, format_table
from eval.runner import SYSTEMS, run_eval, worst_misses
from qa.types import Answer, Citation, IndexInfo, Passage


class ScriptedPipe:
    """Stands in for QAPipeline: passages in a fixed order, answers the first gold answer found (rules)."""

    def __init__(self, docs: list[Document], answers: dict[str, str | None], mode: str = "hybrid", reader: str = "rules") -> None:
        self.docs, self.answers, self.mode, self.reader = docs, answers, mode, reader

    @property
    def documents(self) -> list[Document]:
        return self.docs

    def info(self) -> IndexInfo:
        n = len(self.docs)
        return IndexInfo(
            index_dir="scripted", version="v1", built_at=None, documents=n, files=n, chunks=n, encoder="scripted",
            encoder_dimension=0, index_type="flat", retrieval=self.mode, fusion={}, reader=self.reader,
            abstain_threshold=0.0, evidence_threshold=None, corpus=[],
        )

    def with_options(self, *, retrieval_mode: str | None = None, reader: str | None = None) -> ScriptedPipe:
        return ScriptedPipe(self.docs, self.answers, retrieval_mode or self.mode, reader or self.reader)

    def ask(self, question: str, *, top_k: int | None = None, passages: list[Passage] | None = None) -> Answer:
        if question == "boom":
            raise RuntimeError("scripted failure")
        passages = [Passage(d.doc_id, d.source, d.title, f"{d.doc_id}:0", 0, len(d.text), d.text, 1.0) for d in self.docs]
        if self.mode == "dense":
            passages.reverse()
        text = self.answers.get(question)
        shown = passages[: top_k or 5]
        for d in self.docs:
            start = d.text.find(text) if text is not None else -1
            if start >= 0:
                cite = Citation(d.doc_id, d.source, d.title, f"{d.doc_id}:0", start, start + len(text), d.text, 0)
                score = 0.8 if self.reader == "rules" else 0.5
                return Answer(question, text, score, [cite], shown, retrieval=self.mode, reader=self.reader)
        message = "not found" if text is None else None
        return Answer(question, None, 0.2, passages=shown, message=message, retrieval=self.mode, reader=self.reader)


@pytest.fixture
def scripted(tiny_articles: dict[str, str], tiny_gold_records: list[dict[str, Any]]) -> ScriptedPipe:
    answers: dict[str, str | None] = {r["question"]: (r["answers"][0] if r["answers"] else None) for r in tiny_gold_records}
    answers["杭州图书馆的馆长是谁？"] = "杭州图书馆"  # a wrong span
    answers["大桥的主跨有多长？"] = None  # a false abstention
    answers["上海博物馆的门票多少钱？"] = "三百个"  # answers an unanswerable question
    docs = [Document(Path(n).stem, n, n, normalize_text(t)) for n, t in tiny_articles.items()]
    return ScriptedPipe(docs, answers)


def test_width_aware_table() -> None:
    table = format_table(["名称", "n"], [["长江大桥", "1"], ["ab", "22"]])
    lines = table.splitlines()
    assert display_width("长江") == 4
    assert len({display_width(line) for line in lines}) == 1


def test_report_outputs(tmp_path: Path, tiny_gold: Path, scripted: ScriptedPipe) -> None:
    out = tmp_path / "out"
    report = run_eval(tiny_gold, None, out_dir=out, progress=False, pipe=scripted)  # type: ignore[arg-type]
    assert [s.name for s in report.systems] == list(SYSTEMS)
    product = report.systems[0]
    items = {r.id: r for r in product.items}
    assert items["b1"].em == 1.0 and items["b1"].source_ok is True and items["b1"].hit_rank == 1
    assert items["l1"].f1 == 0.0 and items["l1"].source_ok is True
    assert items["b2"].predicted is None and items["b2"].source_ok is False
    assert items["u1"].f1 == 0.0 and items["u2"].f1 == 1.0
    m = product.overall
    assert m.abstention_accuracy == 0.5 and m.false_abstention_rate == pytest.approx(1 / 6)
    assert m.recall_at_1 == pytest.approx(3 / 6)  # bridge.txt is ranked first
    assert m.recall_at_5 == 1.0
    dense = report.system("dense+neural").overall
    assert dense.recall_at_1 == pytest.approx(1 / 6) and dense.mrr_at_10 is not None

    worst = [r.id for r in report.worst]
    assert worst[:2] == ["l1", "u1"] and "b2" in worst and "b1" not in worst
    assert {r.id for r in worst_misses(product.items, 1)} == {"l1"}

    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["systems"][0]["overall"]["abstention_accuracy"] == 0.5
    assert data["worst"][0]["passage"]["source"] == "library.txt"
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "杭州图书馆的馆长是谁？" in md and "wrong span" in md and "false abstention" in md
    assert "![" in md and (out / "report.png").stat().st_size > 10_000
    text = console_summary(report)
    assert "hybrid+sentence" in text and "by type" in text and "by style" in text


def test_question_errors_are_reported(tmp_path: Path, scripted: ScriptedPipe) -> None:
    gold = tmp_path / "g.jsonl"
    gold.write_text(json.dumps({"id": "x", "question": "boom", "answers": [], "type": "unanswerable",
                                "style": "unanswerable"}) + "\n", encoding="utf-8")
    report = run_eval(gold, None, progress=False, pipe=scripted, systems=["bm25+neural"])  # type: ignore[arg-type]
    assert [s.name for s in report.systems] == ["bm25+neural"]
    assert report.systems[0].items[0].error == "RuntimeError: scripted failure"
    assert "raised an error" in console_summary(report)
