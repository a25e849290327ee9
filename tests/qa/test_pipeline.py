"""End-to-end answers over a real index of the seed corpus."""

from __future__ import annotations

import json

import pytest

from qa.errors import QuestionError


def test_answer_is_an_exact_cited_span(seed_pipeline) -> None:  # noqa: ANN001
    answer = seed_pipeline.ask("全国地方公安机关共设置了多少个公安派出所？")
    assert answer.text == "4万余个"
    cite = answer.citations[0]
    doc = seed_pipeline.document(cite.doc_id)
    assert doc.text[cite.start : cite.end] == answer.text
    assert doc.text[cite.quote_start : cite.quote_start + len(cite.quote)] == cite.quote
    assert cite.quote_start <= cite.start and cite.end <= cite.quote_start + len(cite.quote)
    assert cite.source.startswith("000_") and cite.title
    assert answer.encoder == "wenda-e5-small" and answer.passages


def test_passages_are_ranked_offsets_into_articles(seed_pipeline) -> None:  # noqa: ANN001
    answer = seed_pipeline.ask("正阳派出所建所多少年了？", top_k=5)
    assert 1 <= len(answer.passages) <= 5
    scores = [p.score for p in answer.passages]
    assert scores == sorted(scores, reverse=True)
    for p in answer.passages:
        assert seed_pipeline.document(p.doc_id).text[p.start : p.end] == p.text
    # No two passages of one article overlap (overlapping chunks are merged).
    for i, a in enumerate(answer.passages):
        for b in answer.passages[i + 1 :]:
            assert a.doc_id != b.doc_id or a.end <= b.start or b.end <= a.start


def test_unrelated_question_abstains(seed_pipeline) -> None:  # noqa: ANN001
    answer = seed_pipeline.ask("火星上的大气压是多少帕斯卡？")
    assert answer.text is None and answer.citations == []
    assert "没有找到答案" in answer.message


def test_answer_json_round_trip(seed_pipeline) -> None:  # noqa: ANN001
    data = json.loads(json.dumps(seed_pipeline.ask("莲前派出所辖区有多少人口？").to_dict(), ensure_ascii=False))
    assert set(data) >= {"text", "score", "citations", "passages", "encoder", "reader", "latency_ms"}
    assert {"doc_id", "source", "title", "chunk_id", "start", "end", "quote"} <= set(data["citations"][0])


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_rejected(seed_pipeline, question: str) -> None:  # noqa: ANN001
    with pytest.raises(QuestionError, match="empty"):
        seed_pipeline.ask(question)


def test_overlong_question_is_rejected(seed_pipeline) -> None:  # noqa: ANN001
    with pytest.raises(QuestionError, match="limit"):
        seed_pipeline.ask("派出所" * 1000)


def test_baselines_share_the_index(seed_pipeline) -> None:  # noqa: ANN001
    bm25 = seed_pipeline.with_options(retrieval_mode="bm25")
    sentence = seed_pipeline.with_options(reader="sentence")
    assert bm25.index is seed_pipeline.index and bm25.retrieval_mode == "bm25"
    whole = sentence.ask("全国地方公安机关共设置了多少个公安派出所？")
    assert whole.text and "4万余个" in whole.text and len(whole.text) > len("4万余个")


def test_evidence_gate_is_the_readers_own_unless_configured(seed_pipeline) -> None:  # noqa: ANN001
    from qa.pipeline import QAPipeline
    from qa.reader.question import analyse

    assert seed_pipeline.evidence_threshold == seed_pipeline.reader.evidence_threshold
    assert seed_pipeline.with_options(reader="rules").evidence_threshold is None
    question = "全国地方公安机关共设置了多少个公安派出所？"
    assert seed_pipeline.ask(question).text == "4万余个"
    strict_settings = seed_pipeline.settings.model_copy(update={"evidence_threshold": 1.01})
    strict = QAPipeline(strict_settings, seed_pipeline.index, seed_pipeline.encoder, codes=seed_pipeline.codes)
    assert strict.evidence_threshold == 1.01
    passages = strict.retrieve(question, strict.settings.read_k)
    result = strict.reader.read(analyse(question), passages, strict.index.doc_by_id)
    answer = strict.ask(question)
    if result is not None and result.evidence is not None:  # a reader that reports evidence is gated by it
        assert answer.text is None and answer.candidate == "4万余个"
    else:  # no evidence reported (the rule reader's score is the evidence itself): no separate gate
        assert answer.text == "4万余个"


def test_a_year_the_answers_passage_lacks_is_named_in_the_not_found_message() -> None:
    from qa.pipeline import NOT_FOUND, not_found
    from qa.types import Passage, ReaderResult

    passage = Passage("d1", "a.txt", "标题", "d1#0", 0, 17, "2023年有253名民警因公牺牲。", 1.0)
    gated = ReaderResult(passage, 9, 13, 0, 17, 0.9, abstained=True, missing_years=("2022",))
    assert not_found(gated) == "资料中没有找到答案：可能的答案所在的段落没有提到2022年，说的不一定是这一年的情况。"
    assert not_found(ReaderResult(passage, 9, 13, 0, 17, 0.2, abstained=True)) == NOT_FOUND
    assert not_found(None) == NOT_FOUND
