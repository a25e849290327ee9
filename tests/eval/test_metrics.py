"""Answer normalisation, EM/F1, retrieval hits and aggregate metrics."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from eval.gold import GoldItem
from eval.metrics import (
    breakdown,
    compute_metrics,
    coverage_curve,
    first_hit_rank,
    passage_hit,
    percentile,
    same_document,
)
from eval.results import ItemResult
from qa.answer_match import answer_tokens, exact_match, f1_score, normalize_answer


@dataclass
class P:
    doc_id: str
    source: str
    text: str


def item(**kw: object) -> GoldItem:
    base: dict[str, object] = {
        "id": "q",
        "question": "？",
        "answers": ["1700米"],
        "source": "a.txt",
        "evidence": "主跨达到1700米",
        "type": "number",
        "style": "lexical",
    }
    base.update(kw)
    return GoldItem(**base)  # type: ignore[arg-type]


def result(**kw: object) -> ItemResult:
    base: dict[str, object] = {
        "id": "q", "question": "？", "type": "number", "style": "lexical", "answers": ["a"], "source": "a.txt",
        "doc_id": None, "evidence": None, "predicted": "a", "score": 0.9, "em": 1.0, "f1": 1.0,
        "hit_rank": 1, "source_ok": True, "latency_ms": 10.0,
    }
    base.update(kw)
    return ItemResult(**base)  # type: ignore[arg-type]


def test_normalize_drops_whitespace_and_punctuation() -> None:
    assert normalize_answer(" 《红楼梦》， ") == "红楼梦"
    assert normalize_answer("ＡＢＣ　１２") == "abc12"  # NFKC + lower case
    assert normalize_answer("“武汉”、长江!") == "武汉长江"
    assert normalize_answer("3.5%") == "3.5%"  # decimal point and percent kept
    assert normalize_answer("...") == ""


def test_tokens_keep_ascii_runs_whole() -> None:
    assert answer_tokens("2019年10月") == ["2019", "年", "10", "月"]
    assert answer_tokens("NBA球员") == ["nba", "球", "员"]


def test_exact_match_is_max_over_golds() -> None:
    assert exact_match("《红楼梦》", ["西游记", "红楼梦"]) == 1.0
    assert exact_match("红楼", ["红楼梦"]) == 0.0
    assert exact_match(None, ["红楼梦"]) == 0.0
    assert exact_match("红楼梦", []) == 0.0


def test_f1_character_level() -> None:
    assert f1_score("红楼梦", ["红楼梦"]) == 1.0
    assert f1_score("红楼", ["红楼梦"]) == pytest.approx(0.8)
    assert f1_score("北京", ["上海", "北京市"]) == pytest.approx(0.8)
    assert f1_score("2021年", ["2022年"]) == pytest.approx(0.5)  # numbers are one token
    assert f1_score(None, ["x"]) == 0.0
    assert f1_score("，", ["x"]) == 0.0


def test_same_document_prefers_doc_id() -> None:
    with_doc = item(doc_id="P1", source="c.jsonl")
    assert same_document(with_doc, "P1", "c.jsonl") is True
    assert same_document(with_doc, "P1#2", "c.jsonl") is True  # a section of the record
    assert same_document(with_doc, "P2", "c.jsonl") is False
    assert same_document(item(), "x", "sub/a.txt") is True
    assert same_document(item(), "x", "b.txt") is False
    assert same_document(item(source=None), "x", "b.txt") is None


def test_passage_hit_rules() -> None:
    gold = item()
    assert passage_hit(P("a", "a.txt", "大桥全长4.13公里，主跨达到1700米。"), gold)
    assert passage_hit(P("a", "a.txt", "全长1700米"), gold)  # answer in the gold source
    assert not passage_hit(P("b", "b.txt", "主跨达到1700米"), gold)  # wrong source
    assert not passage_hit(P("a", "a.txt", "没有答案"), gold)
    evidence_only = item(source=None)
    assert passage_hit(P("b", "b.txt", "主跨达到1700米"), evidence_only)
    assert not passage_hit(P("b", "b.txt", "全长1700米"), evidence_only)
    assert not passage_hit(P("a", "a.txt", "x"), item(answers=[], source=None, evidence=None))


def test_first_hit_rank_within_k() -> None:
    gold = item()
    passages = [P("b", "b.txt", "x"), P("a", "a.txt", "y"), P("a", "a.txt", "主跨达到1700米")]
    assert first_hit_rank(passages, gold) == 3
    assert first_hit_rank(passages, gold, k=2) is None


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)
    assert percentile([5.0], 95) == 5.0


def test_compute_metrics() -> None:
    rows = [
        result(id="a", hit_rank=1, em=1.0, f1=1.0),
        result(id="b", hit_rank=4, em=0.0, f1=0.5, source_ok=False),
        result(id="c", hit_rank=None, predicted=None, em=0.0, f1=0.0, source_ok=False),
        result(id="d", answers=[], predicted=None, em=1.0, f1=1.0, hit_rank=None, source_ok=None),
        result(id="e", answers=[], predicted="x", em=0.0, f1=0.0, hit_rank=None, source_ok=None),
    ]
    m = compute_metrics(rows)
    assert (m.n, m.answerable, m.unanswerable) == (5, 3, 2)
    assert m.em == pytest.approx(1 / 3)
    assert m.f1 == pytest.approx(0.5)
    assert m.f1_all == pytest.approx(2.5 / 5)
    assert m.recall_at_1 == pytest.approx(1 / 3)
    assert m.recall_at_5 == pytest.approx(2 / 3)
    assert m.recall_at_10 == pytest.approx(2 / 3)
    assert m.mrr_at_10 == pytest.approx((1 + 0.25) / 3)
    assert m.source_at_1 == pytest.approx(1 / 3)
    assert m.abstention_accuracy == pytest.approx(0.5)
    assert m.false_abstention_rate == pytest.approx(1 / 3)
    assert m.latency_p50_ms == pytest.approx(10.0)


def test_metrics_undefined_groups_are_none() -> None:
    m = compute_metrics([result(answers=[], predicted=None, hit_rank=None, source_ok=None)])
    assert m.f1 is None and m.recall_at_5 is None and m.false_abstention_rate is None
    assert m.abstention_accuracy == 1.0


def test_breakdown_by_type() -> None:
    rows = [result(id="a", type="date"), result(id="b", type="number"), result(id="c", type="date", f1=0.0)]
    groups = breakdown(rows, lambda r: r.type)
    assert list(groups) == ["date", "number"]
    assert groups["date"].n == 2 and groups["date"].f1 == pytest.approx(0.5)


def test_coverage_curve() -> None:
    rows = [
        result(id="a", score=0.9, f1=1.0),
        result(id="b", score=0.5, f1=0.0),
        result(id="c", answers=[], predicted="x", score=0.4, f1=0.0, em=0.0),
        result(id="d", answers=[], predicted=None, score=0.1, f1=1.0),
    ]
    curve = coverage_curve(rows)
    assert [p.coverage for p in curve] == [0.75, 0.5, 0.25, 0.0]
    assert curve[0].threshold == 0.4
    assert curve[0].accuracy == pytest.approx(2 / 4)  # a right, d rightly abstained
    assert curve[1].accuracy == pytest.approx(3 / 4)  # c now abstains too
    assert curve[2].answered_f1 == 1.0
    assert curve[-1].answered_f1 is None
    assert coverage_curve([]) == []
