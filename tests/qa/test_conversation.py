"""Multi-turn chat over a real index of the seed articles: follow-ups are rewritten into standalone questions
that retrieval and the reader both read, new topics are not, and a reset really empties the context."""

from __future__ import annotations

from typing import Any

import pytest

from qa.conversation import DANGLING, EVIDENCE_GATE, Conversation, Reading, _pick, subject_of
from qa.dialogue.prefer import prefer
from qa.dialogue.rewrite import Rewrite
from qa.pipeline import QAPipeline
from qa.types import Passage

LIANQIAN_ARTICLE = "000_7ad084b82bbd61de#4"


def test_subject_extraction() -> None:
    assert subject_of("莲前派出所辖区有多少人口？") == ["莲前派出所"]
    assert subject_of("那它的面积呢？") == []


def test_the_issue_example_is_rewritten_and_retrieval_prefers_the_previous_article(seed_pipeline: Any) -> None:
    chat = Conversation(seed_pipeline)
    first = chat.ask("莲前派出所辖区有多少人口？")
    assert first.understood_as is None and first.query == first.question
    second = chat.ask("那它的面积呢？")
    assert second.question == "那它的面积呢？"
    assert second.understood_as is not None and "莲前派出所" in second.understood_as
    assert second.query == second.understood_as  # retrieval read the rewrite …
    plan_texts = [r.text for r in Conversation(seed_pipeline).plan("那它的面积呢？").rewrites]  # … no context: none
    assert plan_texts == []
    assert second.passages[0].doc_id == LIANQIAN_ARTICLE
    assert chat.turns[-1].understood == second.understood_as


def test_a_question_naming_its_own_subject_starts_a_new_topic(seed_pipeline: Any) -> None:
    chat = Conversation(seed_pipeline)
    chat.ask("莲前派出所辖区有多少人口？")
    plan = chat.plan("正阳派出所建所多少年了？")
    assert plan.kind == "new" and plan.rewrites == ()
    answer = chat.ask("正阳派出所建所多少年了？")
    assert answer.understood_as is None and answer.query == answer.question
    assert chat.plan("他身高多少？").kind == "follow-up"


def test_a_long_question_without_a_name_is_read_both_ways(seed_pipeline: Any) -> None:
    chat = Conversation(seed_pipeline)
    chat.ask("莲前派出所辖区有多少人口？")
    plan = chat.plan("全国地方公安机关共设置了多少个公安派出所？")
    assert plan.kind == "open" and plan.as_is and plan.rewrites
    assert chat.plan("所长是谁？").kind == "follow-up"


def test_reset_empties_the_context(seed_pipeline: Any) -> None:
    chat = Conversation(seed_pipeline)
    chat.ask("莲前派出所辖区有多少人口？")
    chat.reset()
    assert chat.turns == []
    answer = chat.ask("那它的面积呢？")
    assert answer.understood_as is None and answer.query == "那它的面积呢？"
    assert answer.text is None and answer.message == DANGLING  # not answered from the old topic


def test_when_no_rewrite_is_answerable_the_bot_says_what_it_understood(seed_pipeline: Any) -> None:
    strict = QAPipeline(
        seed_pipeline.settings.with_overrides(abstain_threshold=1.01), seed_pipeline.index, seed_pipeline.encoder,
        codes=seed_pipeline.codes,
    )
    chat = Conversation(strict)
    chat.ask("莲前派出所辖区有多少人口？")
    answer = chat.ask("它的所长是谁？")
    assert answer.text is None and answer.understood_as and "莲前派出所" in answer.understood_as
    assert answer.message.endswith(f"（理解为：{answer.understood_as}）")


def test_remembered_turns_are_context_without_being_answered(seed_pipeline: Any) -> None:
    chat = Conversation(seed_pipeline)
    chat.remember("莲前派出所辖区有多少人口？", answer="15万多人", doc_id=LIANQIAN_ARTICLE, quote="辖区16平方公里分布着3个繁华商圈、15万多人口……")
    assert chat.context.preferred_docs() == [LIANQIAN_ARTICLE]
    assert [r.text for r in chat.plan("那它的面积呢？").rewrites][0] == "莲前派出所的面积是多少？"


def _passage(doc_id: str, score: float) -> Passage:
    return Passage(doc_id, doc_id + ".txt", doc_id, doc_id + "#c", 0, 1, "x", score)


@pytest.mark.parametrize("k", [60])
def test_the_preference_reorders_close_passages_and_drops_none(k: int) -> None:
    passages = [_passage("a", 0.0330), _passage("b", 0.0320), _passage("a", 0.0310), _passage("c", 0.0100)]
    ranked = prefer(passages, ["b"], k)
    assert [p.doc_id for p in ranked] == ["b", "a", "a", "c"]
    far = prefer([_passage("a", 0.0330), _passage("b", 0.0100)], ["b"], k)
    assert [p.doc_id for p in far] == ["a", "b"]  # a passage far down stays below
    assert prefer(passages, [], k) == passages


def _reading(text: str | None, score: float, how: str | None = "subject", **checks: Any) -> Reading:
    from qa.types import Answer

    rewrite = Rewrite(f"{how}?", None, how) if how else None
    return Reading(rewrite, Answer(f"{how}?", text, score), **checks)


def test_a_rewrite_answer_that_misfits_or_lacks_evidence_is_not_given() -> None:
    misfit = _reading("1800万人次", 0.99, "a", misfit=True, evidence=0.9)
    thin = _reading("江克栋站", 0.999, "b", evidence=EVIDENCE_GATE - 0.01)
    chosen, answer = _pick([misfit, thin, _reading(None, 0.2, "c")], 0.0)
    assert answer.text is None and answer.candidate in ("1800万人次", "江克栋站")
    fits = _reading("16平方公里", 0.9, "d", evidence=0.8)
    chosen, answer = _pick([misfit, fits], 0.0)
    assert chosen is fits.rewrite and answer.text == "16平方公里"


def test_a_rewrite_answered_from_an_article_that_never_names_its_subject_is_not_given() -> None:
    away = _reading("“江克栋站”", 0.99, "a", evidence=0.9, unmentioned=True)
    chosen, answer = _pick([away], 0.0)
    assert answer.text is None and answer.candidate == "“江克栋站”"
    named = _reading("7个车站", 0.8, "b", evidence=0.9)
    assert _pick([away, named], 0.0)[0] is named.rewrite


def test_a_later_reading_answered_from_another_article_yields_to_one_that_stays() -> None:
    first = _reading("5万余人", 0.9, "a", evidence=0.6)
    away = _reading("5.5万余名", 1.0, "b", evidence=0.6, elsewhere=True)
    assert _pick([first, away], 0.0)[0] is first.rewrite
    assert _pick([away, first], 0.0)[0] is away.rewrite  # the most plausible reading may leave the article
    chosen, answer = _pick([_reading(None, 0.01, "a"), away], 0.0)  # … a later one yields even to an abstention
    assert chosen.how == "a" and answer.text is None


def test_a_rewritten_turn_keeps_the_readers_reason_for_abstaining() -> None:
    from qa.conversation import Plan, _for_turn
    from qa.dialogue.forms import TurnForm
    from qa.pipeline import NOT_FOUND
    from qa.types import Answer

    rewrite = Rewrite("2022年莲前派出所有多少名民警？", "莲前派出所", "subject")
    plan = Plan("2022年它有多少名民警？", TurnForm("2022年它有多少名民警？"), (), "follow-up", (rewrite,))
    why = "资料中没有找到答案：可能的答案所在的段落没有提到2022年，说的不一定是这一年的情况。"
    told = _for_turn(Answer("2022年它有多少名民警？", None, 0.9, message=why), plan, rewrite)
    assert told.message == f"{why}（理解为：{rewrite.text}）"
    bare = _for_turn(Answer("2022年它有多少名民警？", None, 0.2), plan, rewrite)
    assert bare.message == f"{NOT_FOUND}（理解为：{rewrite.text}）"
