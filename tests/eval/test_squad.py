"""SQuAD-format conversion into a gold file and a .jsonl corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from embeddings.normalize import normalize_text
from eval.gold import GoldError, load_gold
from eval.squad import convert_file, evidence_window, main

CONTEXT_1 = (
    "长江大桥位于武汉市, 全长1670米。大桥于1957年10月15日建成通车(当时是长江上第一座大桥)。"
    "它由苏联专家协助设计，大桥局负责施工。"
)
CONTEXT_2 = "《红楼梦》是曹雪芹创作的长篇小说。书中人物超过四百个。"
SQUAD = {
    "version": "test",
    "data": [
        {
            "title": "长江大桥",
            "id": "A1",
            "paragraphs": [
                {
                    "id": "P1",
                    "context": CONTEXT_1,
                    "qas": [
                        {"id": "Q1", "question": "长江大桥全长多少米？",
                         "answers": [{"text": "1670米", "answer_start": CONTEXT_1.index("1670米")}]},
                        {"id": "Q2", "question": "大桥什么时候建成通车？",
                         "answers": [{"text": "1957年10月15日", "answer_start": CONTEXT_1.index("1957")},
                                     {"text": "1957年10月15日", "answer_start": CONTEXT_1.index("1957")}]},
                        # "(当时" becomes "（当时" after normalisation: found via the normalised answer
                        {"id": "Q3", "question": "当时它是什么？",
                         "answers": [{"text": "(当时是长江上第一座大桥)", "answer_start": CONTEXT_1.index("(")}]},
                        # not in the context at all: dropped and counted
                        {"id": "Q4", "question": "谁设计了大桥？",
                         "answers": [{"text": "不存在的答案", "answer_start": 0}]},
                    ],
                }
            ],
        },
        {
            "title": "红楼梦",
            "paragraphs": [
                {
                    "context": CONTEXT_2,
                    "qas": [
                        {"id": "Q5", "question": "《红楼梦》的作者是谁？",
                         "answers": [{"text": "曹雪芹", "answer_start": 6}]},
                        {"id": "Q6", "question": "书中有多少个人物？", "is_impossible": True, "answers": []},
                    ],
                }
            ],
        },
    ],
}


@pytest.fixture
def converted(tmp_path: Path) -> tuple[Path, object]:
    src = tmp_path / "mini_squad.json"
    src.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    return out, convert_file(src, out)


def test_writes_gold_and_corpus(converted: tuple[Path, object]) -> None:
    out, report = converted
    corpus = [json.loads(line) for line in (out / "corpus" / "mini_squad.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in corpus] == ["P1", "A2-1"]
    assert corpus[0] == {"id": "P1", "title": "长江大桥", "text": CONTEXT_1}
    gold = load_gold(out / "gold.jsonl")
    assert [g.id for g in gold] == ["Q1", "Q2", "Q3", "Q5", "Q6"]
    assert report.paragraphs == 2 and report.questions == 6 and report.written == 5  # type: ignore[attr-defined]
    assert report.dropped_answers == 1 and report.dropped_questions == 1  # type: ignore[attr-defined]


def test_gold_records_point_into_normalised_paragraphs(converted: tuple[Path, object]) -> None:
    out, _ = converted
    texts = {"P1": normalize_text(CONTEXT_1), "A2-1": normalize_text(CONTEXT_2)}
    gold = {g.id: g for g in load_gold(out / "gold.jsonl")}
    for g in gold.values():
        assert g.style in ("external", "unanswerable")
        if not g.answers:
            continue
        assert g.source == "mini_squad.jsonl"
        assert g.doc_id in texts and g.evidence is not None
        assert g.evidence in texts[g.doc_id]
        assert len(g.evidence) <= 80
        assert any(a in g.evidence for a in g.answers)
        assert all(a in texts[g.doc_id] for a in g.answers)
    assert gold["Q2"].answers == ["1957年10月15日"]  # duplicates merged
    assert gold["Q3"].answers == ["（当时是长江上第一座大桥）"]
    assert gold["Q1"].type == "number" and gold["Q2"].type == "date" and gold["Q5"].type == "person"
    assert gold["Q6"].answers == [] and gold["Q6"].type == "unanswerable" and gold["Q6"].doc_id is None


def test_evidence_window() -> None:
    text = "第一句很短。" + "甲" * 100 + "答案" + "乙" * 100 + "。尾句。"
    start = text.index("答案")
    window = evidence_window(text, start, start + 2)
    assert len(window) == 80 and "答案" in window and window in text
    assert evidence_window("前句。短句含答案。后句。", 6, 8) == "短句含答案。"
    long = "长" * 90
    assert evidence_window(long, 0, 90) == long  # longer than the limit: the answer alone


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "x.json"
    src.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    assert main([str(src), "--out", str(tmp_path / "o")]) == 0
    assert "5 questions over 2 paragraphs" in capsys.readouterr().out
    assert (tmp_path / "o" / "gold.jsonl").is_file() and (tmp_path / "o" / "corpus" / "x.jsonl").is_file()
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    assert main([str(bad), "--out", str(tmp_path / "b")]) == 2
    with pytest.raises(GoldError):
        convert_file(tmp_path / "missing.json", tmp_path / "m")


def test_paragraph_given_reads_each_question_against_its_own_paragraph(tmp_path: Path, make_settings, converted) -> None:  # noqa: ANN001
    from eval.runner import run_eval

    _, conversion = converted
    settings = make_settings(tmp_path / "index", [conversion.corpus_path.parent])
    report = run_eval(conversion.gold_path, settings, systems=["hybrid+rules"], progress=False, given=True)
    items = report.systems[0].items
    answerable = [r for r in items if r.answers]
    assert answerable and all(r.error is None for r in items)
    # Every answer cites the question's own paragraph (nothing was retrieved from elsewhere).
    assert all(r.cited is None or r.cited["doc_id"] == r.doc_id for r in answerable)
    assert all(r.retrieved == [r.doc_id] for r in answerable)
